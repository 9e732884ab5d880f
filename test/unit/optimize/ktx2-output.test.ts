import { describe, expect, it } from 'vitest'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { readGlb } from '../../../src/optimize/glb.js'
import { readKtx2Header } from '../../../src/optimize/ktx2.js'
import { OPTIMIZE_PRESETS, resolveOptimizeOptions } from '../../../src/optimize/options.js'
import { optimizeGlb } from '../../../src/optimize/optimize.js'
import { derivedKey } from '../../../src/pipeline/derive.js'
import { fixture, validate } from './helpers.js'

// Optimizer unit tests: no mode or CI involved.
const KTX2 = resolveOptimizeOptions({ textureFormat: 'ktx2' }, 'test')!
const ETC1S = 163
const UASTC = 166
const ZSTD = 2

/** Colour model of a Basis Universal KTX2 image (from its data format descriptor). */
function colorModel(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return bytes[view.getUint32(48, true) + 4 + 8]!
}

describe("optimize.textureFormat: 'ktx2'", () => {
  it('ETC1S colour, Zstandard UASTC normal and ORM, with mips; declares KHR_texture_basisu and validates', async () => {
    const source = await generateRodinLikeGlb({ triangles: 2_000, textureSize: 256, detail: 0.6 })
    const webp = await optimizeGlb(source, OPTIMIZE_PRESETS.web)
    const ktx2 = await optimizeGlb(source, KTX2)
    expect(ktx2.stats.decoders.ktx2).toBe(true)
    expect(ktx2.stats.extensionsRequired).toContain('KHR_texture_basisu')
    const report = await validate(ktx2.bytes)
    expect(report.errorCodes).toEqual([])
    expect(ktx2.stats.gpuBytes).toBeLessThanOrEqual(0.3 * webp.stats.gpuBytes)

    const doc = await readGlb(ktx2.bytes)
    const material = doc.getRoot().listMaterials()[0]!
    const slots = {
      baseColor: material.getBaseColorTexture()!,
      normal: material.getNormalTexture()!,
      orm: material.getMetallicRoughnessTexture()!,
    }
    for (const [slot, texture] of Object.entries(slots)) {
      expect(texture.getMimeType(), slot).toBe('image/ktx2')
      const header = readKtx2Header(texture.getImage()!)!
      expect(header.vkFormat, slot).toBe(0) // Basis Universal
      expect(header.width).toBe(256)
      expect(header.levels, `${slot} has a full mip chain`).toBe(9)
      if (slot === 'baseColor') {
        expect(colorModel(texture.getImage()!)).toBe(ETC1S)
      } else {
        expect(colorModel(texture.getImage()!), slot).toBe(UASTC)
        expect(header.supercompression, slot).toBe(ZSTD)
      }
    }
    // Deterministic (the output is pinned by sha256).
    expect(Buffer.from((await optimizeGlb(source, KTX2)).bytes).equals(Buffer.from(ktx2.bytes))).toBe(true)
  }, 120_000)

  it('converts the textures of a real model (JPEG/PNG) and respects textureSize', async () => {
    const { bytes, stats } = await optimizeGlb(fixture('sketchfab_wooden_crate.glb'), { ...KTX2, textureSize: 128 })
    expect((await validate(bytes)).errorCodes).toEqual([])
    const textures = (await readGlb(bytes)).getRoot().listTextures()
    expect(textures.length).toBeGreaterThan(0)
    for (const t of textures) {
      expect(t.getMimeType()).toBe('image/ktx2')
      expect(Math.max(...t.getSize()!)).toBeLessThanOrEqual(128)
    }
    expect(stats.decoders.ktx2).toBe(true)
  }, 120_000)

  it("keys only 'ktx2' outputs on the encoder version, and is validated eagerly", () => {
    const sha = 'a'.repeat(64)
    expect(derivedKey(sha, KTX2)).not.toBe(derivedKey(sha, OPTIMIZE_PRESETS.web))
    expect(() => resolveOptimizeOptions({ textureFormat: 'basis' as never }, 'x')).toThrow(/"webp", "ktx2" or "keep"/)
  })
})
