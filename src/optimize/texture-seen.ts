import type Sharp from 'sharp'
import type { Judgement, Texels } from './texture-encode.js'
import { bandPairs, fidelity, judgedError, OPAQUE, psnr } from './texture-encode.js'

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
 * `firstMip` overrides the choice, for a sample of a map (texture-probe.ts) that is judged as the map is.
 */
export async function seenFidelity(
  sharp: typeof Sharp,
  reference: Texels,
  encoded: Uint8Array,
  judgement: Judgement = 'worst',
  firstMip = seenAtFirstMip(reference),
): Promise<number> {
  if (!firstMip) return fidelity(sharp, reference, encoded, judgement)
  const { data, info } = await sharp(encoded).raw().toBuffer({ resolveWithObject: true })
  if (info.width !== reference.width || info.height !== reference.height) return 0
  const bands = bandPairs(reference, info.channels)
  if (!bands) return 0
  const sums = bands.map(pair => mipSquaredError(reference, data, info.channels, pair))
  return psnr(judgedError(sums, reference.used, judgement), sampledBlocks(reference.width / 2, reference.height / 2))
}

// How many of a w×h grid of blocks the lattice of BLOCK_STEP visits.
function sampledBlocks(w: number, h: number): number {
  let n = 0
  for (let row = 0; row < h; row++) n += Math.ceil((w - ((BLOCK_STEP - (row % BLOCK_STEP)) % BLOCK_STEP)) / BLOCK_STEP)
  return n
}

/**
 * The first-mip check visits every third 2×2 block (a diagonal lattice: row r starts at block (3 - r % 3) % 3),
 * as texture-encode.ts's `fidelity` visits every third texel: an even sample of the map for a third of the work.
 */
const BLOCK_STEP = 3

/**
 * Sum of squared differences of one band pair between the first mips (2×2 box averages, rounded as a GPU's
 * 8-bit mip is) of the reference texels and of the decoded ones, over the blocks {@link BLOCK_STEP} picks,
 * computed block by block without building either mip.
 */
function mipSquaredError(
  reference: Texels,
  decoded: Uint8Array,
  decodedChannels: number,
  [a, b]: [number, number],
): number {
  const { data: x, width, height, channels: xc } = reference
  const xRow = width * xc
  const yRow = width * decodedChannels
  const di = 2 * BLOCK_STEP * xc
  const dj = 2 * BLOCK_STEP * decodedChannels
  let sum = 0
  for (let y = 0, row = 0; y < height; y += 2, row++) {
    const first = (BLOCK_STEP - (row % BLOCK_STEP)) % BLOCK_STEP
    let i = y * xRow + 2 * first * xc + a
    let j = y * yRow + 2 * first * decodedChannels + b
    for (let x2 = 2 * first; x2 < width; x2 += 2 * BLOCK_STEP, i += di, j += dj) {
      const m = (x[i]! + x[i + xc]! + x[i + xRow]! + x[i + xRow + xc]! + 2) >> 2
      const n =
        b === OPAQUE
          ? 255
          : (decoded[j]! +
              decoded[j + decodedChannels]! +
              decoded[j + yRow]! +
              decoded[j + yRow + decodedChannels]! +
              2) >>
            2
      const d = m - n
      sum += d * d
    }
  }
  return sum
}
