import { errors } from '../catalogue/index.js'
import type { AssetEntry } from '../manifest/manifest.js'
import type { LevelStats } from '../optimize/optimize.js'
import { lodOptions } from '../optimize/options.js'
import type { ResolvedOptimizeOptions } from '../optimize/options.js'
import type { OptimizerPool } from '../optimize/pool.js'
import type { Store, StoredFile } from '../store/store.js'
import {
  cachedOptimized,
  type DerivedRecord,
  derivedKey,
  optimizeAndStore,
  type PendingSource,
  recordFetched,
} from './derive.js'
import type { LargestFirstGate } from './gate.js'

/** One LOD level beyond level 0: its own emitted GLB, pinned and cached like the optimized output. */
export interface LodRecord {
  key: string
  file: StoredFile
  triangles: number
  /** The simplifier's error, relative to the mesh size (0 = exact). */
  error: number
}

/** A level's lockfile pin. */
export interface LodPin {
  key: string
  sha256: string
  bytes: number
  /** The simplifier's error, pinned so a level served by the team store exports what a local build would. */
  error?: number
}

export interface LodContext {
  store: Store
  pool: () => Promise<OptimizerPool>
  entry: AssetEntry
  opts: ResolvedOptimizeOptions
  sourceSha256: string
  source: PendingSource
  gate: LargestFirstGate
  pins: readonly LodPin[] | undefined
  frozen: boolean
  /** The team store: verified bytes of a pinned blob, or `null` when it cannot serve them. */
  fetchPinned?: (pin: StoredFile, what: string) => Promise<Uint8Array | null>
  /** The configured lockfile, as messages name it. */
  lockfile?: string
}

/**
 * Levels 1… of `opts.lods`, from the cache when it holds them (and they match their pins), else made from the
 * source in the optimizer pool, all at once. The same rules as level 0: frozen mode needs a pin for the current
 * settings, and a recomputed level that differs from its pin is a security error.
 * Returns the records and whether anything had to be computed.
 */
export async function resolveLods(ctx: LodContext): Promise<{ lods: LodRecord[]; hit: boolean }> {
  const { entry, opts } = ctx
  let hit = true
  const lods = await Promise.all(
    opts.lods.map(async (_, i) => {
      const level = i + 1
      const levelOpts = lodOptions(opts, level)
      const key = derivedKey(ctx.sourceSha256, levelOpts)
      const pin = ctx.pins?.[i]
      if (ctx.frozen && pin?.key !== key) {
        throw errors.E_LOCK_MISSING('lod', { asset: entry.alias, level })
      }
      let record = await cachedOptimized(ctx.store, key, pin)
      if (!record && pin?.key === key) {
        record = await fetchLevel(ctx, pin, level)
        if (record) hit = false
      }
      if (!record) {
        hit = false
        record = await optimizeAndStore(
          ctx.store,
          await ctx.pool(),
          ctx.gate,
          key,
          ctx.source,
          levelOpts,
          `asset "${entry.alias}" LOD ${level}`,
        )
        assertLevelPin(entry, level, pin, key, record.sha256, ctx.lockfile)
      }
      const stats = record.stats as LevelStats
      return {
        key,
        file: { sha256: record.sha256, bytes: record.bytes },
        triangles: stats.triangles,
        error: stats.error,
      }
    }),
  )
  return { lods, hit }
}

/**
 * A pinned level from the team store, recorded in the cache like a local optimizer result, so a build needs
 * neither the source nor the optimizer. Only pins that carry the simplifier's error qualify (older lockfiles
 * lack it, and the module must export the same `error` as a local build).
 */
async function fetchLevel(ctx: LodContext, pin: LodPin, level: number): Promise<DerivedRecord | null> {
  if (!ctx.fetchPinned || pin.error === undefined) return null
  const bytes = await ctx.fetchPinned(pin, `LOD level ${level} of asset "${ctx.entry.alias}"`)
  return bytes ? recordFetched(ctx.store, await ctx.pool(), pin, bytes, { error: pin.error }) : null
}

/**
 * Verified bytes of one level: from the cache, else the team store, else recomputed (and checked against the
 * record) when the cache lost them.
 */
export async function lodBytes(ctx: LodContext, lod: LodRecord, level: number): Promise<Uint8Array> {
  const cached = await ctx.store.get(lod.file.sha256)
  if (cached) return cached
  const fetched = await ctx.fetchPinned?.(lod.file, `LOD level ${level} of asset "${ctx.entry.alias}"`)
  if (fetched) return fetched
  const redo = await optimizeAndStore(
    ctx.store,
    await ctx.pool(),
    ctx.gate,
    lod.key,
    ctx.source,
    lodOptions(ctx.opts, level),
    `asset "${ctx.entry.alias}" LOD ${level}`,
  )
  assertLevelPin(
    ctx.entry,
    level,
    { key: lod.key, sha256: lod.file.sha256, bytes: lod.file.bytes },
    lod.key,
    redo.sha256,
    ctx.lockfile,
  )
  return (await ctx.store.get(lod.file.sha256))!
}

function assertLevelPin(
  entry: AssetEntry,
  level: number,
  pin: LodPin | undefined,
  key: string,
  actual: string,
  lockfile?: string,
): void {
  if (!pin || pin.key !== key || pin.sha256 === actual) return
  const who = { asset: entry.alias, provider: entry.provider, task: entry.task }
  throw errors.E_INTEGRITY('lodMismatch', { ...who, level, lockfile, expected: pin.sha256, actual })
}
