import type Sharp from 'sharp'
import type { Sharp as SharpPipeline } from 'sharp'
import type { TexturePlan } from './texture-plan.js'
import { CHANNEL } from './texture-plan.js'

/** Decoded texels of a texture as it will be stored (resized, unused channels dropped or flattened). */
export interface Texels {
  data: Buffer
  width: number
  height: number
  /** 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: 1 | 3 | 4
  /** Whether alpha is stored and read. */
  alpha: boolean
  /** glTF channels (CHANNEL bits) some material reads: the ones whose fidelity counts. */
  used: number[]
}

const ALL = CHANNEL.R | CHANNEL.G | CHANNEL.B | CHANNEL.A

/**
 * Decodes (and resizes, never up) a texture once, with the channels no material reads made cheap to store:
 * - one color channel read (occlusion R, a lone roughness G, …): that channel alone, as a grey image, which
 *   WebP keeps entirely in full-resolution luma instead of half-resolution chroma;
 * - only alpha read (KHR_materials_specular strength): the color becomes flat white;
 * - alpha never read (opaque base color, normal, ORM): the alpha channel is dropped.
 * A texture no material slot names (only an extension we do not know reads it) keeps every channel.
 */
export async function decodeTexels(sharp: typeof Sharp, plan: TexturePlan): Promise<Texels> {
  // glTF viewers upload texels as they are, ignoring embedded ICC profiles; converting would shift data maps.
  let img = sharp(plan.image, { ignoreIcc: true, failOn: 'error' })
  if (plan.resize) img = img.resize(plan.resize[0], plan.resize[1], { fit: 'fill', kernel: 'lanczos3' })
  const mask = plan.channels || ALL
  const colorUsed = [CHANNEL.R, CHANNEL.G, CHANNEL.B].filter(bit => mask & bit)
  const alphaUsed = (mask & CHANNEL.A) !== 0
  const { hasAlpha = false } = await sharp(plan.image).metadata()
  // sharp turns grey (+alpha) sources into RGB(A) before extracting, so channel names work for every layout.
  if (colorUsed.length === 1 && !alphaUsed) {
    const band = colorUsed[0] === CHANNEL.R ? 'red' : colorUsed[0] === CHANNEL.G ? 'green' : 'blue'
    const { data, info } = await img.extractChannel(band).raw().toBuffer({ resolveWithObject: true })
    return { data, width: info.width, height: info.height, channels: 1, alpha: false, used: colorUsed }
  }
  if (colorUsed.length === 0 && alphaUsed && hasAlpha) {
    const { data, info } = await img.extractChannel('alpha').raw().toBuffer({ resolveWithObject: true })
    const rgba = Buffer.alloc(info.width * info.height * 4, 255)
    for (let i = 0; i < data.length; i++) rgba[i * 4 + 3] = data[i]!
    return { data: rgba, width: info.width, height: info.height, channels: 4, alpha: true, used: [CHANNEL.A] }
  }
  const alpha = alphaUsed && hasAlpha
  const { data, info } = await (alpha ? img.ensureAlpha() : img.removeAlpha())
    .raw()
    .toBuffer({ resolveWithObject: true })
  return {
    data,
    width: info.width,
    height: info.height,
    channels: alpha ? 4 : 3,
    alpha,
    used: [...colorUsed, ...(alpha ? [CHANNEL.A] : [])],
  }
}

/** A sharp pipeline that starts from the decoded texels (each encode reuses the one decode). */
export function fromTexels(sharp: typeof Sharp, t: Texels): SharpPipeline {
  return sharp(t.data, { raw: { width: t.width, height: t.height, channels: t.channels } })
}

/**
 * How per-channel errors make one fidelity: `worst`, the PSNR of the channel with the largest error, since a
 * packed data map (occlusion/roughness/metalness) or a normal map is only as good as its worst channel (a mean
 * would hide a smeared metalness mask behind a clean occlusion); `colour`, the PSNR of the mean error over the
 * colour channels, which is how a render's RGB is judged (an albedo's blue can lose a few dB to 4:2:0 chroma
 * while the shade on screen barely moves), with alpha, when read, still on its own.
 */
export type Judgement = 'worst' | 'colour'

/** Sum of squared errors that decides a fidelity, from per-channel sums (in the order of `used`). */
export function judgedError(sums: number[], used: number[], judgement: Judgement): number {
  if (judgement === 'worst') return Math.max(0, ...sums)
  const colour = sums.filter((_, i) => used[i] !== CHANNEL.A)
  const alpha = sums.filter((_, i) => used[i] === CHANNEL.A)
  const mean = colour.length ? colour.reduce((a, b) => a + b, 0) / colour.length : 0
  return Math.max(mean, ...alpha)
}

