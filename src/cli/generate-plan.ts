import { access, readFile } from 'node:fs/promises'
import { relative, resolve, sep } from 'node:path'
import { errors } from '../catalogue/index.js'
import type { AssetEntry } from '../manifest/manifest.js'
import { recipeCost, recipeFields } from '../manifest/recipe.js'
import { generateRecipeSchema } from '../manifest/recipe-schema.js'
import type { GenerateRecipe } from '../manifest/recipe.js'
import { ALIAS_RE } from '../manifest/names.js'
import type { Pipeline } from '../pipeline/pipeline.js'
import { formatBytes } from '../util/format.js'
import type { GenerationParts } from '../providers/index.js'
import { type Journal, describeJournalEntry } from './journal.js'

/** `rodin-assets generate` flags as cac parses them (numbers may arrive as numbers, repeats as arrays). */
export interface GenerateFlags {
  args?: unknown[]
  prompt?: unknown
  image?: unknown
  tier?: unknown
  quality?: unknown
  material?: unknown
  format?: unknown
  meshMode?: unknown
  seed?: unknown
  addons?: unknown
  textureFrom?: unknown
  maxCredits?: unknown
  dryRun?: boolean
  yes?: boolean
  wait?: boolean
  all?: boolean
  resubmit?: boolean
  timeout?: unknown
}

/** The API limit for `/rodin_texture_only` models. */
const TEXTURE_MODEL_MAX_BYTES = 10 * 1024 * 1024
const RECIPE_FLAGS: Record<string, string> = {
  prompt: '--prompt',
  images: '--image',
  tier: '--tier',
  quality: '--quality',
  material: '--material',
  format: '--format',
  meshMode: '--mesh-mode',
  seed: '--seed',
  addons: '--addons',
  textureFrom: '--texture-from',
}

export interface Plan {
  alias: string
  recipe: GenerateRecipe
  parts: GenerationParts
  cost: number
}

export const refused = errors.E_REFUSED

/** The manifest's entries by alias; none when the project has no manifest yet (generate creates it). */
export async function manifestEntries(pipeline: Pipeline): Promise<Map<string, AssetEntry>> {
  const exists = await access(pipeline.options.manifestPath).then(
    () => true,
    () => false,
  )
  return exists ? (await pipeline.getManifest()).byAlias : new Map()
}

/** What to send for the alias (or every recipe with `--all`), validated before anything is sent. */
export async function plan(
  pipeline: Pipeline,
  entries: Map<string, AssetEntry>,
  journal: Journal,
  o: GenerateFlags,
): Promise<Plan[]> {
  const alias = o.args?.[0] === undefined ? undefined : String(o.args[0])
  const fromFlags = recipeFromFlags(pipeline, o)
  const targets: { alias: string; recipe: unknown; entry?: AssetEntry }[] = []
  if (o.all) {
    if (alias !== undefined || fromFlags) throw errors.E_CONFIG('allWithAlias', {})
    for (const entry of entries.values())
      if (entry.notGenerated) targets.push({ alias: entry.alias, recipe: entry.recipe, entry })
    if (targets.length === 0) throw refused('nothingToGenerate', { provider: 'rodin' })
  } else {
    if (alias === undefined) throw errors.E_CONFIG('noAlias', {})
    if (!ALIAS_RE.test(alias)) throw errors.E_CONFIG('badAlias', { alias })
    const entry = entries.get(alias)
    if (entry && !entry.notGenerated) throw refused('aliasTaken', { alias, provider: entry.provider, task: entry.task })
    const recipe = fromFlags ?? entry?.recipe
    if (!recipe) throw errors.E_CONFIG('emptyRecipe', { alias })
    targets.push({ alias, recipe, entry })
  }
  const plans: Plan[] = []
  for (const t of targets) {
    const previous = await journal.read(t.alias)
    if (previous && !o.resubmit)
      throw refused('journal', { entry: describeJournalEntry(previous, journal), provider: 'rodin' })
    const recipe = validate(t.alias, t.recipe, !!fromFlags)
    plans.push({
      alias: t.alias,
      recipe,
      parts: await requestParts(pipeline, entries, recipe),
      cost: recipeCost(recipe),
    })
  }
  return plans
}

