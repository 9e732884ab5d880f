import type { LockEntry, Lockfile } from '../manifest/lockfile.js'
import type { AssetEntry } from '../manifest/manifest.js'
import { extensionOf, pickPrimary } from '../manifest/files.js'
import { lodOptions } from '../optimize/options.js'
import type { ResolvedOptimizeOptions } from '../optimize/options.js'
import type { GcKeep, Store, StoredFile } from '../store/store.js'
import { cachedOptimized, derivedKey } from './derive.js'
import type { DerivedRecord } from './derive.js'
import { taskKey } from '../providers/index.js'
import { expectedFiles, missingFiles } from './source.js'

/**
 * What the lockfile and the cache hold for one manifest asset, read without a request, a download or an
 * optimizer run (`rodin-assets status`, offline checks).
 */
export interface AssetState {
  entry: AssetEntry
  /** `yes`: the lockfile pins this entry's provider and task; `stale`: it pins another; `no`: nothing. */
  locked: 'yes' | 'no' | 'stale'
  /** The lock entry when `locked` is `yes`: only a pin of the same provider and task is ever used. */
  pin: LockEntry | undefined
  /** The source files the asset is built from (the pin's, else the cache's own record); `null`: never fetched. */
  files: Record<string, StoredFile> | null
  /** Names in `files` whose bytes the cache lacks. */
  missing: string[]
}

/** What the inventory needs of a pipeline: its cache and the optimize settings it resolves per entry. */
export interface InventoryContext {
  store: Store
  optimizeFor: (entry: AssetEntry) => ResolvedOptimizeOptions | null
}

/** The lock entry for `entry`, if it pins the same provider and task (a pin of anything else is stale). */
export function pinFor(lock: Lockfile | null, entry: AssetEntry): LockEntry | undefined {
  const locked = lock?.assets[entry.alias]
  return lockCovers(locked, entry) ? locked : undefined
}

export function lockCovers(locked: LockEntry | undefined, entry: AssetEntry): locked is LockEntry {
  return !!locked && locked.provider === entry.provider && locked.task === entry.task
}

export async function assetState(store: Store, lock: Lockfile | null, entry: AssetEntry): Promise<AssetState> {
  const pinned = lock?.assets[entry.alias]
  const pin = pinFor(lock, entry)
  const files = await expectedFiles(store, entry, pin)
  return {
    entry,
    locked: pin ? 'yes' : pinned ? 'stale' : 'no',
    pin,
    files,
    missing: files ? await missingFiles(store, files) : [],
  }
}

/** The primary file of an asset whose source files are known: the pin's choice, else the usual pick. */
export function primaryOf(state: Pick<AssetState, 'entry' | 'pin'>, files: Record<string, StoredFile>): string {
  return state.pin?.primary ?? pickPrimary(state.entry, Object.keys(files))
}

/** One blob the lockfile pins (a source file, an optimized output or a LOD level), named for messages. */
export interface PinnedBlob extends StoredFile {
  alias: string
  /** The file name, or `<primary> (optimized)`, `<primary> (LOD <n>)`. */
  name: string
}

/** Every blob the lockfile pins, asset by asset: source files, then the optimized output, then its LOD levels. */
export function pinnedBlobs(lock: Lockfile): PinnedBlob[] {
  const out: PinnedBlob[] = []
  for (const [alias, entry] of Object.entries(lock.assets)) {
    const pins: [string, StoredFile][] = Object.entries(entry.files)
    if (entry.optimized) pins.push([`${entry.primary} (optimized)`, entry.optimized])
    for (const [i, lod] of (entry.optimized?.lods ?? []).entries()) pins.push([`${entry.primary} (LOD ${i + 1})`, lod])
    for (const [name, f] of pins) out.push({ alias, name, sha256: f.sha256, bytes: f.bytes })
  }
  return out
}

/** A record of what the cache alone serves for an asset, for measuring it against its budget. */
export interface CachedAsset {
  entry: AssetEntry
  files: Record<string, StoredFile>
  primary: string
  optimized: { key: string; file: StoredFile; stats: DerivedRecord['stats']; lods: [] } | null
}

/**
 * The asset as the cache serves it now, or `null` when some source file or the optimized output is not there
 * (the asset is "not built" until a build or `pull` ran).
 */
export async function cachedAsset(ctx: InventoryContext, state: AssetState): Promise<CachedAsset | null> {
  const { entry, files } = state
  if (!files || state.missing.length > 0) return null
  const primary = primaryOf(state, files)
  const opts = extensionOf(primary) === '.glb' ? ctx.optimizeFor(entry) : null
  if (!opts) return { entry, files, primary, optimized: null }
  const key = derivedKey(files[primary]!.sha256, opts)
  const record = await cachedOptimized(ctx.store, key, state.pin?.optimized)
  if (!record) return null
  return {
    entry,
    files,
    primary,
    optimized: { key, file: { sha256: record.sha256, bytes: record.bytes }, stats: record.stats, lods: [] },
  }
}

/**
 * Every cache entry the manifest reaches through the same pins and records a build uses: the source files,
 * their stats and placeholders, the optimized output and its LOD levels. `rodin-assets gc` keeps these.
 */
export async function reachable(ctx: InventoryContext, lock: Lockfile | null, entries: AssetEntry[]): Promise<GcKeep> {
  const { store } = ctx
  const content = new Set<string>()
  const derived = new Set<string>()
  const tasks = new Set<string>()
  for (const entry of entries) {
    tasks.add(taskKey(entry))
    const pin = pinFor(lock, entry)
    const files = await expectedFiles(store, entry, pin)
    if (!files) continue
    for (const f of Object.values(files)) {
      content.add(f.sha256)
      derived.add(derivedKey(f.sha256, 'inspect'))
      derived.add(derivedKey(f.sha256, 'image'))
      derived.add(derivedKey(f.sha256, 'placeholder-image'))
      derived.add(derivedKey(f.sha256, 'placeholder-model'))
    }
    const primary = primaryOf({ entry, pin }, files)
    const opts = extensionOf(primary) === '.glb' ? ctx.optimizeFor(entry) : null
    if (!opts || !files[primary]) continue
    const key = derivedKey(files[primary].sha256, opts)
    derived.add(key)
    const record = (await store.readRecord<DerivedRecord>('derived', key))?.value
    if (typeof record?.sha256 === 'string') {
      content.add(record.sha256)
      derived.add(derivedKey(record.sha256, 'placeholder-model'))
    }
    // LOD levels (optimize.lods): their records and files are kept like level 0's.
    for (const lod of lodKeys(files[primary].sha256, opts)) {
      derived.add(lod)
      const level = (await store.readRecord<DerivedRecord>('derived', lod))?.value
      if (typeof level?.sha256 === 'string') content.add(level.sha256)
    }
  }
  return { content, tasks, derived }
}

function lodKeys(sourceSha256: string, opts: ResolvedOptimizeOptions): string[] {
  return opts.lods.map((_, i) => derivedKey(sourceSha256, lodOptions(opts, i + 1)))
}
