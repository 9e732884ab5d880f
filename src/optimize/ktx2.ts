import { errors } from '../catalogue/index.js'
import type { Document } from '@gltf-transform/core'
import type Sharp from 'sharp'
import { getSharp, getZstd } from './io.js'

const KTX2_IDENTIFIER = [0xab, 0x4b, 0x54, 0x58, 0x20, 0x32, 0x30, 0xbb, 0x0d, 0x0a, 0x1a, 0x0a]
const HEADER_BYTES = 80
const LEVEL_INDEX_ENTRY = 24
const VK_FORMAT_UNDEFINED = 0 // Basis Universal (ETC1S / UASTC): the only payload KHR_texture_basisu allows
const SUPERCOMPRESSION_NONE = 0
const SUPERCOMPRESSION_ZSTD = 2
/** Largest texture decoded (64 Mpx, 256 MiB as RGBA): the header's sizes come from an untrusted file. */
const MAX_PIXELS = 8192 * 8192

/**
 * Plain 8-bit formats by Vulkan format number → channels. UNORM and SRGB variants hold the same bytes;
 * the glTF texture slot decides how they are read, as it does for PNG.
 */
const PLAIN_8BIT: Readonly<Record<number, 1 | 2 | 3 | 4>> = {
  9: 1, // R8_UNORM
  15: 1, // R8_SRGB
  16: 2, // R8G8_UNORM
  22: 2, // R8G8_SRGB
  23: 3, // R8G8B8_UNORM
  29: 3, // R8G8B8_SRGB
  37: 4, // R8G8B8A8_UNORM
  43: 4, // R8G8B8A8_SRGB
}

/** The fields of a KTX2 header that decide whether and how an image can be decoded. */
export interface Ktx2Header {
  vkFormat: number
  width: number
  height: number
  depth: number
  layers: number
  faces: number
  levels: number
  supercompression: number
}

/** RGB or RGBA texels of a KTX2 image's base level, rows top to bottom. */
export interface DecodedKtx2 {
  width: number
  height: number
  channels: 3 | 4
  pixels: Uint8Array
}

/** The header of a KTX2 file, or `undefined` when `bytes` is not one. */
export function readKtx2Header(bytes: Uint8Array): Ktx2Header | undefined {
  if (bytes.byteLength < HEADER_BYTES || KTX2_IDENTIFIER.some((b, i) => bytes[i] !== b)) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const u32 = (at: number) => view.getUint32(at, true)
  return {
    vkFormat: u32(12),
    width: u32(20),
    height: u32(24),
    depth: u32(28),
    layers: u32(32),
    faces: u32(36),
    levels: u32(40),
    supercompression: u32(44),
  }
}

/**
 * Decodes the base level of a 2D KTX2 image stored in a plain 8-bit format (R8, R8G8, R8G8B8, R8G8B8A8),
 * uncompressed or Zstandard-supercompressed. One- and two-channel images are widened to RGB with zeros, so
 * that a loader samples the same (r, g, 0) it would get from the KTX2 on a GPU. `KTXorientation` "ru" is
 * flipped to the glTF (and PNG) order, top row first.
 *
 * Throws an `Error` that says why for anything else (Basis Universal, block-compressed or 16/32-bit formats,
 * cube maps, arrays, 3D, other supercompression schemes, sizes that do not add up).
 *
 * Example:
 * ```ts
 * const { width, height, channels, pixels } = await decodePlainKtx2(texture.getImage()!)
 * const png = await sharp(pixels, { raw: { width, height, channels } }).png().toBuffer()
 * ```
 */
