import { describe, expect, it } from 'vitest'
import type { Texels } from '../../../src/optimize/texture-encode.js'
import { probeOf, probeScale } from '../../../src/optimize/texture-probe.js'
import { CHANNEL } from '../../../src/optimize/texture-plan.js'

/** Texels whose every band holds a code of its own position, so a copied tile tells where it came from. */
function positional(width: number, height: number, channels: 1 | 3 | 4): Texels {
  const data = Buffer.alloc(width * height * channels)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let k = 0; k < channels; k++) data[(y * width + x) * channels + k] = (x * 3 + y * 7 + k * 50) & 255
  return { data, width, height, channels, alpha: channels === 4, used: [CHANNEL.R, CHANNEL.G, CHANNEL.B] }
}

describe('probeOf', () => {
  it('samples a 2048² map as 16 block-aligned 128² tiles, one from the middle of each 512² cell (1/16 of the map)', () => {
    const map = positional(2048, 2048, 3)
    const probe = probeOf(map)!
    expect([probe.width, probe.height, probe.channels]).toEqual([512, 512, 3])
    expect(probeScale(map, probe)).toBe(16)
    // the tile of cell (1, 2): the cell spans x 512..1023, y 1024..1535, so its middle tile starts at (704, 1216)
    for (const [px, py] of [
      [0, 0],
      [127, 127],
      [5, 90],
    ]) {
      for (let k = 0; k < 3; k++) {
        const inProbe = probe.data[((2 * 128 + py!) * 512 + 128 + px!) * 3 + k]
        const inMap = map.data[((1216 + py!) * 2048 + 704 + px!) * 3 + k]
        expect(inProbe).toBe(inMap)
      }
    }
    expect(704 % 16).toBe(0)
    expect(1216 % 16).toBe(0)
  })

  it('keeps the band layout and sizes tiles per axis on non-square maps', () => {
    const probe = probeOf(positional(2048, 1024, 4))!
    expect([probe.width, probe.height, probe.channels, probe.alpha]).toEqual([512, 256, 4, true])
  })

  it('does not probe maps under 512 texels across: they encode in milliseconds anyway', () => {
    expect(probeOf(positional(256, 256, 1))).toBeUndefined()
    expect(probeOf(positional(2048, 256, 3))).toBeUndefined()
    expect(probeOf(positional(512, 512, 1))?.width).toBe(128)
  })
})
