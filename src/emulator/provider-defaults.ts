import type { EmulatorGettyGeneration } from './types.js'

/** generationRequestId of the default Getty generation (upper-case GUID, like the real API's). */
export const DEFAULT_GETTY_GENERATION_ID = '8C4B2F1E-3A5D-4E6F-9B0C-1D2E3F4A5B6C'

let defaults: Promise<readonly EmulatorGettyGeneration[]> | undefined

/**
 * One Getty generation with two ready images (1024 × 1024 JPEGs drawn with sharp on first use, since the
 * repository ships no JPEG fixture). Memoized per process.
 */
export function defaultGettyGenerations(): Promise<readonly EmulatorGettyGeneration[]> {
  defaults ??= Promise.all([poster(0), poster(1)]).then(([a, b]) =>
    Object.freeze([
      Object.freeze({
        id: DEFAULT_GETTY_GENERATION_ID,
        images: Object.freeze([
          Object.freeze({ name: 'ai-generated-0.jpg', bytes: a, contentType: 'image/jpeg' }),
          Object.freeze({ name: 'ai-generated-1.jpg', bytes: b, contentType: 'image/jpeg' }),
        ]) as EmulatorGettyGeneration['images'],
      }),
    ]),
  )
  defaults.catch(() => {
    defaults = undefined
  })
  return defaults
}

/** A deterministic "AI poster": a sky gradient with a sun whose place depends on `seed`. */
export async function poster(seed: number, size = 1024): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp')
  const pixels = new Uint8Array(size * size * 3)
  const cx = size * (0.3 + 0.4 * (seed % 2))
  const cy = size * 0.35
  const r2 = (size * 0.12) ** 2
  for (let y = 0; y < size; y++) {
    const t = y / size
    for (let x = 0; x < size; x++) {
      const p = (y * size + x) * 3
      const sun = (x - cx) ** 2 + (y - cy) ** 2 < r2
      pixels[p] = sun ? 255 : Math.round(40 + 180 * t)
      pixels[p + 1] = sun ? 214 : Math.round(70 + 90 * t)
      pixels[p + 2] = sun ? 90 : Math.round(160 - 60 * t)
    }
  }
  const jpeg = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
    .jpeg({ quality: 82 })
    .toBuffer()
  return new Uint8Array(jpeg)
}
