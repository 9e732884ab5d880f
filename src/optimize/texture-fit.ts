import type Sharp from 'sharp'
import type { Texels } from './texture-encode.js'
import { bandOf } from './texture-encode.js'
import type { TextureRole } from './texture-plan.js'
import { CHANNEL } from './texture-plan.js'

/**
 * Worst-channel PSNR (dB) a texture must keep through "halve, then magnify back" for the half-size copy to
 * ship instead. The margin over the encode floors (textures.ts: color 37, normal 26, data 30 dB) is what keeps
 * the two losses from adding up to a visible one: an error 3 dB or more below the encode's grows the total by
 * less than 2 dB. It only passes maps whose finest detail is wider than two texels, as an upscaled 1K map
 * saved at 2K or a flat-panel product texture has; a map with real per-texel grain keeps its size.
 */
export const FIT_FLOOR_DB: Record<TextureRole, number> = { color: 40, normal: 36, data: 40 }

/** Textures are never fitted below this edge: small maps cost little, and UV islands need their padding. */
export const FIT_MIN_EDGE = 512

/**
 * Content-adaptive texture size: halves the decoded texels (Lanczos) once, when the half-size copy, magnified
 * back the way a GPU samples it (bilinear, texel centres aligned; sharp's own linear upscale samples half a
 * texel off, which alone costs ~6 dB on smooth maps), stays within {@link FIT_FLOOR_DB} of the texels in every
 * channel a material reads, and keeps an edge of at least {@link FIT_MIN_EDGE}. Returns the texels to encode
 * (the input when halving does not pass). Once only: each halving adds its error to the next, and on the bench's
 * controller-like maps a second one cost 6 dB of render PSNR for a few KB. Odd sizes are not halved: their
 * texel grid would shift against the UVs.
 */
export async function fitTexelsToContent(sharp: typeof Sharp, texels: Texels, role: TextureRole): Promise<Texels> {
  const { width, height, channels } = texels
  if (width % 2 || height % 2 || Math.min(width, height) / 2 < FIT_MIN_EDGE) return texels
  const half = await sharp(texels.data, { raw: { width, height, channels } })
    .resize(width / 2, height / 2, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer()
  if (!magnifiesBack(texels, half, FIT_FLOOR_DB[role])) return texels
  return { ...texels, data: half, width: width / 2, height: height / 2 }
}

/**
 * Whether the 2× bilinear magnification of `half` (texel centres where a GPU puts them: output texel x samples
 * the half-size image at x/2 - 0.25, edges clamped) stays within `floorDb` of the texels in every channel a
 * material reads. Magnifies and compares in one pass, and stops at the first row where some channel's error is
 * already past what the floor allows: most maps fail within a few rows, and the whole pass over a 2K map cost
 * about half a second per texture in a cold build.
 */
function magnifiesBack(texels: Texels, half: Uint8Array, floorDb: number): boolean {
  const { width: W, height: H, channels, data } = texels
  const w = W / 2
  const h = H / 2
  // decodeTexels never stores read alpha in grey texels, so every read channel has a band
  const bands = texels.used.map(bit => bandOf(channels, bit) ?? 0)
  const budget = (255 * 255 * W * H) / 10 ** (floorDb / 10)
  const sums = new Float64Array(bands.length)
  for (let y = 0; y < H; y++) {
    const sy = (y + 0.5) / 2 - 0.5
    const y0 = Math.max(0, Math.floor(sy))
    const y1 = Math.min(h - 1, y0 + 1)
    const fy = Math.min(1, Math.max(0, sy - y0))
    for (let x = 0; x < W; x++) {
      const sx = (x + 0.5) / 2 - 0.5
      const x0 = Math.max(0, Math.floor(sx))
      const x1 = Math.min(w - 1, x0 + 1)
      const fx = Math.min(1, Math.max(0, sx - x0))
      const a = (y0 * w + x0) * channels
      const b = (y0 * w + x1) * channels
      const c = (y1 * w + x0) * channels
      const d = (y1 * w + x1) * channels
      const o = (y * W + x) * channels
      for (let i = 0; i < bands.length; i++) {
        const k = bands[i]!
        const top = half[a + k]! + (half[b + k]! - half[a + k]!) * fx
        const bottom = half[c + k]! + (half[d + k]! - half[c + k]!) * fx
        const e = data[o + k]! - Math.round(top + (bottom - top) * fy)
        sums[i]! += e * e
      }
    }
    for (let i = 0; i < bands.length; i++) if (sums[i]! > budget) return false
  }
  return true
}

/**
 * Zeroes the colour channels of RGB(A) texels that no material reads (the unused R of a metallic-roughness
 * map that carries baked occlusion nobody samples): an encoder then spends nothing on them, which matters
 * most for the near-lossless fallback that noisy data maps take. Texels with every channel read, or stored
 * as grey, come back as they are.
 */
export function flattenUnusedChannels(texels: Texels): Texels {
  if (texels.channels === 1) return texels
  const unused = [CHANNEL.R, CHANNEL.G, CHANNEL.B].map((bit, band) => (texels.used.includes(bit) ? -1 : band))
  const bands = unused.filter(b => b >= 0)
  if (bands.length === 0 || bands.length === 3) return texels
  const data = Buffer.from(texels.data)
  // one strided pass per band: a loop over bands inside the texel loop ran 2-5× slower on 2K maps
  const { channels } = texels
  const end = data.length
  for (const b of bands) for (let i = b; i < end; i += channels) data[i] = 0
  return { ...texels, data }
}

/**
 * Levels per channel of a data map's lossless last resort ({@link quantiseTexels}): 21 levels, 0 and 255 among
 * them, so fully metal/rough/occluded stay exact. A step of 255/20 is a uniform error of at most 6 (37 dB per
 * texel). On the bench's speckled 1K ORM maps (bench/results/issue16.md) the renders kept the same PSNR as with
 * the source texels (36.28 vs 36.25 dB) at 0.6× the bytes of near-lossless WebP and 0.4× its encode time.
 */
export const DATA_LEVELS = 21

/**
 * Levels for a data map a framed view sees through its first mip (texture-seen.ts): the last resort only runs on
 * busy maps (lossy WebP keeps smooth ones), whose rounding errors are independent from texel to texel, so the
 * 2×2 average halves them and twice the step shows as 21 levels do at the map's own size. On the bench's 2K ORM
 * maps: 0.7× the bytes of 21 levels, and renders at 37.7 and 38.7 dB (the baseline's 37.6 and 37.9).
 */
export const SEEN_DATA_LEVELS = 11

/**
 * Rounds every channel of data-map texels to `levels` evenly spaced values over 0..255. The grain of an AI
 * roughness map and the ±2 noise around a dielectric's metalness change shading by less than a render shows,
 * yet are most of what a lossless encoder spends its bytes on; rounding drops them and keeps every edge of a
 * metal mask where it was (a lossy codec would smear it).
 */
export function quantiseTexels(texels: Texels, levels = DATA_LEVELS): Texels {
  const steps = levels - 1
  const table = new Uint8Array(256)
  for (let v = 0; v < 256; v++) table[v] = Math.round((Math.round((v * steps) / 255) * 255) / steps)
  const source = texels.data
  const data = Buffer.allocUnsafe(source.length)
  for (let i = 0; i < data.length; i++) data[i] = table[source[i]!]!
  return { ...texels, data }
}
