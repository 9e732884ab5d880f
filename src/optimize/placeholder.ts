import { errors } from '../catalogue/index.js'
import type { Document, Material } from '@gltf-transform/core'
import { readGlb } from './glb.js'
import { getSharp } from './io.js'

/** Largest placeholder, counted as the whole `data:` URI: small enough to inline in every module. */
export const PLACEHOLDER_MAX_BYTES = 1024
/** Longest edge tried first; smaller ones follow until the URI fits. Blurred up by the page anyway. */
const EDGES = [24, 16, 12, 8]
const SOLID_EDGE = 8

/**
 * A tiny WebP `data:` URI (≤ {@link PLACEHOLDER_MAX_BYTES}) of an image, for the page to show while the real
 * asset loads. Throws when sharp cannot read the image.
 *
 * Example:
 * ```ts
 * const uri = await imagePlaceholder(previewWebp) // "data:image/webp;base64,UklGR…"
 * ```
 */
export async function imagePlaceholder(image: Uint8Array): Promise<string> {
  const sharp = await getSharp()
  let uri = ''
  for (const edge of EDGES) {
    const webp = await sharp(image, { limitInputPixels: 8192 * 8192 })
      .rotate()
      .resize(edge, edge, { fit: 'inside' })
      .webp({ quality: 40, effort: 6, smartSubsample: true })
      .toBuffer()
    uri = `data:image/webp;base64,${webp.toString('base64')}`
    if (uri.length <= PLACEHOLDER_MAX_BYTES) return uri
  }
  throw errors.E_OPTIMIZE('placeholder', { bytes: uri.length })
}

/**
 * A placeholder for a model without a preview: a small square of its dominant base colour (that of the
 * material covering the most triangles: its factor times the mean of its base colour texture).
 */
export async function modelPlaceholder(glb: Uint8Array): Promise<string> {
  const [r, g, b] = await dominantColor(await readGlb(glb))
  const sharp = await getSharp()
  const webp = await sharp({
    create: { width: SOLID_EDGE, height: SOLID_EDGE, channels: 3, background: { r, g, b } },
  })
    .webp({ quality: 60 })
    .toBuffer()
  return `data:image/webp;base64,${webp.toString('base64')}`
}

/** sRGB bytes of the dominant base colour; mid grey for a model without materials. */
export async function dominantColor(doc: Document): Promise<[number, number, number]> {
  const triangles = new Map<Material | null, number>()
  for (const mesh of doc.getRoot().listMeshes()) {
    for (const prim of mesh.listPrimitives()) {
      const count = prim.getIndices()?.getCount() ?? prim.getAttribute('POSITION')?.getCount() ?? 0
      triangles.set(prim.getMaterial(), (triangles.get(prim.getMaterial()) ?? 0) + count)
    }
  }
  let best: Material | null = null
  let most = -1
  for (const [material, count] of triangles) {
    if (count > most) [best, most] = [material, count]
  }
  // glTF's default material is white.
  if (!best) return triangles.size > 0 ? [255, 255, 255] : [128, 128, 128]
  const factor = best.getBaseColorFactor()
  const mean = await textureMean(best)
  return [0, 1, 2].map(i => Math.round(Math.min(1, linearToSrgb(factor[i]!) * mean[i]!) * 255)) as [
    number,
    number,
    number,
  ]
}

/**
 * Longest edge of the copy a texture's mean colour is taken from. WebP and JPEG decode straight to a fraction of
 * their size, so this costs ~1/7 of reading the whole map (sharp's `stats()` always decodes it all: ~170 ms for
 * a 2K WebP, once per model in a cold build), and the mean moves by well under one level.
 */
const MEAN_EDGE = 64

// Mean sRGB colour (0–1) of the base colour texture; white when there is none or it cannot be decoded (KTX2).
async function textureMean(material: Material): Promise<[number, number, number]> {
  const image = material.getBaseColorTexture()?.getImage()
  if (!image) return [1, 1, 1]
  try {
    const sharp = await getSharp()
    const { data, info } = await sharp(image, { limitInputPixels: 8192 * 8192 })
      .resize(MEAN_EDGE, MEAN_EDGE, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true })
    const sums = new Array<number>(info.channels).fill(0)
    for (let i = 0; i < data.length; i++) sums[i % info.channels]! += data[i]!
    const texels = data.length / info.channels
    // grey (+ alpha) images answer every colour channel from their first band
    const at = (i: number) => sums[info.channels < 3 ? 0 : i]! / texels / 255
    return [at(0), at(1), at(2)]
  } catch {
    return [1, 1, 1]
  }
}

function linearToSrgb(c: number): number {
  const x = Math.max(0, Math.min(1, c))
  return x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055
}
