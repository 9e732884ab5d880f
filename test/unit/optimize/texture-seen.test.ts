import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import type { Texels } from '../../../src/optimize/texture-encode.js'
import { fidelity, judgedError } from '../../../src/optimize/texture-encode.js'
import { CHANNEL } from '../../../src/optimize/texture-plan.js'
import { SEEN_EDGE, seenFidelity } from '../../../src/optimize/texture-seen.js'

/** A smooth RGB gradient and a lossless PNG of it with `change` applied per texel. */
async function pair(size: number, change: (x: number, y: number) => number) {
  const data = Buffer.alloc(size * size * 3)
  const changed = Buffer.alloc(size * size * 3)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let k = 0; k < 3; k++) {
        const i = (y * size + x) * 3 + k
        data[i] = 60 + ((x + y + 40 * k) % 128)
        changed[i] = data[i]! + change(x, y)
      }
    }
  }
  const reference: Texels = {
    data,
    width: size,
    height: size,
    channels: 3,
    alpha: false,
    used: [CHANNEL.R, CHANNEL.G, CHANNEL.B],
  }
  const png = await sharp(changed, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer()
  return { reference, encoded: new Uint8Array(png) }
}

// ±20 on alternating texels: gone in every 2×2 average (the first mip), glaring at full resolution.
const texelNoise = (x: number, y: number) => ((x + y) % 2 ? 20 : -20)

describe('seenFidelity', () => {
  it(`judges maps above ${SEEN_EDGE}² at their first mip: texel-sized error that averages out does not count`, async () => {
    const { reference, encoded } = await pair(2 * SEEN_EDGE, texelNoise)
    expect(await fidelity(sharp, reference, encoded)).toBeLessThan(25)
    expect(await seenFidelity(sharp, reference, encoded)).toBe(Infinity)
  })

  it('still counts error wider than two texels in full', async () => {
    const { reference, encoded } = await pair(2 * SEEN_EDGE, x => (x % 8 < 4 ? 20 : 0))
    const full = await fidelity(sharp, reference, encoded)
    expect(full).toBeLessThan(26)
    expect(await seenFidelity(sharp, reference, encoded)).toBeCloseTo(full, 1)
  })

  it(`is the full-resolution fidelity for maps up to ${SEEN_EDGE}²`, async () => {
    const { reference, encoded } = await pair(SEEN_EDGE, texelNoise)
    const full = await fidelity(sharp, reference, encoded)
    expect(full).toBeLessThan(25)
    expect(await seenFidelity(sharp, reference, encoded)).toBe(full)
  })
})

describe('judgedError', () => {
  const { R, G, B, A } = CHANNEL
  it('judges colour by the mean error of its RGB (as a render is judged), data and normals by the worst channel', () => {
    expect(judgedError([100, 100, 1000], [R, G, B], 'colour')).toBe(400)
    expect(judgedError([100, 100, 1000], [R, G, B], 'worst')).toBe(1000)
  })

  it('keeps read alpha on its own: a smeared coverage mask is not averaged away by clean colour', () => {
    expect(judgedError([10, 10, 10, 500], [R, G, B, A], 'colour')).toBe(500)
    expect(judgedError([10, 10, 40, 5], [R, G, B, A], 'colour')).toBe(20)
  })
})
