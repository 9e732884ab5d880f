import { access, readFile, writeFile } from 'node:fs/promises'
import { relative, resolve, sep } from 'node:path'
import { RodinError, isRodinError } from '../../errors.js'
import type { ApiClient } from '../../http/index.js'
import { writeManifestAsset } from '../../manifest/edit.js'
import type { AssetEntry } from '../../manifest/manifest.js'
import { formatCredits, generateRecipeSchema, recipeCost, recipeFields } from '../../manifest/recipe.js'
import type { GenerateRecipe } from '../../manifest/recipe.js'
import { ALIAS_RE } from '../../manifest/schema.js'
import { formatBytes } from '../../plugin/report.js'
import type { Pipeline } from '../../pipeline/pipeline.js'
import { checkBalance, partsHash, submitGeneration } from '../../providers/rodin-generate.js'
import type { CreatedTask, GenerationParts } from '../../providers/rodin-generate.js'
import { displayURL } from '../../redact.js'
import { createPipeline } from '../context.js'
import type { CliIO, GlobalFlags } from '../context.js'
import { Journal, describeJournalEntry } from '../journal.js'
import { finishGenerated } from '../generate-finish.js'

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

interface Plan {
  alias: string
  recipe: GenerateRecipe
  parts: GenerationParts
  cost: number
}

/**
 * Submits generation requests behind a cost guard (estimate, balance, `--max-credits`, confirmation), each
 * exactly once with a journal entry written first; pins the new tasks in the manifest; then waits, downloads,
 * optimizes and locks them like `pull`.
 */
export async function generate(flags: GlobalFlags, io: CliIO, o: GenerateFlags): Promise<void> {
  if (flags.mode === 'frozen' || flags.mode === 'offline')
    throw new RodinError(
      'E_CONFIG',
      `"rodin-assets generate" writes the manifest and the lockfile; mode "${flags.mode}" forbids that.`,
    )
  const maxCredits = Number(o.maxCredits ?? 1)
  if (!Number.isFinite(maxCredits) || maxCredits < 0)
    throw new RodinError('E_CONFIG', `--max-credits must be a number of credits ≥ 0 (got ${String(o.maxCredits)})`)
  const timeoutS = Number(o.timeout ?? 900)
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new RodinError('E_CONFIG', `--timeout must be a number of seconds > 0 (got ${String(o.timeout)})`)
  const pipeline = createPipeline(flags, io, { mode: 'auto', logLevel: 'silent' })
  const journal = new Journal(pipeline.options.cacheDir)
  const { apiKey, baseURL } = pipeline.options.providers.rodin
  let api: ApiClient | undefined
  try {
    const entries = await manifestEntries(pipeline)
    const plans = await plan(pipeline, entries, journal, o)
    const total = plans.reduce((sum, p) => sum + p.cost, 0)
    for (const p of plans) io.out(`${p.alias}: POST ${p.parts.route} (${summary(p.recipe)}): ${formatCredits(p.cost)}`)
    if (plans.length > 1) io.out(`total: ${formatCredits(total)} for ${plans.length} assets`)
    if (!apiKey)
      throw new RodinError('E_AUTH', 'generating needs a Hyper3D key: set RODIN_API_KEY (or HYPER3D_API_KEY).', {
        provider: 'rodin',
      })
    const http = await import('../../http/index.js')
    api = http.createApiClient({
      baseURL,
      headers: { Authorization: `Bearer ${apiKey}` },
      http: pipeline.options.http,
      provider: 'rodin',
    })
    const balance = await checkBalance(api, { provider: 'rodin' })
    io.out(`balance: ${formatCredits(balance)}`)
    if (o.dryRun) for (const p of plans) printRequest(io, baseURL, p)
    if (total > maxCredits)
      throw refused(
        `the cost, ${formatCredits(total)}, is above --max-credits ${maxCredits}. Nothing was sent; pass --max-credits ${total} to allow it.`,
      )
    if (balance < total)
      throw refused(
        `the balance, ${formatCredits(balance)}, is below the cost, ${formatCredits(total)}. Nothing was sent; top up your Hyper3D credits first.`,
      )
    if (o.dryRun) {
      io.err('rodin-assets: dry run: nothing was sent. Run again without --dry-run (with --yes) to submit.')
      process.exitCode = 2
      return
    }
    if (!o.yes && !(await confirm(io, total)))
      throw refused(
        process.stdin.isTTY && io.isTTY
          ? 'not confirmed; nothing was sent.'
          : 'no terminal to confirm the cost on; nothing was sent. Pass --yes to submit.',
      )
    const created: (CreatedTask & { alias: string })[] = []
    for (const p of plans) {
      const task = await submitOne(pipeline, journal, { baseURL, apiKey }, p)
      created.push({ alias: p.alias, ...task })
      io.out(
        `${p.alias}: created task ${task.task} (${formatCredits(p.cost)}); ${rel(pipeline, pipeline.options.manifestPath)} updated`,
      )
    }
    if (o.wait === false) {
      io.out('not waiting (--no-wait): run "rodin-assets pull" later to download, optimize and lock.')
      return
    }
    await finishGenerated(pipeline, api, created, io, { timeoutMs: timeoutS * 1000 })
  } finally {
    await api?.close()
    await pipeline.close()
  }
}

