import { Document } from '@gltf-transform/core'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'

export const FIXTURES_DIR = fileURLToPath(new URL('../../../fixtures/', import.meta.url))

/** A fixture GLB as a fresh Uint8Array. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES_DIR}${name}`))
}

export interface ValidationSummary {
  errors: number
  warnings: number
  /** Error codes with their JSON pointers, e.g. "TEXTURE_INVALID_IMAGE_MIME_TYPE /textures/1/source". */
  errorCodes: string[]
}

interface ValidatorModule {
  validateBytes: (
    data: Uint8Array,
    options: object,
  ) => Promise<{
    issues: { numErrors: number; numWarnings: number; messages: { code: string; severity: number; pointer?: string }[] }
  }>
}

let validator: Promise<ValidatorModule> | undefined

/** Khronos glTF-Validator on bytes; external resources are refused. */
export async function validate(bytes: Uint8Array): Promise<ValidationSummary> {
  // gltf-validator ships no types: a non-literal specifier keeps TypeScript from asking for them.
  const name = 'gltf-validator'
  validator ??= import(name).then((m: Partial<ValidatorModule> & { default?: ValidatorModule }) =>
    m.validateBytes ? (m as ValidatorModule) : m.default!,
  )
  const report = await (await validator).validateBytes(bytes, {
    maxIssues: 1000,
    externalResourceFunction: () => Promise.reject(new Error('external resources are not allowed')),
  })
  return {
    errors: report.issues.numErrors,
    warnings: report.issues.numWarnings,
    errorCodes: report.issues.messages.filter(m => m.severity === 0).map(m => `${m.code} ${m.pointer ?? ''}`.trim()),
  }
}

/** Awaits a promise that must reject, and returns the rejection. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected the promise to reject')
}

/** A GLB container around arbitrary JSON text (space-padded), without a BIN chunk. */
export function glbWithJson(text: string): Uint8Array {
  const json = new TextEncoder().encode(text.padEnd(Math.ceil(text.length / 4) * 4, ' '))
  const out = new Uint8Array(20 + json.byteLength)
  const view = new DataView(out.buffer)
  view.setUint32(0, 0x46546c67, true)
  view.setUint32(4, 2, true)
  view.setUint32(8, out.byteLength, true)
  view.setUint32(12, json.byteLength, true)
  view.setUint32(16, 0x4e4f534a, true)
  out.set(json, 20)
  return out
}

/** Mean PSNR over RGB of two encodings of the same image. */
export async function psnr(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [x, y] = await Promise.all([a, b].map(img => sharp(img).removeAlpha().raw().toBuffer()))
  let se = 0
  for (let i = 0; i < x!.length; i++) se += (x![i]! - y![i]!) ** 2
  return 10 * Math.log10((255 * 255) / (se / x!.length))
}

/** Mean angle (degrees) between the tangent-space normals of two encodings of the same normal map. */
export async function meanNormalAngleDeg(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [x, y] = await Promise.all([a, b].map(img => sharp(img).removeAlpha().raw().toBuffer()))
  let sum = 0
  for (let i = 0; i < x!.length; i += 3) {
    const u = [0, 1, 2].map(k => x![i + k]! / 127.5 - 1)
    const v = [0, 1, 2].map(k => y![i + k]! / 127.5 - 1)
    const cos = (u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]!) / (Math.hypot(...u) * Math.hypot(...v) || 1)
    sum += Math.acos(Math.max(-1, Math.min(1, cos)))
  }
  return ((sum / (x!.length / 3)) * 180) / Math.PI
}

/** Seeded per-texel RGB noise of `size`²: detail at the finest scale a texture can hold. */
export function noiseRgb(size: number, seed: number): Buffer {
  let s = seed >>> 0
  const out = Buffer.alloc(size * size * 3)
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = 64 + (s >>> 25)
  }
  return out
}

/**
 * An n×n grid of quads (2n² triangles) on the unit square, with normals and UVs, in a scene; `height` displaces
 * z at grid point (i, j). A flat or gently curved grid is the extreme of over-tessellation.
 */
export function quadGrid(n: number, height: (i: number, j: number) => number = () => 0) {
  const doc = new Document()
  const buffer = doc.createBuffer()
  const positions: number[] = []
  const normals: number[] = []
  const uvs: number[] = []
  for (let j = 0; j <= n; j++) {
    for (let i = 0; i <= n; i++) {
      positions.push(i / n, j / n, height(i, j))
      normals.push(0, 0, 1)
      uvs.push(i / n, j / n)
    }
  }
  const indices: number[] = []
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const a = j * (n + 1) + i
      indices.push(a, a + 1, a + n + 1, a + 1, a + n + 2, a + n + 1)
    }
  }
  const accessor = (type: 'VEC3' | 'VEC2' | 'SCALAR', array: Float32Array | Uint32Array) =>
    doc.createAccessor().setType(type).setArray(array).setBuffer(buffer)
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', new Float32Array(positions)))
    .setAttribute('NORMAL', accessor('VEC3', new Float32Array(normals)))
    .setAttribute('TEXCOORD_0', accessor('VEC2', new Float32Array(uvs)))
    .setIndices(accessor('SCALAR', new Uint32Array(indices)))
  doc.createScene().addChild(doc.createNode().setMesh(doc.createMesh().addPrimitive(prim)))
  return { doc, prim }
}
