import type { ILogger } from '@gltf-transform/core'
import type { OptimizerEncoders } from '../../../src/optimize/optimize.js'
import { isTransformPending } from '@gltf-transform/functions'
import { MeshoptSimplifier } from 'meshoptimizer'
import sharp from 'sharp'
import { describe, expect, it, vi } from 'vitest'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { compressGeometry } from '../../../src/optimize/geometry.js'
import { lodOptions, OPTIMIZE_PRESETS, resolveOptimizeOptions } from '../../../src/optimize/options.js'
import { inspectGlb, optimizeGlb } from '../../../src/optimize/optimize.js'
import { SIMPLIFY_MESHES_DEFAULTS, simplifyMeshes } from '../../../src/optimize/simplify.js'
import { optimizerTransforms } from '../../../src/optimize/steps.js'
import { COMPRESS_TEXTURES_DEFAULTS, compressTextures } from '../../../src/optimize/textures.js'
import { fixture, noiseRgb } from './helpers.js'

// Optimizer unit tests: no mode or CI involved.
const WEB = OPTIMIZE_PRESETS.web
const MAX = OPTIMIZE_PRESETS.max

function capturingLogger(): ILogger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    debug: text => lines.push(text),
    info: text => lines.push(text),
    warn: text => lines.push(`warn: ${text}`),
    error: text => lines.push(`error: ${text}`),
  }
}

/** The `<step>: A → B triangles, C → D vertices` line of a step, as numbers. */
function geometryLine(lines: string[], step: string) {
  const matches = lines
    .map(l => new RegExp(`^${step}: (\\d+) → (\\d+) triangles, (\\d+) → (\\d+) vertices \\(\\d+ ms\\)$`).exec(l))
    .filter(m => m !== null)
  expect(matches, `one geometry line of ${step} in:\n${lines.join('\n')}`).toHaveLength(1)
  const [, t0, t1, v0, v1] = matches[0]!.map(Number) as number[]
  return { triangles: [t0!, t1!] as const, vertices: [v0!, v1!] as const }
}

describe('optimizer steps as named glTF-Transform transforms', () => {
  it('runs as one chain whose names isTransformPending can read', () => {
    const names = optimizerTransforms(MAX).map(t => t.name)
    expect(names).toEqual([
      'dedup',
      'prune',
      'weld',
      'simplifyMeshes',
      'resample',
      'prune',
      'sparse',
      'compressTextures',
      'compressGeometry',
    ])
    // 'web' never simplifies by ratio, only near-losslessly (simplify-near-lossless.ts).
    expect(optimizerTransforms(WEB).map(t => t.name)).not.toContain('simplifyMeshes')
    expect(optimizerTransforms(WEB).map(t => t.name)).toContain('simplifyNearLossless')
    expect(names).not.toContain('simplifyNearLossless')
    // traced steps keep their names
    expect(optimizerTransforms(MAX, { trace: true }).map(t => t.name)).toEqual(names)
    const context = { stack: names }
    expect(isTransformPending(context, 'simplifyMeshes', 'compressGeometry')).toBe(true)
    expect(isTransformPending(context, 'compressGeometry', 'compressTextures')).toBe(false)
  })

  it('each step has documented defaults and refuses values it cannot use', () => {
    expect(SIMPLIFY_MESHES_DEFAULTS).toEqual({ ratio: 0.5, error: 0.001, lockBorder: false })
    expect(COMPRESS_TEXTURES_DEFAULTS).toEqual({ format: 'webp', maxSize: 2048, quality: 80, floors: 'web' })
    expect(simplifyMeshes().name).toBe('simplifyMeshes')
    expect(compressTextures().name).toBe('compressTextures')
    expect(compressGeometry().name).toBe('compressGeometry')
    expect(() => simplifyMeshes({ ratio: 0 })).toThrow(/ratio must be in \(0, 1\]/)
    expect(() => simplifyMeshes({ error: 2 })).toThrow(/error must be in \[0, 1\]/)
    expect(() => compressTextures({ maxSize: 0 })).toThrow(/maxSize must be a positive integer/)
    expect(() => compressTextures({ quality: 101 })).toThrow(/quality must be in \[1, 100\]/)
    // @ts-expect-error: not a method
    expect(() => compressGeometry({ method: 'gzip' })).toThrow(/method must be 'meshopt', 'draco' or false/)
  })
})

