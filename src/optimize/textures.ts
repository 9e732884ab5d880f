import type { Document, Texture } from '@gltf-transform/core'
import type Sharp from 'sharp'
import type { ResolvedOptimizeOptions } from './options.js'
import { getSharp } from './io.js'

type Format = 'png' | 'jpeg' | 'webp'
const FORMAT_OF: Record<string, Format | undefined> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/webp': 'webp' }

/**
 * Slots whose texels are colors a viewer looks at. Everything else (normal, metallic-roughness, occlusion,
 * specular strength, clearcoat, thickness, …) is data: it goes through shading math, and lossy WebP's 4:2:0
 * chroma subsampling would bend normals and bleed between packed channels.
 */
const COLOR_SLOTS = new Set(['baseColorTexture', 'emissiveTexture', 'sheenColorTexture', 'specularColorTexture', 'diffuseTexture'])

/** Near-lossless preprocessing level for data maps: ~50 dB PSNR per channel at about 55% of the PNG. */
const DATA_NEAR_LOSSLESS_LEVEL = 60

interface Candidate { image: Uint8Array, mimeType: string }

/**
 * Resizes (never up) and re-encodes PNG/JPEG/WebP textures in place. A texture keeps its original image
 * when the re-encoded one is not smaller, so a file never grows because of its textures. KTX2 and other
 * GPU formats are left as they are. sharp is loaded only when some texture actually needs work.
 */
export async function compressTextures(doc: Document, opts: ResolvedOptimizeOptions): Promise<void> {
  const jobs = doc.getRoot().listTextures().map(texture => planTexture(texture, opts)).filter(job => job !== undefined)
  if (jobs.length === 0) return
  const [sharp, functions, extensions] = await Promise.all([
    getSharp(),
    import('@gltf-transform/functions'),
    import('@gltf-transform/extensions'),
  ])
  await Promise.all(jobs.map(job => compressTexture(sharp, functions.listTextureSlots, job, opts)))
  if (doc.getRoot().listTextures().some(t => t.getMimeType() === 'image/webp')) {
    doc.createExtension(extensions.EXTTextureWebP).setRequired(true)
  }
}

interface TextureJob {
  texture: Texture
  image: Uint8Array
  format: Format
  resize: [number, number] | undefined
}

function planTexture(texture: Texture, opts: ResolvedOptimizeOptions): TextureJob | undefined {
  const image = texture.getImage()
  const format = FORMAT_OF[texture.getMimeType()]
  const size = texture.getSize()
  if (!image || !format || !size) return undefined
  const [width, height] = size
  const scale = Math.min(1, opts.textureSize / Math.max(width, height))
  const resize: [number, number] | undefined = scale < 1
    ? [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))]
    : undefined
  // Re-encoding a lossy WebP only adds generation loss; PNG/JPEG are left alone when formats are kept.
  const convert = opts.textureFormat === 'webp' && format !== 'webp'
  if (!resize && !convert) return undefined
  return { texture, image, format, resize }
}

async function compressTexture(
  sharp: typeof Sharp,
  listSlots: (texture: Texture) => string[],
  job: TextureJob,
  opts: ResolvedOptimizeOptions,
): Promise<void> {
  const { texture, image, format, resize } = job
  const slots = listSlots(texture)
  const isColor = slots.length > 0 && slots.every(slot => COLOR_SLOTS.has(slot))
  const original: Candidate = { image, mimeType: texture.getMimeType() }
  const candidates: Candidate[] = resize ? [] : [original]
  if (opts.textureFormat === 'webp') {
    const webp = await encode(sharp, image, 'webp', isColor, opts.textureQuality, resize)
    if (webp) candidates.push(webp)
  }
  // A resize is a promise about the texture cap; when WebP cannot keep it smaller, the original format may.
  if (resize && (candidates.length === 0 || candidates.every(c => c.image.byteLength >= image.byteLength))) {
    const same = await encode(sharp, image, format, isColor, opts.textureQuality, resize)
    if (same) candidates.push(same)
  }
  let best: Candidate | undefined
  for (const candidate of candidates) {
    if (!best || candidate.image.byteLength < best.image.byteLength) best = candidate
  }
  if (!best || best === original) return
  texture.setImage(best.image).setMimeType(best.mimeType)
  const uri = texture.getURI()
  if (uri && best.mimeType !== original.mimeType) texture.setURI(uri.replace(/\.[a-z0-9]+$/i, `.${best.mimeType.slice(6)}`))
}

async function encode(
  sharp: typeof Sharp,
  src: Uint8Array,
  format: Format,
  isColor: boolean,
  quality: number,
  resize: [number, number] | undefined,
): Promise<Candidate | undefined> {
  try {
    // glTF viewers upload texels as they are, ignoring embedded ICC profiles; converting would shift data maps.
    let img = sharp(src, { ignoreIcc: true, failOn: 'error' })
    if (resize) img = img.resize(resize[0], resize[1], { fit: 'fill', kernel: 'lanczos3' })
    let out: Buffer
    if (format === 'webp' && isColor) {
      // exact: keep RGB under alpha 0, which an OPAQUE material still shows.
      out = await img.webp({ quality, exact: true }).toBuffer()
    }
    else if (format === 'webp') {
      // Near-lossless needs an opaque image (with `exact` libwebp falls back to plain lossless).
      out = await isOpaque(sharp, src)
        ? await img.removeAlpha().webp({ nearLossless: true, quality: DATA_NEAR_LOSSLESS_LEVEL }).toBuffer()
        : await img.webp({ lossless: true, exact: true }).toBuffer()
    }
    else if (format === 'png') {
      out = await img.png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer()
    }
    else {
      out = await img.jpeg({ quality: isColor ? quality : Math.max(quality, 95), chromaSubsampling: isColor ? '4:2:0' : '4:4:4' }).toBuffer()
    }
    return { image: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), mimeType: `image/${format}` }
  }
  catch {
    // An image sharp cannot decode stays as it is: the validator reports it, and it was already in the input.
    return undefined
  }
}

async function isOpaque(sharp: typeof Sharp, src: Uint8Array): Promise<boolean> {
  const { hasAlpha } = await sharp(src).metadata()
  return !hasAlpha || (await sharp(src, { failOn: 'error' }).stats()).isOpaque
}
