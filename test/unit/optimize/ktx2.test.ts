import { Document } from '@gltf-transform/core'
import { KHRTextureBasisu } from '@gltf-transform/extensions'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { getIO } from '../../../src/optimize/io.js'
import { decodePlainKtx2, readKtx2Header, repairUndeclaredKtx2 } from '../../../src/optimize/ktx2.js'
import { fixture, validate } from './helpers.js'

interface Ktx2Spec {
  vkFormat: number
  width: number
  height: number
  data: Uint8Array
  faces?: number
  orientation?: string
  uncompressedBytes?: number
}

/** A minimal KTX2 file: header, one level, optional KTXorientation, no supercompression. */
function ktx2({ vkFormat, width, height, data, faces = 1, orientation, uncompressedBytes }: Ktx2Spec): Uint8Array {
  const kvd: number[] = []
  if (orientation) {
    const entry = [...new TextEncoder().encode('KTXorientation\0'), ...new TextEncoder().encode(`${orientation}\0`)]
    kvd.push(entry.length & 255, entry.length >> 8, 0, 0, ...entry)
    while (kvd.length % 4) kvd.push(0)
  }
  const kvdAt = 80 + 24
  const dataAt = Math.ceil((kvdAt + kvd.length) / 8) * 8
  const out = new Uint8Array(dataAt + data.length)
  out.set([0xab, 0x4b, 0x54, 0x58, 0x20, 0x32, 0x30, 0xbb, 0x0d, 0x0a, 0x1a, 0x0a])
  const view = new DataView(out.buffer)
  view.setUint32(12, vkFormat, true)
  view.setUint32(16, 1, true)
  view.setUint32(20, width, true)
  view.setUint32(24, height, true)
  view.setUint32(36, faces, true)
  view.setUint32(40, 1, true)
  view.setUint32(56, kvd.length ? kvdAt : 0, true)
  view.setUint32(60, kvd.length, true)
  view.setBigUint64(80, BigInt(dataAt), true)
  view.setBigUint64(88, BigInt(data.length), true)
  view.setBigUint64(96, BigInt(uncompressedBytes ?? data.length), true)
  out.set(kvd, kvdAt)
  out.set(data, dataAt)
  return out
}

const R8G8B8A8 = 37
const R8G8 = 16
const R8 = 9
const R8G8B8 = 23

describe('decodePlainKtx2', () => {
  it('reads RGBA8 as it is, widens R8 and R8G8 to RGB with zeros, flips "ru" images', async () => {
    const rgba = Uint8Array.from({ length: 2 * 2 * 4 }, (_, i) => i * 10)
    expect(await decodePlainKtx2(ktx2({ vkFormat: R8G8B8A8, width: 2, height: 2, data: rgba }))).toEqual({
      width: 2,
      height: 2,
      channels: 4,
      pixels: rgba,
    })
    expect(
      (await decodePlainKtx2(ktx2({ vkFormat: R8G8, width: 2, height: 1, data: Uint8Array.of(1, 2, 3, 4) }))).pixels,
    ).toEqual(Uint8Array.of(1, 2, 0, 3, 4, 0))
    expect(
      (await decodePlainKtx2(ktx2({ vkFormat: R8, width: 1, height: 2, data: Uint8Array.of(7, 8) }))).pixels,
    ).toEqual(Uint8Array.of(7, 0, 0, 8, 0, 0))
    const up = await decodePlainKtx2(
      ktx2({ vkFormat: R8, width: 1, height: 3, data: Uint8Array.of(1, 2, 3), orientation: 'ru' }),
    )
    expect(up.pixels).toEqual(Uint8Array.of(3, 0, 0, 2, 0, 0, 1, 0, 0))
    const down = await decodePlainKtx2(
      ktx2({ vkFormat: R8, width: 1, height: 3, data: Uint8Array.of(1, 2, 3), orientation: 'rd' }),
    )
    expect(down.pixels).toEqual(Uint8Array.of(1, 0, 0, 2, 0, 0, 3, 0, 0))
  })

  it('refuses what it cannot decode, saying why', async () => {
    const px = new Uint8Array(16)
    await expect(decodePlainKtx2(new Uint8Array(100))).rejects.toThrow(/not a KTX2 file/)
    await expect(decodePlainKtx2(ktx2({ vkFormat: 0, width: 2, height: 2, data: px }))).rejects.toThrow(
      /vkFormat 0 is not a plain 8-bit format/,
    )
    await expect(decodePlainKtx2(ktx2({ vkFormat: 145, width: 4, height: 4, data: px }))).rejects.toThrow(
      /vkFormat 145/,
    ) // BC7
    await expect(
      decodePlainKtx2(ktx2({ vkFormat: R8G8B8A8, width: 2, height: 2, data: px, faces: 6 })),
    ).rejects.toThrow(/single 2D image/)
    await expect(decodePlainKtx2(ktx2({ vkFormat: R8G8B8A8, width: 3, height: 2, data: px }))).rejects.toThrow(
      /holds 16 bytes, 3×2×4 expected/,
    )
    await expect(
      decodePlainKtx2(ktx2({ vkFormat: R8G8B8A8, width: 100_000, height: 100_000, data: px })),
    ).rejects.toThrow(/out of range/)
  })

  it("decodes the barn lamp's Zstandard-supercompressed R8G8B8 normal map", async () => {
    const doc = await (await getIO()).readBinary(fixture('khr_anisotropy_barnlamp.glb'))
    const image = doc.getRoot().listMaterials()[0]!.getNormalTexture()!.getImage()!
    expect(readKtx2Header(image)).toMatchObject({ vkFormat: R8G8B8, width: 1024, height: 1024, supercompression: 2 })
    const { width, height, channels, pixels } = await decodePlainKtx2(image)
    expect([width, height, channels, pixels.length]).toEqual([1024, 1024, 3, 1024 * 1024 * 3])
    // a tangent-space normal map: mostly (128, 128, 255)-ish texels pointing out of the surface
    let blue = 0
    for (let i = 0; i < pixels.length; i += 3) if (pixels[i + 2]! > 200) blue++
    expect(blue / (width * height)).toBeGreaterThan(0.9)
  })

  it('refuses a damaged Zstandard payload, and the decoder still works afterwards', async () => {
    const doc = await (await getIO()).readBinary(fixture('khr_anisotropy_barnlamp.glb'))
    const image = doc.getRoot().listMaterials()[0]!.getNormalTexture()!.getImage()!
    const view = new DataView(image.buffer, image.byteOffset, image.byteLength)
    const offset = Number(view.getBigUint64(80, true))
    const length = Number(view.getBigUint64(88, true))
    const damaged = image.slice()
    damaged.fill(0xff, offset, offset + length) // no valid zstd frame
    await expect(decodePlainKtx2(damaged)).rejects.toThrow(
      /KTX2 level 0 decompresses to \d+ bytes, 1024×1024×3 expected: its Zstandard data is damaged/,
    )
    const truncated = image.slice()
    new DataView(truncated.buffer).setBigUint64(88, BigInt(Math.floor(length / 2)), true)
    await expect(decodePlainKtx2(truncated)).rejects.toThrow(/Zstandard data is damaged/)
    expect((await decodePlainKtx2(image)).pixels.length).toBe(1024 * 1024 * 3)
  })
})

