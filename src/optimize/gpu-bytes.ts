import type { Root, Texture } from '@gltf-transform/core'
import { ImageUtils } from '@gltf-transform/core'
import { readKtx2Header } from './ktx2.js'

const VK_FORMAT_UNDEFINED = 0
/** KTX2 data format descriptor colour models of Basis Universal payloads. */
const KHR_DF_MODEL_ETC1S = 163
const KHR_DF_MODEL_UASTC = 166

/**
 * Estimated GPU memory of every texture in the document, full mip chains included. Each texture counts once,
 * however many materials use it.
 *
 * - PNG, JPEG, WebP, AVIF are decoded by the browser and uploaded as RGBA8: 4 bytes per texel.
 * - KTX2 Basis Universal is transcoded to a block format: UASTC (and ETC1S with alpha) to 16-byte 4×4 blocks
 *   (BC7 / ASTC 4×4 / ETC2 RGBA), opaque ETC1S to 8-byte 4×4 blocks (BC1 / ETC1). Other KTX2 formats are
 *   counted as RGBA8, a safe upper bound.
 */
export function textureGpuBytes(root: Root): number {
  let total = 0
  for (const texture of root.listTextures()) total += gpuBytesOf(texture)
  return total
}

function gpuBytesOf(texture: Texture): number {
  const image = texture.getImage()
  if (!image) return 0
  const mime = texture.getMimeType()
  let size: [number, number] | null = null
  try {
    size = ImageUtils.getSize(image, mime)
  } catch {
    size = null
  }
  if (!size || size[0] < 1 || size[1] < 1) return 0
  const [width, height] = size
  if (mime === 'image/ktx2') {
    const blockBytes = basisBlockBytes(image)
    if (blockBytes) return mipChain(width, height, (w, h) => Math.ceil(w / 4) * Math.ceil(h / 4) * blockBytes)
  }
  return mipChain(width, height, (w, h) => w * h * 4)
}

function mipChain(width: number, height: number, levelBytes: (w: number, h: number) => number): number {
  let total = 0
  let w = width
  let h = height
  for (;;) {
    total += levelBytes(w, h)
    if (w === 1 && h === 1) return total
    w = Math.max(1, w >> 1)
    h = Math.max(1, h >> 1)
  }
}

/** Bytes per 4×4 block once transcoded, or `undefined` for a KTX2 file that is not Basis Universal. */
function basisBlockBytes(bytes: Uint8Array): number | undefined {
  const header = readKtx2Header(bytes)
  if (!header || header.vkFormat !== VK_FORMAT_UNDEFINED) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dfdOffset = view.getUint32(48, true)
  // Basic DFD block: 4 bytes total size, then the block header; the colour model is byte 8 of the block.
  if (dfdOffset + 28 > bytes.byteLength) return 16
  const model = bytes[dfdOffset + 4 + 8]
  if (model === KHR_DF_MODEL_UASTC) return 16
  if (model === KHR_DF_MODEL_ETC1S) {
    const blockSize = view.getUint16(dfdOffset + 4 + 6, true)
    const samples = (blockSize - 24) / 16
    return samples > 1 ? 16 : 8
  }
  return 16
}