function recipeFromFlags(pipeline: Pipeline, o: GenerateFlags): Record<string, unknown> | undefined {
  const list = (v: unknown) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(String))
  const images = list(o.image)?.map(file => {
    // Stored relative to the project root, with "/", so the manifest means the same in every clone.
    const path = relative(pipeline.options.root, resolve(file))
    return path.split(sep).join('/')
  })
  const seed = typeof o.seed === 'string' && /^\d+$/.test(o.seed) ? Number(o.seed) : o.seed
  const recipe: Record<string, unknown> = {
    prompt: o.prompt === undefined ? undefined : String(o.prompt),
    images,
    tier: o.tier,
    quality: o.quality,
    material: o.material,
    format: o.format,
    meshMode: o.meshMode,
    seed,
    addons: list(o.addons),
    textureFrom: o.textureFrom === undefined ? undefined : String(o.textureFrom),
  }
  for (const k of Object.keys(recipe)) if (recipe[k] === undefined) delete recipe[k]
  return Object.keys(recipe).length > 0 ? recipe : undefined
}

function validate(alias: string, raw: unknown, fromFlags: boolean): GenerateRecipe {
  const parsed = generateRecipeSchema.safeParse(raw)
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues.slice(0, 3).map(i => {
    const key = String(i.path[0] ?? '')
    const where = fromFlags ? (RECIPE_FLAGS[key] ?? 'flags') : `assets.${alias}.generate${key ? `.${key}` : ''}`
    return `${key ? `${where}: ` : ''}${i.message}`
  })
  throw errors.E_CONFIG('badRecipe', { asset: alias, issues: issues.join('; ') })
}

async function requestParts(
  pipeline: Pipeline,
  entries: Map<string, AssetEntry>,
  recipe: GenerateRecipe,
): Promise<GenerationParts> {
  const files: GenerationParts['files'] = []
  for (const image of recipe.images ?? []) {
    const path = resolve(pipeline.options.root, image)
    const bytes = await readFile(path).catch(err => {
      const code = String((err as NodeJS.ErrnoException).code)
      throw errors.E_CONFIG('badImage', { image, code, root: pipeline.options.root, cause: err })
    })
    const name = image.split('/').at(-1)!
    files.push({
      field: recipe.textureFrom ? 'image' : 'images',
      name,
      type: contentTypeFor(name),
      bytes: new Uint8Array(bytes),
    })
  }
  if (recipe.textureFrom) {
    const source = entries.get(recipe.textureFrom)
    if (!source || source.notGenerated || source.provider !== 'rodin')
      throw errors.E_CONFIG('textureFromUnknown', { alias: recipe.textureFrom })
    const tooLarge = (file: string, size: number) =>
      errors.E_TOO_LARGE('textureSource', { asset: String(recipe.textureFrom), file, size: formatBytes(size) })
    // The pin tells the size before anything is fetched or optimized.
    const pin = await pipeline.pinned(source)
    const pinned = pin?.files[pin.primary]
    if (pin && pinned && pinned.bytes > TEXTURE_MODEL_MAX_BYTES) throw tooLarge(pin.primary, pinned.bytes)
    const record = await pipeline.asset(source)
    const size = record.files[record.primary]!.bytes
    if (size > TEXTURE_MODEL_MAX_BYTES) throw tooLarge(record.primary, size)
    const bytes = await pipeline.sourceBytes(record, record.primary)
    files.push({ field: 'model', name: record.primary, type: contentTypeFor(record.primary), bytes })
  }
  return { route: recipe.textureFrom ? '/rodin_texture_only' : '/rodin', fields: recipeFields(recipe), files }
}

export function summary(recipe: GenerateRecipe): string {
  const bits = [
    recipe.textureFrom && `texture of ${recipe.textureFrom}`,
    recipe.prompt &&
      `prompt ${JSON.stringify(recipe.prompt.length > 40 ? `${recipe.prompt.slice(0, 40)}…` : recipe.prompt)}`,
    recipe.images && `${recipe.images.length} image${recipe.images.length > 1 ? 's' : ''}`,
    recipe.tier && `tier ${recipe.tier}`,
    recipe.addons?.length && `addons ${recipe.addons.join(',')}`,
  ]
  return bits.filter(Boolean).join(', ')
}

const TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  glb: 'model/gltf-binary',
  usdz: 'model/vnd.usdz+zip',
  obj: 'model/obj',
  stl: 'model/stl',
}

function contentTypeFor(name: string): string {
  return TYPES[name.split('.').at(-1)?.toLowerCase() ?? ''] ?? 'application/octet-stream'
}
