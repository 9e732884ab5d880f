import { z } from './zod.js'
import { ALIAS_RE } from './names.js'
import { FORMATS, MATERIALS, MESH_MODES, QUALITIES, TIERS } from './recipe.js'

// Paths are relative to the project root so a manifest means the same thing in every clone.
const imagePath = z
  .string()
  .min(1)
  .refine(p => !/^(?:[A-Za-z]:)?[\\/]/.test(p), 'image paths are relative to the project root, e.g. "art/sword.png"')

/**
 * How an asset is generated: the fields of `POST /rodin` (or `POST /rodin_texture_only` with `textureFrom`).
 * The CLI flags of `rodin-assets generate` are validated with this same schema.
 */
export const generateRecipeSchema = z
  .strictObject({
    prompt: z.string().trim().min(1).max(4000).optional().describe('text prompt (text-to-3D, or a hint for images)'),
    images: z
      .array(imagePath)
      .min(1)
      .max(5)
      .optional()
      .describe('1–5 image files, relative to the project root; the first is the material reference'),
    tier: z.enum(TIERS).optional().describe('Rodin tier (default Regular)'),
    quality: z.enum(QUALITIES).optional().describe('face budget: high ~50k, medium ~18k, low ~8k, extra-low ~4k'),
    material: z.enum(MATERIALS).optional().describe('default PBR'),
    format: z.enum(FORMATS).optional().describe('geometry_file_format (default glb)'),
    meshMode: z.enum(MESH_MODES).optional().describe('mesh_mode: Quad, or Raw (triangles)'),
    seed: z.number().int().min(0).max(65535).optional(),
    addons: z
      .array(z.literal('HighPack'))
      .max(1)
      .optional()
      .describe('["HighPack"]: 4K textures and more faces, +1 credit'),
    textureFrom: z
      .string()
      .regex(ALIAS_RE, 'expected the alias of an asset of this manifest')
      .optional()
      .describe('texture an existing asset (its locked source model) instead of generating a new mesh'),
  })
  .refine(r => r.prompt !== undefined || r.images !== undefined, {
    message: 'a recipe needs a "prompt" or "images" (flags: --prompt <text> or --image <file>)',
  })
  .refine(r => !r.textureFrom || (!r.tier && !r.quality && !r.meshMode && !r.addons), {
    message: 'a texture recipe ("textureFrom") takes only prompt, images, seed, format and material',
  })
  .refine(r => !r.textureFrom || (r.images?.length ?? 0) <= 1, {
    message: 'a texture recipe ("textureFrom") takes at most one image',
  })

export type GenerateRecipe = z.output<typeof generateRecipeSchema>
