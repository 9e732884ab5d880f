import type { FileHandle } from 'node:fs/promises'
import { open } from 'node:fs/promises'
import { MAX_JSON_CHUNK_BYTES } from './preflight.js'

/**
 * A cheap estimate (milliseconds on one core, roughly) of how long optimizing a GLB takes, read from the
 * container without decoding anything: image headers give pixel counts (texture work is 70–95% of the
 * time and scales with pixels, not with compressed bytes) and accessor counts give the vertex work.
 * The pool starts the most expensive jobs first, so no big model is left running alone at the end.
 * Anything that does not parse as a GLB is weighed by its size.
 */
export function estimateCost(bytes: Uint8Array): number {
  const bySize = bytes.byteLength / 50_000
  try {
    const glb = parseGlb(bytes)
    if (!glb) return bySize
    const heads = imageViews(glb.json).map(view => glb.bin?.subarray(view.start, view.start + view.byteLength))
    return costOf(glb.json, heads, bySize)
  } catch {
    return bySize
  }
}

/** Bytes of an image's start read by {@link estimateFileCost}: PNG, WebP and KTX2 sizes sit in the first 32. */
const IMAGE_HEAD_BYTES = 64 * 1024

/**
 * {@link estimateCost} of a GLB file, from its header, its JSON chunk and the first 64 KiB of each image, so a
 * source the worker reads by path is weighed without being read here. A JPEG whose size comes after 64 KiB of
 * metadata counts no pixels.
 */
export async function estimateFileCost(path: string): Promise<number> {
  const fh = await open(path, 'r')
  try {
    const bySize = (await fh.stat()).size / 50_000
    try {
      const header = await readAt(fh, 0, 20)
      const view = new DataView(header.buffer, header.byteOffset, header.byteLength)
      if (header.byteLength < 20 || view.getUint32(0, true) !== GLB_MAGIC || view.getUint32(16, true) !== JSON_CHUNK)
        return bySize
      const jsonLength = view.getUint32(12, true)
      if (jsonLength > MAX_JSON_CHUNK_BYTES) return bySize
      const json = JSON.parse(new TextDecoder().decode(await readAt(fh, 20, jsonLength))) as GlbJson
      const binData = 20 + jsonLength + 8
      const heads = await Promise.all(
        imageViews(json).map(v => readAt(fh, binData + v.start, Math.min(v.byteLength, IMAGE_HEAD_BYTES))),
      )
      return costOf(json, heads, bySize)
    } catch {
      return bySize
    }
  } finally {
    await fh.close()
  }
}

// ~80 ms per megapixel of texture (decode, encode, check) and ~4 µs per vertex of geometry work.
function costOf(json: GlbJson, imageHeads: (Uint8Array | undefined)[], bySize: number): number {
  let pixels = 0
  for (const head of imageHeads) if (head) pixels += imagePixels(head)
  let vertices = 0
  for (const mesh of json.meshes ?? []) {
    for (const prim of mesh.primitives ?? []) {
      const position = prim.attributes?.POSITION
      vertices += position === undefined ? 0 : (json.accessors?.[position]?.count ?? 0)
    }
  }
  return 20 + pixels * 8e-5 + vertices * 4e-3 + bySize
}

/** Where each embedded image lies in the BIN chunk's data. */
function imageViews(json: GlbJson): { start: number; byteLength: number }[] {
  const out: { start: number; byteLength: number }[] = []
  for (const image of json.images ?? []) {
    const view = image.bufferView === undefined ? undefined : json.bufferViews?.[image.bufferView]
    if (view) out.push({ start: view.byteOffset ?? 0, byteLength: view.byteLength })
  }
  return out
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length)
  const { bytesRead } = await fh.read(buffer, 0, length, position)
  return buffer.subarray(0, bytesRead)
}

const GLB_MAGIC = 0x46546c67
const JSON_CHUNK = 0x4e4f534a

interface GlbJson {
  images?: { bufferView?: number }[]
  bufferViews?: { byteOffset?: number; byteLength: number }[]
  meshes?: { primitives?: { attributes?: Record<string, number> }[] }[]
  accessors?: { count?: number }[]
}

function parseGlb(bytes: Uint8Array): { json: GlbJson; bin?: Uint8Array } | undefined {
  if (bytes.byteLength < 20) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== GLB_MAGIC || view.getUint32(16, true) !== JSON_CHUNK) return undefined
  const jsonLength = view.getUint32(12, true)
  // An oversized JSON chunk is refused by the worker's preflight; parsing it here would cost gigabytes.
  if (20 + jsonLength > bytes.byteLength || jsonLength > MAX_JSON_CHUNK_BYTES) return undefined
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + jsonLength))) as GlbJson
  const binStart = 20 + jsonLength
  if (binStart + 8 > bytes.byteLength) return { json }
  const binLength = view.getUint32(binStart, true)
  return { json, bin: bytes.subarray(binStart + 8, Math.min(bytes.byteLength, binStart + 8 + binLength)) }
}

/** Width × height from a PNG, JPEG, WebP or KTX2 header; 0 for anything else. */
export function imagePixels(image: Uint8Array): number {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength)
  // KTX2 ("«KTX 20»"): plain ones in files that do not declare KHR_texture_basisu are decoded and re-encoded.
  if (image.byteLength >= 28 && view.getUint32(0) === 0xab4b5458 && view.getUint32(4) === 0x203230bb) {
    return view.getUint32(20, true) * Math.max(1, view.getUint32(24, true))
  }
  if (image.byteLength >= 24 && view.getUint32(0) === 0x89504e47) return view.getUint32(16) * view.getUint32(20)
  if (image.byteLength >= 32 && view.getUint32(0) === 0x52494646 && view.getUint32(8) === 0x57454250) {
    const chunk = view.getUint32(12)
    if (chunk === 0x56503820) return (view.getUint16(26, true) & 0x3fff) * (view.getUint16(28, true) & 0x3fff) // 'VP8 '
    if (chunk === 0x5650384c) {
      // 'VP8L'
      const bits = view.getUint32(21, true)
      return ((bits & 0x3fff) + 1) * (((bits >>> 14) & 0x3fff) + 1)
    }
    if (chunk === 0x56503858) {
      // 'VP8X'
      return ((view.getUint32(24, true) & 0xffffff) + 1) * ((view.getUint32(27, true) & 0xffffff) + 1)
    }
    return 0
  }
  if (image.byteLength >= 4 && view.getUint16(0) === 0xffd8) {
    // Walk the JPEG markers to the first start-of-frame, which holds the size.
    for (let at = 2; at + 9 < image.byteLength; ) {
      if (image[at] !== 0xff) return 0
      const marker = image[at + 1]!
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return view.getUint16(at + 5) * view.getUint16(at + 7)
      }
      at += 2 + view.getUint16(at + 2)
    }
  }
  return 0
}