function refused(message: string): RodinError {
  return new RodinError('E_REFUSED', message, { provider: 'rodin' })
}

async function manifestEntries(pipeline: Pipeline): Promise<Map<string, AssetEntry>> {
  const path = pipeline.options.manifestPath
  if (
    !(await access(path).then(
      () => true,
      () => false,
    ))
  )
    return new Map()
  return (await pipeline.getManifest()).byAlias
}

async function plan(pipeline: Pipeline, entries: Map<string, AssetEntry>, journal: Journal, o: GenerateFlags) {
  const alias = o.args?.[0] === undefined ? undefined : String(o.args[0])
  const fromFlags = recipeFromFlags(pipeline, o)
  const targets: { alias: string; recipe: unknown; entry?: AssetEntry }[] = []
  if (o.all) {
    if (alias !== undefined || fromFlags)
      throw new RodinError(
        'E_CONFIG',
        '--all generates the recipes of the manifest; give no alias and no recipe flags with it.',
      )
    for (const entry of entries.values())
      if (entry.notGenerated) targets.push({ alias: entry.alias, recipe: entry.recipe, entry })
    if (targets.length === 0) throw refused('every asset of the manifest already has a task; nothing to generate.')
  } else {
    if (alias === undefined)
      throw new RodinError(
        'E_CONFIG',
        'name the asset: "rodin-assets generate <alias> --prompt <text>" (or --all for every recipe).',
      )
    if (!ALIAS_RE.test(alias))
      throw new RodinError(
        'E_CONFIG',
        `"${alias}" is not a valid alias: 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit.`,
      )
    const entry = entries.get(alias)
    if (entry && !entry.notGenerated)
      throw refused(
        `asset "${alias}" already has ${entry.provider} task ${entry.task}; generating again would bill a new task. Pick a new alias (e.g. "${alias}-2"), or remove "${alias}" from the manifest first.`,
      )
    const recipe = fromFlags ?? entry?.recipe
    if (!recipe)
      throw new RodinError('E_CONFIG', `nothing to generate for "${alias}": give --prompt <text> or --image <file>.`)
    targets.push({ alias, recipe, entry })
  }
  const plans: Plan[] = []
  for (const t of targets) {
    const previous = await journal.read(t.alias)
    if (previous && !o.resubmit) throw refused(describeJournalEntry(previous, journal))
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
  throw new RodinError('E_CONFIG', `bad recipe for "${alias}": ${issues.join('; ')}. Nothing was sent.`, {
    asset: alias,
  })
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
      throw new RodinError(
        'E_CONFIG',
        `image "${image}" cannot be read (${(err as NodeJS.ErrnoException).code}); check the path (relative to ${pipeline.options.root}).`,
        { cause: err },
      )
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
      throw new RodinError(
        'E_CONFIG',
        `--texture-from ${recipe.textureFrom}: no generated Rodin asset of that alias in the manifest.`,
      )
    const tooLarge = (file: string, size: number) =>
      new RodinError(
        'E_TOO_LARGE',
        `--texture-from ${recipe.textureFrom}: its model ${file} is ${formatBytes(size)}, above the 10 MB that /rodin_texture_only accepts. Nothing was sent; texture a smaller model (e.g. one generated with --quality low).`,
        { asset: recipe.textureFrom, file },
      )
    // The pin tells the size before anything is fetched or optimized.
    const pin = (await pipeline.getLockfile())?.assets[source.alias]
    const pinned = pin?.task === source.task ? pin.files[pin.primary] : undefined
    if (pin && pinned && pinned.bytes > TEXTURE_MODEL_MAX_BYTES) throw tooLarge(pin.primary, pinned.bytes)
    const record = await pipeline.asset(source)
    const size = record.files[record.primary]!.bytes
    if (size > TEXTURE_MODEL_MAX_BYTES) throw tooLarge(record.primary, size)
    const bytes = await pipeline.sourceBytes(record, record.primary)
    files.push({ field: 'model', name: record.primary, type: contentTypeFor(record.primary), bytes })
  }
  return { route: recipe.textureFrom ? '/rodin_texture_only' : '/rodin', fields: recipeFields(recipe), files }
}

