import { z } from './zod.js'
import { errors } from '../catalogue/index.js'
import type { RodinError } from '../errors.js'

/** Credits Hyper3D bills (API docs, "Pricing"): one generation or one texture, and the HighPack add-on on top. */
export const CREDITS = { generation: 0.5, texture: 0.5, highPack: 1 } as const

export const TIERS = ['Gen-2', 'Regular', 'Detail', 'Smooth', 'Sketch'] as const
export const QUALITIES = ['high', 'medium', 'low', 'extra-low'] as const
export const MATERIALS = ['PBR', 'Shaded', 'All'] as const
export const FORMATS = ['glb', 'usdz', 'fbx', 'obj', 'stl'] as const
export const MESH_MODES = ['Quad', 'Raw'] as const

const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

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
      .regex(ALIAS, 'expected the alias of an asset of this manifest')
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

/** Credits one submission of this recipe costs. */
export function recipeCost(recipe: GenerateRecipe): number {
  if (recipe.textureFrom) return CREDITS.texture
  return CREDITS.generation + (recipe.addons?.includes('HighPack') ? CREDITS.highPack : 0)
}

/** The multipart text fields of a recipe, in the order they are sent (files are added by the caller). */
export function recipeFields(recipe: GenerateRecipe): [string, string][] {
  const fields: [string, string][] = []
  const add = (name: string, value: string | number | undefined) => {
    if (value !== undefined) fields.push([name, String(value)])
  }
  add('prompt', recipe.prompt)
  add('seed', recipe.seed)
  add('geometry_file_format', recipe.format)
  add('material', recipe.material)
  if (recipe.textureFrom) {
    add('resolution', 'Basic')
    return fields
  }
  add('tier', recipe.tier)
  add('quality', recipe.quality)
  add('mesh_mode', recipe.meshMode)
  for (const addon of recipe.addons ?? []) add('addons', addon)
  return fields
}

/** The shell command that generates an alias from its manifest recipe (for messages). */
export function generateCommand(alias: string): string {
  return `npx rodin-assets generate ${alias}`
}

export function formatCredits(n: number): string {
  return `${Number.isInteger(n) ? n : n.toFixed(1)} credit${n === 1 ? '' : 's'}`
}

/** What a build says about a recipe-only entry: builds never spend credits, so the user runs the command. */
export function notGeneratedError(
  entry: { alias: string; recipe?: GenerateRecipe },
  files: { manifest?: string; lockfile?: string } = {},
): RodinError {
  const cost = entry.recipe ? ` (cost: ${formatCredits(recipeCost(entry.recipe))})` : ''
  const command = generateCommand(entry.alias)
  return errors.E_NOT_GENERATED('recipe', { asset: entry.alias, provider: 'rodin', command, cost, ...files })
}