describe('optimizeGlb with a logger (logLevel "debug")', () => {
  it('explains per step what it did to the model, and the bytes are those of a silent run', async () => {
    const input = fixture('khr_fox.glb')
    const inputStats = await inspectGlb(input)
    const logger = capturingLogger()
    const logged = await optimizeGlb(input, WEB, { logger })
    const silent = await optimizeGlb(input, WEB)
    expect(logged.bytes).toEqual(silent.bytes)

    const { lines } = logger
    const stepLines = lines.filter(l => / triangles, /.test(l)).map(l => l.slice(0, l.indexOf(':')))
    expect(stepLines).toEqual([
      'dedup',
      'prune',
      'weld',
      'simplifyNearLossless',
      'resample',
      'prune',
      'sparse',
      'compressTextures',
      'compressGeometry',
    ])
    const dedup = geometryLine(lines, 'dedup')
    expect(dedup.triangles[0]).toBe(inputStats.triangles)
    expect(geometryLine(lines, 'compressGeometry').triangles[1]).toBe(logged.stats.triangles)
    // the one texture of the fox: its size, format and bytes; re-encoding it would not make it smaller
    expect(lines.filter(l => l.startsWith('compressTextures: "'))).toEqual([
      expect.stringMatching(
        /^compressTextures: ".+" \(color\) 1024×1024 image\/png [\d.]+ kB kept: no re-encoding was smaller$/,
      ),
    ])
    expect(lines).toContain('compressGeometry: meshopt')
    expect(lines).toContain(`optimize: ${input.byteLength} → ${logged.bytes.byteLength} bytes`)
    // glTF-Transform's own debug lines come through the same logger
    expect(lines.some(l => /^dedup: Merged \d+ of \d+ accessors\.$/.test(l))).toBe(true)
  })

  it('reports the simplifier: triangles before and after, and the error it reached', async () => {
    const input = await generateRodinLikeGlb({ triangles: 2000, textureSize: 64, seed: 3 })
    const logger = capturingLogger()
    const opts = lodOptions(resolveOptimizeOptions({ lods: [0.25], textureSize: 32 }, 'test')!, 1)
    const { stats } = await optimizeGlb(input, opts, { logger })
    const simplify = geometryLine(logger.lines, 'simplifyMeshes')
    expect(simplify.triangles[0]).toBeGreaterThanOrEqual(1900)
    expect(simplify.triangles[1]).toBe(stats.triangles)
    expect(simplify.triangles[1]).toBeLessThan(simplify.triangles[0] * 0.3)
    // the three textures are resized, so they are re-encoded whatever the size
    const textures = logger.lines.filter(l => l.startsWith('compressTextures: "')).sort()
    expect(textures).toHaveLength(3)
    for (const [line, role] of textures.map((l, i) => [l, ['color', 'data', 'normal'][i]])) {
      expect(line).toMatch(
        new RegExp(
          `^compressTextures: ".+" \\(${role}\\) 64×64 image/png [\\d.]+ k?B → 32×32 image/(webp|jpeg|png) [\\d.]+ k?B$`,
        ),
      )
    }
    const error = logger.lines.find(l => l.startsWith('simplifyMeshes: largest error '))
    expect(Number(error?.slice('simplifyMeshes: largest error '.length))).toBe((stats as { error?: number }).error)
  })

  it('says when the source is emitted as it is', async () => {
    // Draco input re-encoded with meshopt is larger: the source stands.
    const input = fixture('pmndrs_bunny_draco.glb')
    const logger = capturingLogger()
    const { bytes } = await optimizeGlb(input, WEB, { logger })
    expect(bytes).toEqual(input)
    expect(logger.lines).toContain("compressGeometry: meshopt (the source's KHR_draco_mesh_compression is decoded)")
    expect(
      logger.lines.some(l => /^optimize: \d+ → \d+ bytes is not smaller: the source is emitted as it is$/.test(l)),
    ).toBe(true)
  })
})

