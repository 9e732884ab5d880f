import { Document } from '@gltf-transform/core'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { dominantColor } from '../../../src/optimize/placeholder.js'

/** A one-triangle document whose material's base colour texture is `image`. */
function docWith(image: Uint8Array, mimeType = 'image/png'): Document {
  const doc = new Document()
  const position = doc
    .createAccessor()
    .setType('VEC3')
    .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]))
  const texture = doc.createTexture().setImage(image).setMimeType(mimeType)
  const material = doc.createMaterial().setBaseColorTexture(texture)
  doc.createMesh().addPrimitive(doc.createPrimitive().setAttribute('POSITION', position).setMaterial(material))
  return doc
}

/** A `size`² image of `channels` bands from `texel(x, y)`, and the exact mean of each band. */
async function image(size: number, channels: 2 | 3, texel: (x: number, y: number) => number[], format: 'png' | 'webp') {
  const data = new Uint8Array(size * size * channels)
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data.set(texel(x, y), (y * size + x) * channels)
  // sharp would store two raw bands as RGBA: 'b-w' keeps them grey + alpha
  const raw = sharp(data, { raw: { width: size, height: size, channels } })
  const encoded = channels === 2 ? raw.toColourspace('b-w') : raw
  const bytes = new Uint8Array(await (format === 'png' ? encoded.png() : encoded.webp({ lossless: true })).toBuffer())
  const means = Array.from({ length: channels }, (_, c) => {
    let sum = 0
    for (let i = c; i < data.length; i += channels) sum += data[i]!
    return sum / (size * size)
  })
  return { bytes, means }
}

describe('dominantColor', () => {
  it('is the mean colour of a 1024² base colour map (read from a small copy), within one level', async () => {
    const { bytes, means } = await image(
      1024,
      3,
      (x, y) => [(x * 7 + y) & 255, Math.round(128 + 100 * Math.sin(x / 50)), (x ^ y) & 255],
      'webp',
    )
    const color = await dominantColor(docWith(bytes, 'image/webp'))
    for (const c of [0, 1, 2]) expect(Math.abs(color[c]! - means[c]!)).toBeLessThanOrEqual(1)
  })

  it('takes a grey map with alpha as grey in every channel, not its alpha', async () => {
    const { bytes, means } = await image(256, 2, x => [60 + (x & 63), 255 - (x & 1)], 'png')
    const [r, g, b] = await dominantColor(docWith(bytes))
    expect(g).toBe(r)
    expect(b).toBe(r)
    expect(Math.abs(r - means[0]!)).toBeLessThanOrEqual(1)
  })
})
