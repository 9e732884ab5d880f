import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import type { Texels } from '../../../src/optimize/texture-encode.js'
import {
  DATA_LEVELS,
  FIT_MIN_EDGE,
  fitTexelsToContent,
  flattenUnusedChannels,
  quantiseTexels,
} from '../../../src/optimize/texture-fit.js'
import { CHANNEL } from '../../../src/optimize/texture-plan.js'
import { noiseRgb } from './helpers.js'

const RGB = [CHANNEL.R, CHANNEL.G, CHANNEL.B]

function texels(data: Buffer, size: number, used = RGB): Texels {
  return { data, width: size, height: size, channels: 3, alpha: false, used }
}

async function upscaled(data: Buffer, from: number, to: number): Promise<Buffer> {
  return sharp(data, { raw: { width: from, height: from, channels: 3 } })
    .resize(to, to, { kernel: 'lanczos3' })
    .raw()
    .toBuffer()
}

describe('fitTexelsToContent', () => {
  it('ships a 1024² map whose finest detail spans 8 texels at 512²', async () => {
    const data = await upscaled(noiseRgb(128, 1), 128, 1024)
    const fitted = await fitTexelsToContent(sharp, texels(data, 1024), 'color')
    expect([fitted.width, fitted.height]).toEqual([512, 512])
    expect(fitted.data.length).toBe(512 * 512 * 3)
  })

  it('keeps a map with texel-sized detail at its size (same object back)', async () => {
    const input = texels(noiseRgb(1024, 2), 1024)
    expect(await fitTexelsToContent(sharp, input, 'color')).toBe(input)
    expect(await fitTexelsToContent(sharp, input, 'data')).toBe(input)
  })

  it(`halves once at most, and never below ${FIT_MIN_EDGE}², even a flat map`, async () => {
    const flat = (size: number) => texels(Buffer.alloc(size * size * 3, 128), size)
    expect((await fitTexelsToContent(sharp, flat(2048), 'normal')).width).toBe(1024)
    expect((await fitTexelsToContent(sharp, flat(1024), 'normal')).width).toBe(FIT_MIN_EDGE)
    const small = flat(FIT_MIN_EDGE)
    expect(await fitTexelsToContent(sharp, small, 'normal')).toBe(small)
  })

  it('leaves odd sizes alone: their texel grid would shift against the UVs', async () => {
    const input = texels(Buffer.alloc(1025 * 1025 * 3, 90), 1025)
    expect(await fitTexelsToContent(sharp, input, 'color')).toBe(input)
  })

  it('judges only the channels a material reads: noise in an unread channel does not block halving', async () => {
    const smooth = await upscaled(noiseRgb(128, 3), 128, 1024)
    const rough = noiseRgb(1024, 4)
    for (let i = 0; i < smooth.length; i += 3) smooth[i] = rough[i]! // R: per-texel noise, G and B: 8-texel detail
    expect((await fitTexelsToContent(sharp, texels(smooth, 1024, RGB), 'data')).width).toBe(1024)
    expect((await fitTexelsToContent(sharp, texels(smooth, 1024, [CHANNEL.G, CHANNEL.B]), 'data')).width).toBe(512)
  })
})

describe('flattenUnusedChannels', () => {
  it('zeroes unread colour channels and keeps the read ones exactly', () => {
    const data = noiseRgb(64, 5)
    const out = flattenUnusedChannels(texels(Buffer.from(data), 64, [CHANNEL.G, CHANNEL.B]))
    for (let i = 0; i < data.length; i += 3) {
      expect(out.data[i]).toBe(0)
      expect(out.data[i + 1]).toBe(data[i + 1])
      expect(out.data[i + 2]).toBe(data[i + 2])
    }
    expect(data[0]).not.toBe(0) // the input buffer is not modified
  })

  it('returns the texels as they are when every channel is read or the image is grey', () => {
    const all = texels(noiseRgb(16, 6), 16)
    expect(flattenUnusedChannels(all)).toBe(all)
    const grey: Texels = {
      data: Buffer.alloc(256, 7),
      width: 16,
      height: 16,
      channels: 1,
      alpha: false,
      used: [CHANNEL.R],
    }
    expect(flattenUnusedChannels(grey)).toBe(grey)
  })
})

describe('quantiseTexels', () => {
  it(`rounds every texel to one of ${DATA_LEVELS} levels, keeps 0 and 255 exact, and moves none by more than half a step`, () => {
    const data = Buffer.alloc(256 * 3)
    for (let v = 0; v < 256; v++) data.fill(v, v * 3, v * 3 + 3)
    const input = texels(data, 16)
    const out = quantiseTexels(input)
    expect(new Set(out.data).size).toBe(DATA_LEVELS)
    expect([out.data[0], out.data[255 * 3]]).toEqual([0, 255])
    for (let i = 0; i < data.length; i++)
      expect(Math.abs(out.data[i]! - data[i]!)).toBeLessThanOrEqual(255 / (DATA_LEVELS - 1) / 2 + 0.5)
    // a copy: the decoded texels stay what the fidelity check compares against
    expect(input.data).toEqual(data)
  })
})