describe('repairUndeclaredKtx2', () => {
  it('turns plain KTX2 images into PNG with the same texels, and the file becomes valid', async () => {
    const doc = new Document()
    doc.createBuffer()
    const data = Uint8Array.from({ length: 4 * 4 * 4 }, (_, i) => (i * 37) & 255)
    const texture = doc
      .createTexture('t')
      .setMimeType('image/ktx2')
      .setImage(ktx2({ vkFormat: R8G8B8A8, width: 4, height: 4, data }))
    doc.createMaterial('m').setBaseColorTexture(texture)
    const io = await getIO()
    expect((await validate(await io.writeBinary(doc))).errorCodes.join()).toContain('TEXTURE_INVALID_IMAGE_MIME_TYPE')

    await repairUndeclaredKtx2(doc)
    expect(texture.getMimeType()).toBe('image/png')
    expect(new Uint8Array(await sharp(texture.getImage()!).raw().toBuffer())).toEqual(data)
    expect(doc.getRoot().listExtensionsUsed()).toEqual([])
    expect((await validate(await io.writeBinary(doc))).errors).toBe(0)
  })

  it('declares KHR_texture_basisu (required) for Basis Universal payloads, and leaves files that declare it alone', async () => {
    const basis = ktx2({ vkFormat: 0, width: 4, height: 4, data: new Uint8Array(16) })
    const doc = new Document()
    doc.createBuffer()
    const texture = doc.createTexture('b').setMimeType('image/ktx2').setImage(basis)
    doc.createMaterial('m').setBaseColorTexture(texture)
    await repairUndeclaredKtx2(doc)
    expect(texture.getMimeType()).toBe('image/ktx2')
    const ext = doc.getRoot().listExtensionsUsed()
    expect(ext.map(e => [e.extensionName, e.isRequired()])).toEqual([['KHR_texture_basisu', true]])
    const json = (await (await getIO()).writeJSON(doc)).json
    expect(json.textures![0]).toMatchObject({ extensions: { KHR_texture_basisu: { source: 0 } } })
    expect(json.textures![0]!.source).toBeUndefined()

    const declared = new Document()
    declared.createExtension(KHRTextureBasisu).setRequired(true)
    const plain = ktx2({ vkFormat: R8G8B8A8, width: 1, height: 1, data: new Uint8Array(4) })
    const kept = declared.createTexture('k').setMimeType('image/ktx2').setImage(plain)
    await repairUndeclaredKtx2(declared)
    expect(kept.getMimeType()).toBe('image/ktx2')
    expect(kept.getImage()).toBe(plain)
  })
})
