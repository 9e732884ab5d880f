import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { errors } from '../catalogue/index.js'
import type { ProviderName } from '../meta.js'
import type { GenerateRecipe } from './recipe.js'
import { memoized } from './parse-memo.js'
import type { ParseMemo } from './parse-memo.js'
import type { ManifestData } from './schema.js'

/** Limits on one asset (see `rodin-assets status` and E_BUDGET). */
export interface Budget {
  bytes?: number
  triangles?: number
  gpuBytes?: number
}

/** One asset of the manifest, normalized: every provider has an alias, a task id and its import ids. */
export interface AssetEntry {
  alias: string
  provider: ProviderName
  /** Rodin task UUID (lower case), ModelsLab id, or Getty generationRequestId. */
  task: string
  /** Every import id that names this asset, e.g. `rodin:hero-sword`, `rodin:<uuid>`. */
  ids: string[]
  subscriptionKey?: string
  file?: string
  /** The entry's own optimize setting, else the manifest's (validated later against the optimizer's options). */
  optimize: unknown
  /** The manifest's budget with the entry's fields on top; absent when neither sets one. */
  budget?: Budget
  getty?: { index: number; size: '1k' | '4k'; notes?: string; projectCode?: string }
  /** The entry's `generate` recipe (Rodin). */
  recipe?: GenerateRecipe
  /** A recipe without a task yet: `task` is empty and a build fails with `E_NOT_GENERATED`. */
  notGenerated?: true
}

export interface Manifest {
  path: string
  entries: AssetEntry[]
  /** import id → entry */
  byId: Map<string, AssetEntry>
  byAlias: Map<string, AssetEntry>
}

/**
 * Reads and validates a manifest file. Every problem is an `E_CONFIG` error naming the file, the JSON path and the
 * fix. `memo`: validated data of texts seen before (see {@link ParseMemo}); zod is loaded only on a miss.
 */
export async function loadManifest(path: string, memo?: ParseMemo): Promise<Manifest> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw errors.E_CONFIG('manifestMissing', { path, cause: err })
    }
    throw errors.E_CONFIG('unreadable', { path, reason: (err as Error).message, cause: err })
  }
  const data = await memoized(memo, 'manifest', text, async () =>
    (await import('./manifest-parse.js')).validateManifest(text, path),
  )
  return manifestFromData(path, data)
}

/** The manifest that validated data describes: one normalized entry per asset, indexed by alias and import id. */
export function manifestFromData(path: string, data: ManifestData): Manifest {
  return indexManifest(path, normalize(data))
}

function normalize(data: ManifestData): AssetEntry[] {
  const top = data.optimize
  if (Array.isArray(data.assets)) {
    return data.assets.map(uuid => withBudget(rodin(uuid.toLowerCase(), { task: uuid }, top), data.budget))
  }
  return Object.entries(data.assets).map(([alias, value]) =>
    withBudget(entryOf(alias, value, top), data.budget, typeof value === 'string' ? undefined : value.budget),
  )
}

function withBudget(entry: AssetEntry, project?: Budget, own?: Budget): AssetEntry {
  const budget = { ...project, ...own }
  return Object.keys(budget).length > 0 ? { ...entry, budget } : entry
}

type AssetValue = Exclude<ManifestData['assets'], string[]>[string]

function entryOf(alias: string, value: AssetValue, top: unknown): AssetEntry {
  if (typeof value === 'string') return rodin(alias, { task: value }, top)
  if (value.provider === 'modelslab') {
    const id = String(value.id)
    return {
      alias,
      provider: 'modelslab',
      task: id,
      ids: [`rodin:${alias}`, `modelslab:${id}`],
      file: value.file,
      optimize: value.optimize ?? top,
    }
  }
  if (value.provider === 'getty') {
    const { generation, index, size, notes, projectCode } = value
    return {
      alias,
      provider: 'getty',
      task: generation,
      ids: [`rodin:${alias}`, `getty:${generation}/${index}`],
      optimize: value.optimize ?? top,
      getty: { index, size, notes, projectCode },
    }
  }
  return rodin(alias, value, top)
}

function rodin(
  alias: string,
  v: { task?: string; subscriptionKey?: string; file?: string; optimize?: unknown; generate?: GenerateRecipe },
  top: unknown,
): AssetEntry {
  const task = v.task?.toLowerCase() ?? ''
  const ids = !task ? [`rodin:${alias}`] : alias === task ? [`rodin:${task}`] : [`rodin:${alias}`, `rodin:${task}`]
  return {
    alias,
    provider: 'rodin',
    task,
    ids,
    subscriptionKey: v.subscriptionKey,
    file: v.file,
    optimize: v.optimize ?? top,
    ...(v.generate ? { recipe: v.generate } : {}),
    ...(task ? {} : { notGenerated: true as const }),
  }
}

function indexManifest(path: string, entries: AssetEntry[]): Manifest {
  const byId = new Map<string, AssetEntry>()
  const byAlias = new Map<string, AssetEntry>()
  for (const entry of entries) {
    if (byAlias.has(entry.alias)) {
      throw errors.E_CONFIG('duplicateAsset', { manifest: basename(path), asset: entry.alias })
    }
    byAlias.set(entry.alias, entry)
    // An alias that looks like another entry's task UUID would make `rodin:<uuid>` ambiguous: aliases win.
    for (const id of entry.ids) if (!byId.has(id) || id === `rodin:${entry.alias}`) byId.set(id, entry)
  }
  return { path, entries, byId, byAlias }
}
