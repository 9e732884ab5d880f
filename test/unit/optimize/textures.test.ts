import type { Material, Texture } from '@gltf-transform/core'
import { Document } from '@gltf-transform/core'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { getIO } from '../../../src/optimize/io.js'
import { OPTIMIZE_PRESETS } from '../../../src/optimize/options.js'
import { optimizeGlb } from '../../../src/optimize/optimize.js'
import { noiseRgb, validate } from './helpers.js'

const WEB = OPTIMIZE_PRESETS.web
const MAX = OPTIMIZE_PRESETS.max
const SIZE = 256

/** A one-triangle model whose material uses `setup`'s textures; compression off, so only textures change. */
async function modelWith(setup: (doc: Document, material: Material) => void): Promise<Uint8Array> {
  const doc = new Document()
  doc.createBuffer()
  const position = doc
    .createAccessor()
    .setType('VEC3')
    .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]))
  const uv = doc
    .createAccessor()
    .setType('VEC2')
    .setArray(new Float32Array([0, 0, 1, 0, 0, 1]))
  const material = doc.createMaterial('m')
  setup(doc, material)
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', position)
    .setAttribute('TEXCOORD_0', uv)
    .setMaterial(material)
  doc.createScene().addChild(doc.createNode().setMesh(doc.createMesh().addPrimitive(prim)))
  return (await getIO()).writeBinary(doc)
}

async function png(channels: 3 | 4, texel: (x: number, y: number) => number[]): Promise<Uint8Array> {
  const data = new Uint8Array(SIZE * SIZE * channels)
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) data.set(texel(x, y), (y * SIZE + x) * channels)
  }
  return new Uint8Array(
    await sharp(data, { raw: { width: SIZE, height: SIZE, channels } })
      .png()
      .toBuffer(),
  )
}

function texture(doc: Document, image: Uint8Array): Texture {
  return doc.createTexture().setMimeType('image/png').setImage(image)
}

/** Smooth-but-busy noise in 0..255 (deterministic). */
function noise(x: number, y: number, k: number): number {
  return Math.round(
    127.5 +
      60 * Math.sin(x * 0.13 * k + y * 0.07) +
      50 * Math.cos(y * 0.11 * k - x * 0.05) +
      15 * Math.sin(x * y * 0.003 * k),
  )
}

async function outTextures(bytes: Uint8Array) {
  return (await getIO()).readBinary(bytes).then(d => d.getRoot().listMaterials()[0]!)
}

/** A `size`² RGB PNG from `texel(random, x, y)`, with a seeded random in [0, 1) for grain and speckle. */
/** A busy colour texel: three interfering waves plus grain, so every libwebp method has work to do. */
function grainyTexel(random: () => number, x: number, y: number): number[] {
  return [1, 2, 3].map(k => Math.round(120 + 60 * Math.sin((x * k) / 13) * Math.cos(y / (9 + k)) + 12 * random()))
}

async function dataMap(size: number, texel: (random: () => number, x: number, y: number) => number[]) {
  let seed = 11
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed / 2 ** 31
  }
  const data = new Uint8Array(size * size * 3)
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data.set(texel(random, x, y), (y * size + x) * 3)
  return new Uint8Array(
    await sharp(data, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toBuffer(),
  )
}

/**
 * sharp that records each WebP/JPEG encode of raw texels (its kind, the width of the texels it encodes and the
 * libwebp method) and the width of every image it decodes to texels (the sources and each check).
 */
function encodeSpy() {
  type Call = { kind: 'lossy' | 'lossless' | 'near-lossless' | 'jpeg'; width: number | undefined; effort?: number }
  const calls: Call[] = []
  const decodes: number[] = []
  const spy = ((input?: Parameters<typeof sharp>[0], options?: Parameters<typeof sharp>[1]) => {
    const instance = sharp(input, options)
    const width = options?.raw?.width
    const webp = instance.webp.bind(instance)
    const jpeg = instance.jpeg.bind(instance)
    const toBuffer = instance.toBuffer.bind(instance) as (o?: { resolveWithObject: true }) => Promise<unknown>
    instance.webp = o => {
      const kind = o?.lossless ? 'lossless' : o?.nearLossless ? 'near-lossless' : 'lossy'
      calls.push({ kind, width, ...(kind === 'lossy' ? { effort: o?.effort } : {}) })
      return webp(o)
    }
    instance.jpeg = o => {
      calls.push({ kind: 'jpeg', width })
      return jpeg(o)
    }
    if (!width) {
      instance.toBuffer = (async (o?: { resolveWithObject: true }) => {
        const out = await toBuffer(o)
        if (o?.resolveWithObject) decodes.push((out as { info: { width: number } }).info.width)
        return out
      }) as typeof instance.toBuffer
    }
    return instance
  }) as typeof sharp
  return { calls, decodes, spy }
}