describe('injected encoders', () => {
  it('the steps use the given simplifier and sharp instead of loading their own, with the same result', async () => {
    const input = await generateRodinLikeGlb({ triangles: 1000, textureSize: 64, seed: 5 })
    const simplify = vi.fn(MeshoptSimplifier.simplifyWithAttributes)
    await MeshoptSimplifier.ready
    const simplifier = { ...MeshoptSimplifier, simplifyWithAttributes: simplify } as typeof MeshoptSimplifier
    const sharpCalls = vi.fn()
    const spySharp = ((...args: Parameters<typeof sharp>) => {
      sharpCalls()
      return sharp(...args)
    }) as typeof sharp
    const encoders: OptimizerEncoders = { simplifier, sharp: spySharp }
    const injected = await optimizeGlb(input, MAX, { encoders })
    expect(simplify).toHaveBeenCalled()
    expect(sharpCalls).toHaveBeenCalled()
    expect(injected.bytes).toEqual((await optimizeGlb(input, MAX)).bytes)
  })

  it('the KTX2 step uses the given encoder', async () => {
    const input = await generateRodinLikeGlb({ triangles: 200, textureSize: 64, seed: 7 })
    const { encodeKtx2 } = await import('../../../src/optimize/ktx2-encode.js')
    const ktx2 = vi.fn(encodeKtx2)
    const opts = resolveOptimizeOptions({ textureFormat: 'ktx2' }, 'test')!
    const { stats } = await optimizeGlb(input, opts, { encoders: { ktx2 } })
    expect(ktx2).toHaveBeenCalledTimes(3) // color, normal and metallic-roughness
    expect(ktx2.mock.calls.map(([, role]) => role).sort()).toEqual(['color', 'data', 'normal'])
    expect(stats.decoders.ktx2).toBe(true)
  })

  it('KTX2 output fits texture size to content like WebP: a 1024² map with 512² worth of detail ships at 512²', async () => {
    const { encodeKtx2 } = await import('../../../src/optimize/ktx2-encode.js')
    const opts = resolveOptimizeOptions({ textureFormat: 'ktx2' }, 'test')!
    const sizes = async (png: Uint8Array) => {
      const ktx2 = vi.fn(encodeKtx2)
      await optimizeGlb(await texturedQuad(png), opts, { encoders: { ktx2 } })
      return ktx2.mock.calls.map(([texels]) => texels.width)
    }
    const smooth = await sharpPng(noiseRgb(64, 3), 64, 1024)
    const busy = await sharpPng(noiseRgb(1024, 4), 1024, 1024)
    expect(await sizes(smooth)).toEqual([512])
    expect(await sizes(busy)).toEqual([1024])
  })
})

/** `data` (`from`² RGB) as a PNG of `to`², upscaled smoothly: `to`² texels with `from`² worth of detail. */
async function sharpPng(data: Buffer, from: number, to: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(data, { raw: { width: from, height: from, channels: 3 } })
      .resize(to, to, { kernel: 'lanczos3' })
      .png()
      .toBuffer(),
  )
}

/** A GLB of one quad whose material's base colour is `png`. */
async function texturedQuad(png: Uint8Array): Promise<Uint8Array> {
  const { Document, NodeIO } = await import('@gltf-transform/core')
  const doc = new Document()
  const buffer = doc.createBuffer()
  const accessor = (type: 'VEC3' | 'VEC2' | 'SCALAR', array: Float32Array | Uint16Array) =>
    doc.createAccessor().setType(type).setArray(array).setBuffer(buffer)
  const texture = doc.createTexture('color').setMimeType('image/png').setImage(png)
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', new Float32Array([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0])))
    .setAttribute('TEXCOORD_0', accessor('VEC2', new Float32Array([0, 0, 1, 0, 1, 1, 0, 1])))
    .setIndices(accessor('SCALAR', new Uint16Array([0, 1, 2, 0, 2, 3])))
    .setMaterial(doc.createMaterial('m').setBaseColorTexture(texture))
  doc.createScene().addChild(doc.createNode().setMesh(doc.createMesh().addPrimitive(prim)))
  return new NodeIO().writeBinary(doc)
}
