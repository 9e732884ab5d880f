import { z } from './zod.js'
import { ALIAS_RE, FILE_NAME_RE, UUID_RE } from './names.js'
import { generateRecipeSchema } from './recipe-schema.js'

const presetName = z.enum(['web', 'max', 'none'])
/** Deep validation of the object form happens in `resolveOptimizeOptions`, which knows every field. */
const optimizeSetting = z
  .union([presetName, z.literal(false), z.record(z.string(), z.unknown())])
  .describe('"web" (default), "max", "none", false, or an object that overrides single settings')

const budgetLimit = z.number().int().positive()
/** Limits on what an asset may cost the page; see `checkBudget`. */
const budgetSetting = z
  .strictObject({
    bytes: budgetLimit.optional().describe('largest emitted file size in bytes'),
    triangles: budgetLimit.optional().describe('most triangles of the emitted model'),
    gpuBytes: budgetLimit.optional().describe('most GPU texture memory in bytes, mipmaps included (meta.gpuBytes)'),
  })
  .describe('size budget: exceeding it fails frozen/CI builds (E_BUDGET) and warns otherwise')

const rodinTask = z.string().regex(UUID_RE, 'expected a Rodin task UUID like "7f3c1a2e-5b6d-4c8e-9f00-1234567890ab"')
const fileName = z.string().regex(FILE_NAME_RE, 'expected a bare file name such as "base_basic_pbr.glb"')

const rodinEntry = z.strictObject({
  provider: z.literal('rodin').optional(),
  task: rodinTask,
  subscriptionKey: z
    .string()
    .min(1)
    .optional()
    .describe(
      "the task's subscription_key (JWT) from the generation response; lets the build wait for unfinished tasks",
    ),
  file: fileName.optional(),
  optimize: optimizeSetting.optional(),
  generate: generateRecipeSchema.optional().describe('how this asset was generated (kept for review and reproduction)'),
  budget: budgetSetting.optional(),
})

/** A Rodin asset declared but not generated yet: `rodin-assets generate <alias>` submits it; builds refuse it. */
const recipeEntry = z.strictObject({
  provider: z.literal('rodin').optional(),
  generate: generateRecipeSchema,
  file: fileName.optional(),
  optimize: optimizeSetting.optional(),
  budget: budgetSetting.optional(),
})

const modelslabEntry = z.strictObject({
  provider: z.literal('modelslab'),
  id: z.union([z.number().int().nonnegative(), z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)]),
  file: fileName.optional(),
  optimize: optimizeSetting.optional(),
  budget: budgetSetting.optional(),
})

const gettyEntry = z.strictObject({
  provider: z.literal('getty'),
  generation: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'expected the generationRequestId returned by Getty'),
  index: z.number().int().nonnegative().default(0),
  size: z.enum(['1k', '4k']).default('1k'),
  notes: z.string().max(500).optional(),
  projectCode: z.string().max(100).optional(),
  optimize: optimizeSetting.optional(),
  budget: budgetSetting.optional(),
})

const assetEntry = z.union([rodinTask, rodinEntry, recipeEntry, modelslabEntry, gettyEntry])

export const manifestSchema = z.strictObject({
  $schema: z.string().optional(),
  optimize: optimizeSetting.optional(),
  budget: budgetSetting.optional(),
  assets: z.union([
    z.array(rodinTask),
    z.record(
      z
        .string()
        .regex(
          ALIAS_RE,
          'aliases are 1–64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit',
        ),
      assetEntry,
    ),
  ]),
})

export type ManifestData = z.output<typeof manifestSchema>

/** JSON Schema for editors (`"$schema": "./node_modules/unplugin-rodin/schema/assets.rodin.schema.json"`). */
export function manifestJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(manifestSchema, { io: 'input' }),
    $id: 'https://unpkg.com/unplugin-rodin/schema/assets.rodin.schema.json',
    title: 'unplugin-rodin manifest (assets.rodin.json)',
  }
}
