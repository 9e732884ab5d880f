import type Sharp from 'sharp'
import type { Judgement, Texels } from './texture-encode.js'
import { fidelity, texelPsnr } from './texture-encode.js'

/**
 * Longest edge above which a texture's fidelity is judged at its first mip level. A model that fills a
 * 1024–1080-pixel view is sampled at about 1K texels across, so a 2K map is seen through its 2×-averaged
 * mip there: per-texel error that averaging removes (4:2:0 chroma on a speckled metalness mask, grain) is
 * not on screen, while anything wider than two texels still counts in full. The map keeps its 2K texels for
 * close-ups; only the floor's judgement moves to where a framed view looks.
 */
export const SEEN_EDGE = 1024

/** Whether a framed view sees these texels through their first mip (see {@link SEEN_EDGE}). */
export function seenAtFirstMip({ width, height }: { width: number; height: number }): boolean {
  return Math.max(width, height) > SEEN_EDGE && width % 2 === 0 && height % 2 === 0
}

/**
 * Fidelity (worst read channel, dB) of an encoded texture as a framed view sees it: texture-encode.ts's
 * {@link fidelity} for maps up to {@link SEEN_EDGE}, else the same measure on 2×2-averaged texels of both.
 */
export async function seenFidelity(
  sharp: typeof Sharp,
  reference: Texels,
  encoded: Uint8Array,
  judgement: Judgement = 'worst',
): Promise<number> {
  const { width, height, channels } = reference
  if (!seenAtFirstMip(reference)) return fidelity(sharp, reference, encoded, judgement)
  const { data, info } = await sharp(encoded).raw().toBuffer({ resolveWithObject: true })
  if (info.width !== width || info.height !== height) return 0
  const decoded = info.channels === channels ? data : rechannel(data, info.channels, channels)
  const half = (d: Uint8Array) => mip(d, width, height, channels)
  return texelPsnr(
    { ...reference, data: Buffer.from(half(reference.data)), width: width / 2, height: height / 2 },
    half(decoded),
    channels,
    judgement,
  )
}

// 2×2 box average: the GPU's first mip level.
function mip(src: Uint8Array, w: number, h: number, channels: number): Uint8Array {
  const W = w / 2
  const out = new Uint8Array(W * (h / 2) * channels)
  for (let y = 0; y < h / 2; y++) {
    for (let x = 0; x < W; x++) {
      const a = (2 * y * w + 2 * x) * channels
      const c = a + w * channels
      const o = (y * W + x) * channels
      for (let k = 0; k < channels; k++)
        out[o + k] = (src[a + k]! + src[a + channels + k]! + src[c + k]! + src[c + channels + k]! + 2) >> 2
    }
  }
  return out
}

// Decoded images may carry a different band layout than the reference (grey → RGB, RGB ↔ RGBA).
function rechannel(src: Uint8Array, from: number, to: number): Uint8Array {
  const n = src.length / from
  const out = new Uint8Array(n * to)
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < to; k++) {
      const band = from === 1 ? 0 : k < 3 ? Math.min(k, from - 1) : from === 4 ? 3 : -1
      out[i * to + k] = band < 0 ? 255 : src[i * from + band]!
    }
  }
  return out
}
