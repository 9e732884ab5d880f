import { errors } from '../catalogue/index.js'
import type { RodinError } from '../errors.js'
import type { GenerateRecipe } from './recipe-schema.js'

// The recipe's zod schema lives in recipe-schema.ts: a build only needs these helpers, and loads zod only when
// a manifest it has not seen before must be validated.
export type { GenerateRecipe }

/** Credits Hyper3D bills (API docs, "Pricing"): one generation or one texture, and the HighPack add-on on top. */
export const CREDITS = { generation: 0.5, texture: 0.5, highPack: 1 } as const

export const TIERS = ['Gen-2', 'Regular', 'Detail', 'Smooth', 'Sketch'] as const
export const QUALITIES = ['high', 'medium', 'low', 'extra-low'] as const
export const MATERIALS = ['PBR', 'Shaded', 'All'] as const
export const FORMATS = ['glb', 'usdz', 'fbx', 'obj', 'stl'] as const
export const MESH_MODES = ['Quad', 'Raw'] as const

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