/** The 'web' optimizer (compression off) on a model set up by `setup`, with what it encoded and decoded (encodeSpy). */
async function optimizeSpied(setup: (doc: Document, material: Material) => void) {
  const { calls, decodes, spy } = encodeSpy()
  const { bytes } = await optimizeGlb(await modelWith(setup), { ...WEB, compress: false }, { encoders: { sharp: spy } })
  return { calls, decodes, bytes }
}

/** PSNR of one channel of two images (decoded to RGBA). */
async function channelPsnr(a: Uint8Array, b: Uint8Array, channel: number): Promise<number> {
  const [x, y] = await Promise.all([a, b].map(i => sharp(i).ensureAlpha().raw().toBuffer()))
  let se = 0
  for (let i = channel; i < x!.length; i += 4) se += (x![i]! - y![i]!) ** 2
  return se === 0 ? Infinity : 10 * Math.log10(255 ** 2 / (se / (x!.length / 4)))
}

describe('per-texture decisions', () => {
  it('a packed ORM map with a sharp metalness mask falls back to the smaller of JPEG 4:4:4 and lossless WebP, every channel faithful', async () => {
    // A checkerboard metalness mask in B next to smooth roughness/occlusion: 4:2:0 WebP smears the mask.
    const orm = await png(3, (x, y) => [noise(x, y, 1), noise(x, y, 2), ((x >> 2) + (y >> 2)) & 1 ? 255 : 0])
    const input = await modelWith((doc, m) => {
      const t = texture(doc, orm)
      m.setOcclusionTexture(t).setMetallicRoughnessTexture(t)
    })
    const { bytes } = await optimizeGlb(input, { ...WEB, compress: false })
    const out = (await outTextures(bytes)).getMetallicRoughnessTexture()!
    // The mask's hard edges cost JPEG more than lossless WebP: the smaller faithful encoding ships.
    const jpeg444 = await sharp(orm).jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer()
    expect(out.getMimeType()).toBe('image/webp')
    expect(out.getImage()!.byteLength).toBeLessThan(jpeg444.byteLength)
    for (const channel of [0, 1, 2]) expect(await channelPsnr(orm, out.getImage()!, channel)).toBeGreaterThan(30)
    expect((await validate(bytes)).errors).toBe(0)
  })

  it('a speckled AI metalness mask next to grainy roughness ships as lossless WebP of rounded texels: every mask pixel where it was, smaller than near-lossless WebP', async () => {
    // Isolated metal pixels (0/255 salt) in B and roughness grain in G, as image-to-3D downloads carry them.
    let seed = 7
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const orm = await png(3, x => [
      0,
      Math.round(120 + 40 * Math.sin(x / 9) + 20 * random()),
      random() < 0.15 ? 255 : Math.round(8 + 4 * random()),
    ])
    const input = await modelWith((doc, m) => {
      m.setMetallicRoughnessTexture(texture(doc, orm))
    })
    const { bytes } = await optimizeGlb(input, { ...WEB, compress: false })
    const out = (await outTextures(bytes)).getMetallicRoughnessTexture()!
    expect(out.getMimeType()).toBe('image/webp')
    const [src, dec] = await Promise.all([orm, out.getImage()!].map(i => sharp(i).removeAlpha().raw().toBuffer()))
    for (let i = 0; i < src!.length; i += 3) {
      // no lossy codec moved a speckle: metal stays metal, within half a rounding step
      expect(Math.abs(dec![i + 2]! - src![i + 2]!)).toBeLessThanOrEqual(7)
      expect(Math.abs(dec![i + 1]! - src![i + 1]!)).toBeLessThanOrEqual(7)
    }
    const nearLossless = await sharp(orm).webp({ nearLossless: true, quality: 20, effort: 4 }).toBuffer()
    expect(out.getImage()!.byteLength).toBeLessThan(nearLossless.byteLength * 0.8)
  })

  it('a speckled 1024² data map: a probe of 1/16 of it tells lossy WebP and JPEG cannot keep it, so neither encodes the full map', async () => {
    const speckled = await dataMap(1024, random => [
      0,
      Math.round(120 + 20 * random()),
      random() < 0.15 ? 255 : Math.round(8 + 4 * random()),
    ])
    const { calls, bytes } = await optimizeSpied((doc, m) => {
      m.setMetallicRoughnessTexture(texture(doc, speckled))
    })
    expect(calls.filter(c => c.width === 1024).map(c => c.kind)).toEqual(['lossless'])
    expect(calls.filter(c => c.width === 256).map(c => c.kind)).toEqual(['lossy', 'jpeg'])
    expect((await outTextures(bytes)).getMetallicRoughnessTexture()!.getMimeType()).toBe('image/webp')
  })

  it('a smooth 1024² data map passes its probe with room to spare and ships as lossy WebP without a full-size check, still faithful', async () => {
    const smooth = await dataMap(1024, (_, x, y) => [0, Math.round(128 + 60 * Math.sin(x / 40) * Math.cos(y / 55)), 12])
    const { calls, decodes, bytes } = await optimizeSpied((doc, m) => {
      m.setMetallicRoughnessTexture(texture(doc, smooth))
    })
    expect(calls.map(c => `${c.kind} ${c.width}`)).toEqual(['lossy 256', 'lossy 1024'])
    // the source and the probe's check: the probe passed by PROBE_MARGIN_DB, so the full map is not decoded again
    expect(decodes).toEqual([1024, 256])
    const out = (await outTextures(bytes)).getMetallicRoughnessTexture()!
    for (const channel of [1, 2]) expect(await channelPsnr(smooth, out.getImage()!, channel)).toBeGreaterThan(30)
  })

  it('a large busy color map is encoded with libwebp method 2 and checked at full size; a flat one keeps method 4 and, its probe far above the floor, is not decoded again', async () => {
    const grainy = await dataMap(1024, grainyTexel)
    const flat = await dataMap(1024, (_, x, y) => [Math.round(128 + 60 * Math.sin(x / 40) * Math.cos(y / 55)), 90, 60])
    const encode = (image: Uint8Array) =>
      optimizeSpied((doc, m) => {
        m.setBaseColorTexture(texture(doc, image))
      })
    const busy = await encode(grainy)
    // the probe (256²) at method 2 tells the map is busy, so both full-size attempts (quality 80, then 90 with
    // sharp RGB→YUV) use method 2 too
    expect(busy.calls.map(c => `${c.kind} ${c.width} ${c.effort}`)).toEqual([
      'lossy 256 2',
      'lossy 1024 2',
      'lossy 1024 2',
    ])
    // the source, the probe, and each full-size attempt's check: the probe did not keep the floor with room to spare
    expect(busy.decodes).toEqual([1024, 256, 1024, 1024])
    const calm = await encode(flat)
    expect(calm.calls.map(c => `${c.kind} ${c.width} ${c.effort}`)).toEqual([
      'lossy 256 2',
      'lossy 256 4',
      'lossy 1024 4',
    ])
    // the source and the check of the probe's method-4 encoding only
    expect(calm.decodes).toEqual([1024, 256])
    const out = (await outTextures(calm.bytes)).getBaseColorTexture()!
    expect(out.getMimeType()).toBe('image/webp')
    for (const channel of [0, 1, 2]) expect(await channelPsnr(flat, out.getImage()!, channel)).toBeGreaterThan(40)
  })

  it('a busy color map seen through its first mip (2048²) is encoded with libwebp method 0, probe and full map', async () => {
    const grainy = await dataMap(2048, grainyTexel)
    const { calls } = await optimizeSpied((doc, m) => {
      m.setBaseColorTexture(texture(doc, grainy))
    })
    expect(calls.map(c => `${c.kind} ${c.width} ${c.effort}`).slice(0, 2)).toEqual(['lossy 512 0', 'lossy 2048 0'])
  })

  it('a MASK base color whose alpha is all opaque is encoded as the same texture in an OPAQUE material is (libwebp drops such alpha)', async () => {
    const rgba = await png(4, (x, y) => [noise(x, y, 1), noise(x, y, 1) >> 1, 90, 255])
    const encode = async (mode: 'OPAQUE' | 'MASK') => {
      const { calls, bytes } = await optimizeSpied((doc, m) => {
        m.setBaseColorTexture(texture(doc, rgba)).setAlphaMode(mode)
      })
      return { kinds: calls.map(c => c.kind), out: (await outTextures(bytes)).getBaseColorTexture()!.getImage()! }
    }
    const [opaque, mask] = [await encode('OPAQUE'), await encode('MASK')]
    expect(mask.kinds).toEqual(opaque.kinds)
    expect(mask.kinds).not.toContain('near-lossless')
    expect(mask.out.byteLength).toBe(opaque.out.byteLength)
    expect(await channelPsnr(rgba, mask.out, 3)).toBe(Infinity)
  })

  it('a texture read through one channel (occlusion R) is stored grey, that channel faithful', async () => {
    const ao = await png(3, (x, y) => [noise(x, y, 1), 17, 230])
    const input = await modelWith((doc, m) => {
      m.setOcclusionTexture(texture(doc, ao))
    })
    const { bytes } = await optimizeGlb(input, { ...WEB, compress: false })
    const out = (await outTextures(bytes)).getOcclusionTexture()!
    expect(out.getMimeType()).toBe('image/webp')
    expect(await channelPsnr(ao, out.getImage()!, 0)).toBeGreaterThan(38)
    // Grey: G and B (never read) now carry R, so WebP keeps it in full-resolution luma.
    const raw = await sharp(out.getImage()!).removeAlpha().raw().toBuffer()
    for (let i = 0; i < raw.length; i += 3 * 97) expect(Math.abs(raw[i]! - raw[i + 2]!)).toBeLessThanOrEqual(2)
  })

  it('an opaque base color drops its unread alpha; a BLEND one keeps it', async () => {
    const rgba = await png(4, (x, y) => [noise(x, y, 1), noise(x, y, 2), noise(x, y, 3), (x * 7 + y) & 255])
    for (const [mode, hasAlpha] of [
      ['OPAQUE', false],
      ['BLEND', true],
    ] as const) {
      const input = await modelWith((doc, m) => {
        m.setBaseColorTexture(texture(doc, rgba)).setAlphaMode(mode)
      })
      const { bytes } = await optimizeGlb(input, { ...WEB, compress: false })
      const out = (await outTextures(bytes)).getBaseColorTexture()!
      expect((await sharp(out.getImage()!).metadata()).hasAlpha, mode).toBe(hasAlpha)
      if (hasAlpha) expect(await channelPsnr(rgba, out.getImage()!, 3)).toBeGreaterThan(30)
    }
  })

  it('never makes a texture bigger, and gives the same bytes every time', async () => {
    const color = await png(3, (x, y) => [noise(x, y, 1), noise(x, y, 2), noise(x, y, 3)])
    const input = await modelWith((doc, m) => {
      m.setBaseColorTexture(texture(doc, color))
    })
    const a = await optimizeGlb(input, { ...WEB, compress: false })
    const b = await optimizeGlb(input, { ...WEB, compress: false })
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true)
    const out = (await outTextures(a.bytes)).getBaseColorTexture()!.getImage()!
    expect(out.byteLength).toBeLessThanOrEqual(color.byteLength)
  })

  it("'web' keeps a 1024² map of 128² detail at its size (a framed view magnifies it, so halving shows); 'max' halves it", async () => {
    const upscaled = await sharp(noiseRgb(128, 3), { raw: { width: 128, height: 128, channels: 3 } })
      .resize(1024, 1024, { kernel: 'lanczos3' })
      .png()
      .toBuffer()
    const input = await modelWith((doc, m) => {
      m.setBaseColorTexture(texture(doc, new Uint8Array(upscaled)))
    })
    const sizeIn = async (preset: typeof WEB) => {
      const { bytes } = await optimizeGlb(input, { ...preset, compress: false })
      return (await outTextures(bytes)).getBaseColorTexture()!.getSize()
    }
    expect(await sizeIn(WEB)).toEqual([1024, 1024])
    expect(await sizeIn(MAX)).toEqual([512, 512])
  })
})
