import type { Texels } from './texture-encode.js'

/**
 * How far (dB) from the floor an encoding of the probe ({@link probeOf}) must land for its answer to stand for
 * the whole map's. A probe covers 1/16 of the map, so its error can be off the whole map's: a map that is half
 * flat padding has half the mean error of its busy tiles (3 dB). 6 dB is twice that. Two uses (textures.ts):
 * - below the floor by this much, the full-size attempt is skipped. On the issue #16 bench corpus, data maps
 *   that lossy WebP cannot keep miss their 30 dB floor by 7-19 dB, and the ones it keeps pass by 5-18 dB, so
 *   the probe separates them. A wrong skip costs bytes (a larger encoding ships), never fidelity;
 * - above the floor by this much, the full-size encoding ships without the check that decodes it (~50 ms of a
 *   2K map's). That answer is wrong only when the whole map's mean error is 4× the probe's, and the floors sit
 *   well below what renders show (textures.ts, FIDELITY_FLOOR_DB). On that corpus no large map's probe read more
 *   than 2.7 dB above its full map (the barn lamp's normal map), and the checks it skips would have passed by
 *   6.6-21.6 dB.
 */
export const PROBE_MARGIN_DB = 6

/** Tiles per side of a probe: 4×4 tiles, one from the middle of each cell of a 4×4 grid over the map. */
const GRID = 4

/**
 * Tile edges are whole 16-texel blocks (WebP macroblocks, JPEG MCUs at 4:2:0), on the same block grid as the
 * map: each tile is coded as it would be inside the full image.
 */
const BLOCK = 16

/** Smallest tile edge worth probing: a map under 512 texels across encodes in a few milliseconds anyway. */
const MIN_TILE = 32

/**
 * A sample of `texels` to try an encoding on before paying for the full map: a mosaic of 16 tiles, one from the
 * middle of each cell of a 4×4 grid, each tile 1/16 of the map's edge (so the probe is 1/16 of its area, e.g.
 * 512² for a 2048² map), aligned to 16-texel blocks. Undefined for maps too small to be worth it.
 */
export function probeOf(texels: Texels): Texels | undefined {
  const { width, height, channels } = texels
  const tw = Math.floor(width / (GRID * GRID) / BLOCK) * BLOCK
  const th = Math.floor(height / (GRID * GRID) / BLOCK) * BLOCK
  if (tw < MIN_TILE || th < MIN_TILE) return undefined
  const W = GRID * tw
  const data = Buffer.alloc(W * GRID * th * channels)
  for (let gy = 0; gy < GRID; gy++) {
    const y0 = blockStart(gy, height, th)
    for (let gx = 0; gx < GRID; gx++) {
      const x0 = blockStart(gx, width, tw)
      for (let row = 0; row < th; row++) {
        const from = ((y0 + row) * width + x0) * channels
        const to = ((gy * th + row) * W + gx * tw) * channels
        texels.data.copy(data, to, from, from + tw * channels)
      }
    }
  }
  return { ...texels, data, width: W, height: GRID * th }
}

/** Probe bytes × this is the full map's expected encoded size (both hold the same kind of content). */
export function probeScale(texels: Texels, probe: Texels): number {
  return (texels.width * texels.height) / (probe.width * probe.height)
}

// Start of the tile in cell `i` of `GRID` along an edge of `size`: the cell's middle, rounded down to a block.
function blockStart(i: number, size: number, tile: number): number {
  const middle = ((i + 0.5) * size) / GRID - tile / 2
  return Math.max(0, Math.min(size - tile, Math.floor(middle / BLOCK) * BLOCK))
}

/**
 * Bits per texel of the quick encoding of a large map's probe (`previewOnProbe`: libwebp method 2, or 0 for a map
 * seen through its first mip) below which the map counts as flat and keeps method 4. On the issue #16 corpus's
 * busy maps (AI albedo with grain and baked light, AI normal maps, the crate's photo textures) the quick methods
 * kept the per-texel PSNR of method 4 (0.4 dB below to 1.9 dB above it) for a few percent more bytes in
 * 0.2-0.55× the time; their probes code in 0.27-2.4 bits per texel. Flat maps (the controller-like models' product
 * textures and the morph-target model's map, 0.04-0.10 bits) lost 0.2-0.3 dB and up to 12% more bytes at method
 * 2, and on a model whose bytes are almost all such maps its render fell below gltf-transform's: rate-distortion
 * search is what codes them well.
 */
export const FLAT_BITS_PER_TEXEL = 0.15

/**
 * A large map's first lossy attempt, made on its probe at `methods.busy` first: the libwebp method the full map
 * gets (`methods.flat` when that encoding is under {@link FLAT_BITS_PER_TEXEL}), and the probe's encoding at that
 * method with its fidelity (`judge`), which stands for the full map's within {@link PROBE_MARGIN_DB}.
 */
export async function previewOnProbe<T extends { image: Uint8Array }>(
  probe: Texels,
  methods: { busy: number; flat: number },
  encodeAt: (method: number) => (texels: Texels) => Promise<T>,
  judge: (sample: Texels, encoded: T) => Promise<number>,
): Promise<{ effort: number; preview: { encoded: T; fidelity: number } }> {
  const quick = await encodeAt(methods.busy)(probe)
  const busy = (quick.image.byteLength * 8) / (probe.width * probe.height) >= FLAT_BITS_PER_TEXEL
  const effort = busy ? methods.busy : methods.flat
  const encoded = busy ? quick : await encodeAt(effort)(probe)
  return { effort, preview: { encoded, fidelity: await judge(probe, encoded) } }
}