/**
 * Fidelity (dB) of an encoded image against the texels it was made from, over the channels a material reads,
 * as `judgement` combines them (see {@link Judgement}).
 */
export async function fidelity(
  sharp: typeof Sharp,
  reference: Texels,
  encoded: Uint8Array,
  judgement: Judgement = 'worst',
): Promise<number> {
  const { data, info } = await sharp(encoded).raw().toBuffer({ resolveWithObject: true })
  if (info.width !== reference.width || info.height !== reference.height) return 0
  return texelPsnr(reference, data, info.channels, judgement, reference.width * reference.height > 65_536 ? 3 : 1)
}

/**
 * PSNR (dB) of `decoded` (same size, `decodedChannels` bands per texel) against `reference` over the channels a
 * material reads, as `judgement` combines them, on every `step`-th texel; 0 when `decoded` lacks a read colour
 * channel.
 */
export function texelPsnr(
  reference: Texels,
  decoded: Uint8Array,
  decodedChannels: number,
  judgement: Judgement,
  step = 1,
): number {
  const bands = bandPairs(reference, decodedChannels)
  if (!bands) return 0
  const sums = squaredErrors(reference.data, reference.channels, decoded, decodedChannels, bands, step)
  return psnr(judgedError(sums, reference.used, judgement), Math.ceil((reference.width * reference.height) / step))
}

/**
 * [reference band, decoded band] of each read channel, in the order of `used`; the decoded band is
 * {@link OPAQUE} for read alpha that the encoding does not carry: libwebp drops an alpha channel in which every
 * texel is 255, and that is what a viewer then samples. Undefined when `decoded` lacks a read colour channel.
 */
export function bandPairs(reference: Texels, decodedChannels: number): [number, number][] | undefined {
  const bands: [number, number][] = []
  for (const bit of reference.used) {
    const a = bandOf(reference.channels, bit)
    const b = bandOf(decodedChannels, bit) ?? (bit === CHANNEL.A ? OPAQUE : undefined)
    if (a === undefined || b === undefined) return undefined
    bands.push([a, b])
  }
  return bands
}

/** A decoded "band" that reads 255 everywhere (see {@link bandPairs}). */
export const OPAQUE = -1

/** PSNR (dB) of a judged sum of squared errors over `texels` texels; no error is Infinity. */
export function psnr(error: number, texels: number): number {
  return error === 0 ? Infinity : 10 * Math.log10((255 * 255 * texels) / error)
}

/**
 * Sum of squared differences per band pair ([reference band, decoded band]), over every `step`-th texel:
 * with an even width, a step of 3 still visits every position of the 2×2 blocks that 4:2:0 chroma errors
 * come in, for a third of the work. The common cases (one, three or four bands) read each texel once for
 * all bands; plain loops over typed arrays with numeric strides, so V8 keeps them tight.
 */
function squaredErrors(
  x: Uint8Array,
  xStride: number,
  y: Uint8Array,
  yStride: number,
  bands: [number, number][],
  step: number,
): number[] {
  const end = x.length
  const dx = xStride * step
  const dy = yStride * step
  const opaque = bands.some(([, b]) => b === OPAQUE)
  if (!opaque && (bands.length === 3 || bands.length === 4)) {
    const [[a0, b0], [a1, b1], [a2, b2], [a3, b3] = bands[0]!] = bands as [
      [number, number],
      [number, number],
      [number, number],
      [number, number]?,
    ]
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    for (let i = 0, j = 0; i < end; i += dx, j += dy) {
      const d0 = x[i + a0]! - y[j + b0]!
      const d1 = x[i + a1]! - y[j + b1]!
      const d2 = x[i + a2]! - y[j + b2]!
      s0 += d0 * d0
      s1 += d1 * d1
      s2 += d2 * d2
      if (bands.length === 4) {
        const d3 = x[i + a3]! - y[j + b3]!
        s3 += d3 * d3
      }
    }
    return bands.length === 4 ? [s0, s1, s2, s3] : [s0, s1, s2]
  }
  return bands.map(([a, b]) => {
    let s = 0
    if (b === OPAQUE) {
      for (let i = a; i < end; i += dx) s += (255 - x[i]!) ** 2
      return s
    }
    for (let i = a, j = b; i < end; i += dx, j += dy) {
      const d = x[i]! - y[j]!
      s += d * d
    }
    return s
  })
}

// Where a glTF channel lives in decoded texels: a grey image answers every color channel from its one band.
export function bandOf(channels: number, bit: number): number | undefined {
  if (bit === CHANNEL.A) return channels === 4 ? 3 : channels === 2 ? 1 : undefined
  if (channels <= 2) return 0
  return bit === CHANNEL.R ? 0 : bit === CHANNEL.G ? 1 : 2
}