export async function decodePlainKtx2(bytes: Uint8Array): Promise<DecodedKtx2> {
  const header = readKtx2Header(bytes)
  if (!header) throw errors.E_BAD_FILE('ktx2NotKtx2', {})
  const { vkFormat, width, height, supercompression } = header
  const source = PLAIN_8BIT[vkFormat]
  if (!source) throw errors.E_BAD_FILE('ktx2Format', { vkFormat })
  if (header.depth > 1 || header.layers > 1 || header.faces !== 1) throw errors.E_BAD_FILE('ktx2Shape', {})
  if (width < 1 || height < 1 || width * height > MAX_PIXELS) throw errors.E_BAD_FILE('ktx2Size', { width, height })
  if (supercompression !== SUPERCOMPRESSION_NONE && supercompression !== SUPERCOMPRESSION_ZSTD) {
    throw errors.E_BAD_FILE('ktx2Supercompression', { scheme: supercompression })
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (HEADER_BYTES + LEVEL_INDEX_ENTRY > bytes.byteLength) throw errors.E_BAD_FILE('ktx2Truncated', {})
  // Level 0 (the full-size image) comes first in the level index.
  const offset = Number(view.getBigUint64(HEADER_BYTES, true))
  const length = Number(view.getBigUint64(HEADER_BYTES + 8, true))
  const uncompressed = Number(view.getBigUint64(HEADER_BYTES + 16, true))
  const expected = width * height * source
  if (offset + length > bytes.byteLength) throw errors.E_BAD_FILE('ktx2Outside', {})
  if (uncompressed !== expected)
    throw errors.E_BAD_FILE('ktx2Level', { holds: uncompressed, width, height, channels: source })
  const level = bytes.subarray(offset, offset + length)
  const texels = supercompression === SUPERCOMPRESSION_ZSTD ? (await getZstd()).decode(level, expected) : level
  if (texels.byteLength !== expected) {
    throw errors.E_BAD_FILE('ktx2Zstd', { got: texels.byteLength, width, height, channels: source })
  }

  const channels = source === 4 ? 4 : 3
  let pixels: Uint8Array
  if (source === channels) {
    pixels = texels.slice()
  } else {
    pixels = new Uint8Array(width * height * channels)
    for (let i = 0, o = 0; i < texels.length; i += source, o += channels) {
      for (let c = 0; c < source; c++) pixels[o + c] = texels[i + c]!
    }
  }
  if (orientation(bytes, view).startsWith('ru')) flipRows(pixels, width * channels, height)
  return { width, height, channels, pixels }
}

/** `KTXorientation` from the key/value data ("rd", i.e. top row first, when absent). */
function orientation(bytes: Uint8Array, view: DataView): string {
  const start = view.getUint32(56, true)
  const end = start + view.getUint32(60, true)
  if (end > bytes.byteLength) return 'rd'
  for (let at = start; at + 4 <= end; ) {
    const size = view.getUint32(at, true)
    const entry = bytes.subarray(at + 4, Math.min(end, at + 4 + size))
    const nul = entry.indexOf(0)
    if (nul > 0 && new TextDecoder().decode(entry.subarray(0, nul)) === 'KTXorientation') {
      return new TextDecoder().decode(entry.subarray(nul + 1)).replace(/\0.*$/s, '')
    }
    at += 4 + size + ((4 - (size % 4)) % 4)
  }
  return 'rd'
}

function flipRows(pixels: Uint8Array, stride: number, rows: number): void {
  const tmp = new Uint8Array(stride)
  for (let top = 0, bottom = rows - 1; top < bottom; top++, bottom--) {
    tmp.set(pixels.subarray(top * stride, top * stride + stride))
    pixels.copyWithin(top * stride, bottom * stride, bottom * stride + stride)
    pixels.set(tmp, bottom * stride)
  }
}

/**
 * Makes KTX2 images usable in a file that does not declare `KHR_texture_basisu`. Such files exist (the barn
 * lamp fixture: Zstandard-supercompressed R8G8B8 images referenced straight from `texture.source`) and are
 * invalid glTF: a loader hands the bytes to the browser's image decoder, which cannot read KTX2, and the
 * textures go missing. The extension cannot simply be declared either: it allows Basis Universal payloads
 * only, and loaders reject anything else (three.js: "Unsupported vkFormat").
 *
 * So: plain 8-bit images are decoded and stored as lossless PNG (which the texture step then resizes and
 * converts like any PNG); when the file also holds Basis Universal images, `KHR_texture_basisu` is declared
 * (required: there is no fallback image). An image that cannot be decoded is left as it is. Files that
 * declare the extension are not touched. `fast` writes quickly compressed PNG (same texels, ~30× faster,
 * ~1.5× larger): for callers that re-encode the image right away anyway.
 */
export async function repairUndeclaredKtx2(
  doc: Document,
  { fast = false, sharp: injected }: { fast?: boolean; sharp?: typeof Sharp } = {},
): Promise<void> {
  const root = doc.getRoot()
  if (root.listExtensionsUsed().some(ext => ext.extensionName === 'KHR_texture_basisu')) return
  const textures = root.listTextures().filter(t => t.getMimeType() === 'image/ktx2' && t.getImage())
  if (textures.length === 0) return
  let basis = false
  const conversions: Promise<void>[] = []
  for (const texture of textures) {
    const image = texture.getImage()!
    if (readKtx2Header(image)?.vkFormat === VK_FORMAT_UNDEFINED) {
      basis = true
      continue
    }
    let decoded: DecodedKtx2
    try {
      decoded = await decodePlainKtx2(image)
    } catch {
      continue // unchanged, as invalid as it came: the validator reports it for the input already
    }
    conversions.push(
      (async () => {
        const sharp = injected ?? (await getSharp())
        const { width, height, channels, pixels } = decoded
        const png = await sharp(pixels, { raw: { width, height, channels } })
          .png(fast ? { compressionLevel: 1 } : { compressionLevel: 9, adaptiveFiltering: true })
          .toBuffer()
        texture.setImage(new Uint8Array(png.buffer, png.byteOffset, png.byteLength)).setMimeType('image/png')
        const uri = texture.getURI()
        if (uri) texture.setURI(uri.replace(/\.ktx2$/i, '.png'))
      })(),
    )
  }
  await Promise.all(conversions)
  if (basis) {
    const { KHRTextureBasisu } = await import('@gltf-transform/extensions')
    doc.createExtension(KHRTextureBasisu).setRequired(true)
  }
}