function summary(recipe: GenerateRecipe): string {
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

function printRequest(io: CliIO, baseURL: string, p: Plan): void {
  io.out(`dry run: would POST ${displayURL(`${baseURL}${p.parts.route}`)} (multipart/form-data) for "${p.alias}":`)
  for (const [name, value] of p.parts.fields) io.out(`  ${name}: ${JSON.stringify(value)}`)
  for (const f of p.parts.files) io.out(`  ${f.field}: file ${f.name} (${formatBytes(f.bytes.byteLength)}, ${f.type})`)
}

async function confirm(io: CliIO, total: number): Promise<boolean> {
  if (!process.stdin.isTTY || !io.isTTY) return false
  const { createInterface } = await import('node:readline/promises')
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    return /^y(es)?$/i.test((await rl.question(`Spend ${formatCredits(total)}? [y/N] `)).trim())
  } finally {
    rl.close()
  }
}

/** Journal first, then exactly one POST; the manifest is written as soon as the task exists. */
async function submitOne(
  pipeline: Pipeline,
  journal: Journal,
  conf: { baseURL: string; apiKey: string },
  p: Plan,
): Promise<CreatedTask> {
  const base = {
    alias: p.alias,
    route: p.parts.route,
    formSha256: partsHash(p.parts),
    cost: p.cost,
    time: new Date().toISOString(),
  }
  await journal.write({ ...base, state: 'sending' })
  let task: CreatedTask
  try {
    task = await submitGeneration({ ...conf, http: pipeline.options.http }, p.parts, {
      asset: p.alias,
      provider: 'rodin',
    })
  } catch (err) {
    if (isRodinError(err, 'E_SUBMIT_LOST'))
      await journal.write({ ...base, state: 'lost', reason: err.message.match(/answer was lost \(([^)]*)\)/)?.[1] })
    else await journal.remove(p.alias)
    throw err
  }
  await journal.write({ ...base, state: 'created', task: task.task })
  const path = pipeline.options.manifestPath
  if (
    !(await access(path).then(
      () => true,
      () => false,
    ))
  )
    await writeFile(path, '{\n  "assets": {}\n}\n', { flag: 'wx' })
  // A recipe-only entry keeps its own "file" and "optimize".
  await writeManifestAsset(path, p.alias, old => {
    const { file, optimize } = (old && typeof old === 'object' ? old : {}) as { file?: unknown; optimize?: unknown }
    return {
      task: task.task,
      subscriptionKey: task.subscriptionKey,
      ...(file !== undefined ? { file } : {}),
      ...(optimize !== undefined ? { optimize } : {}),
      generate: p.recipe,
    }
  })
  await journal.remove(p.alias)
  return task
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

function rel(pipeline: Pipeline, path: string): string {
  return relative(pipeline.options.root, path) || path
}
