import { Document } from '@gltf-transform/core'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { estimateCost, estimateFileCost, imagePixels } from '../../../src/optimize/cost.js'
import { getIO } from '../../../src/optimize/io.js'
import { tempDir } from '../../helpers/tmp.js'
import { fixture } from './helpers.js'

async function image(format: 'png' | 'jpeg' | 'webp', width: number, height: number): Promise<Uint8Array> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: 90, g: 120, b: 30 } } })
  return new Uint8Array(await img[format]().toBuffer())
}

async function glbWithTexture(size: number, padding = 0): Promise<Uint8Array> {
  const doc = new Document()
  doc.createBuffer()
  doc
    .createTexture('t')
    .setMimeType('image/png')
    .setImage(await image('png', size, size))
  if (padding)
    doc
      .createAccessor()
      .setType('SCALAR')
      .setArray(new Float32Array(padding / 4))
  return (await getIO()).writeBinary(doc)
}

describe('estimateCost', () => {
  it('reads pixel counts from PNG, JPEG, WebP and KTX2 headers', async () => {
    expect(imagePixels(await image('png', 300, 200))).toBe(60_000)
    expect(imagePixels(await image('jpeg', 300, 200))).toBe(60_000)
    expect(imagePixels(await image('webp', 300, 200))).toBe(60_000)
    const lossless = new Uint8Array(
      await sharp({ create: { width: 33, height: 17, channels: 4, background: '#fff0' } })
        .webp({ lossless: true })
        .toBuffer(),
    )
    expect(imagePixels(lossless)).toBe(33 * 17)
    const ktx2 = new Uint8Array(80)
    ktx2.set([0xab, 0x4b, 0x54, 0x58, 0x20, 0x32, 0x30, 0xbb, 0x0d, 0x0a, 0x1a, 0x0a])
    new DataView(ktx2.buffer).setUint32(20, 512, true)
    new DataView(ktx2.buffer).setUint32(24, 256, true)
    expect(imagePixels(ktx2)).toBe(512 * 256)
    expect(imagePixels(new Uint8Array([1, 2, 3]))).toBe(0)
  })

  it('weighs texture pixels over compressed bytes: a big, well-compressed texture costs more than a bigger file', async () => {
    const bigTexture = await glbWithTexture(2048)
    const bulky = await glbWithTexture(64, 4_000_000)
    expect(bigTexture.byteLength).toBeLessThan(bulky.byteLength)
    expect(estimateCost(bigTexture)).toBeGreaterThan(estimateCost(bulky))
  })

  it('counts vertices, and falls back to the size for anything that is not a GLB', () => {
    expect(estimateCost(fixture('sketchfab_wooden_crate.glb'))).toBeGreaterThan(estimateCost(fixture('khr_fox.glb')))
    expect(estimateCost(new Uint8Array(100_000))).toBeGreaterThan(estimateCost(new Uint8Array(10)))
    expect(estimateCost(new Uint8Array(100_000))).toBeCloseTo(2, 5)
  })

  it('estimateFileCost reads the same estimate from a file as estimateCost from its bytes, without reading it all', async () => {
    const dir = await tempDir()
    const models = {
      png: await glbWithTexture(2048, 4_000_000), // the texture's header sits before 4 MB of other data
      crate: fixture('sketchfab_wooden_crate.glb'),
      fox: fixture('khr_fox.glb'),
      notGlb: new Uint8Array(100_000),
      truncated: (await glbWithTexture(64)).subarray(0, 30),
    }
    for (const [name, bytes] of Object.entries(models)) {
      const path = join(dir, `${name}.glb`)
      await writeFile(path, bytes)
      expect(await estimateFileCost(path), name).toBeCloseTo(estimateCost(bytes), 6)
    }
    expect(await estimateFileCost(join(dir, 'png.glb'))).toBeGreaterThan(estimateCost(new Uint8Array(4_000_000)))
  })
})
