import type { Document, Texture } from '@gltf-transform/core'

export type ImageFormat = 'png' | 'jpeg' | 'webp'

/**
 * What a texture's texels mean to the renderer, which decides how lossy its encoding may be:
 * `color` is looked at directly; `normal` bends lighting (errors show as shading, so it gets more bits);
 * `data` (metallic-roughness, occlusion, specular strength, …) scales lighting terms.
 */
export type TextureRole = 'color' | 'normal' | 'data'

/** Channels some material reads, as glTF-Transform's TextureChannel bits (R 0x1000, G 0x100, B 0x10, A 0x1). */
export const CHANNEL = { R: 0x1000, G: 0x0100, B: 0x0010, A: 0x0001 } as const

export interface TexturePlan {
  texture: Texture
  image: Uint8Array
  format: ImageFormat
  width: number
  height: number
  /** Target size when the texture is larger than the cap (never larger than the source). */
  resize: [number, number] | undefined
  role: TextureRole
  /** Union of the channels every use of the texture reads (0 when it is not used by any material slot). */
  channels: number
  /**
   * Whether some slot reads directions from it (KHR_materials_anisotropy's RG): rounding texels turns those,
   * so such a data map never takes the rounded lossless last resort (textures.ts).
   */
  directions: boolean
}

const FORMAT_OF: Record<string, ImageFormat | undefined> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
}

const COLOR_SLOTS = new Set([
  'baseColorTexture',
  'emissiveTexture',
  'sheenColorTexture',
  'specularColorTexture',
  'diffuseTexture',
  'diffuseTransmissionColorTexture',
])
const NORMAL_SLOTS = new Set(['normalTexture', 'clearcoatNormalTexture'])
const DIRECTION_SLOTS = new Set(['anisotropyTexture'])

/**
 * Decides, per texture, whether it needs work and how it is used. Textures in formats sharp cannot write
 * (KTX2, AVIF, …) are left as they are; PNG/JPEG are converted when the output format is WebP; anything
 * larger than the size cap is scaled down (never up).
 */
export async function planTextures(
  doc: Document,
  opts: { format: 'webp' | 'ktx2' | 'keep'; maxSize: number },
): Promise<TexturePlan[]> {
  const { getTextureChannelMask, listTextureSlots } = await import('@gltf-transform/functions')
  const plans: TexturePlan[] = []
  for (const texture of doc.getRoot().listTextures()) {
    const image = texture.getImage()
    const format = FORMAT_OF[texture.getMimeType()]
    const size = texture.getSize()
    if (!image || !format || !size) continue
    const [width, height] = size
    const scale = Math.min(1, opts.maxSize / Math.max(width, height))
    const resize: [number, number] | undefined =
      scale < 1 ? [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))] : undefined
    // Re-encoding a lossy WebP only adds generation loss; PNG/JPEG are left alone when formats are kept.
    const convert = (opts.format === 'webp' && format !== 'webp') || opts.format === 'ktx2'
    if (!resize && !convert) continue
    const slots = listTextureSlots(texture)
    plans.push({
      texture,
      image,
      format,
      width,
      height,
      resize,
      role: roleOf(slots),
      channels: getTextureChannelMask(texture),
      directions: slots.some(slot => DIRECTION_SLOTS.has(slot)),
    })
  }
  return plans
}

// A texture shared between roles gets the most careful treatment of any of them.
function roleOf(slots: string[]): TextureRole {
  if (slots.some(slot => NORMAL_SLOTS.has(slot))) return 'normal'
  if (slots.length > 0 && slots.every(slot => COLOR_SLOTS.has(slot))) return 'color'
  return 'data'
}

/** Pixel count of the texture as it will be encoded (after any downscale): the cost unit of texture work. */
export function outputPixels(plan: TexturePlan): number {
  return plan.resize ? plan.resize[0] * plan.resize[1] : plan.width * plan.height
}
