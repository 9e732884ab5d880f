import type { ImageStats, ModelStats } from '../meta.js'
import type { ResolvedOptimizeOptions } from '../optimize/options.js'
import type { OptimizeExtras, OptimizerPool } from '../optimize/pool.js'
import { KTX2_ENCODER_VERSION, TOOL_VERSIONS } from '../optimize/versions.js'
import { isRodinError } from '../errors.js'
import type { Store, StoredFile, VouchedFile } from '../store/store.js'
import { versionedKey } from '../store/store.js'
import { failpoint } from '../util/failpoint.js'
import type { LargestFirstGate } from './gate.js'

export interface DerivedRecord {
  sha256: string
  bytes: number
  stats: ModelStats
}

interface StatsRecord<T> {
  stats: T
}

/** The derived-cache key: what went in (source bytes), how (resolved options) and with which tools. */
export function derivedKey(
  sourceSha256: string,
  what: ResolvedOptimizeOptions | 'inspect' | 'image' | 'placeholder-image' | 'placeholder-model',
): string {
  // `lods` only adds outputs (each level is keyed by its own `level`): level 0 keeps the key it had without it.
  const keyed = typeof what === 'string' ? what : { ...what, lods: undefined }
  const tools =
    typeof what !== 'string' && what.textureFormat === 'ktx2'
      ? { ...TOOL_VERSIONS, 'ktx2-encoder': KTX2_ENCODER_VERSION }
      : TOOL_VERSIONS
  return versionedKey({ source: sourceSha256, what: keyed, tools })
}

/**
 * A usable derived entry for `key`: the record exists, its bytes are in the store, and it is either the
 * output the lockfile pins for the same key or (unpinned) a record this store signed. A restored cache is
 * untrusted, so anything else is a miss to recompute.
 */
export async function cachedOptimized(
  store: Store,
  key: string,
  pinned?: { key: string; sha256: string },
): Promise<DerivedRecord | null> {
  const found = await store.readRecord<DerivedRecord>('derived', key)
  const record = found?.value
  // Records written before `gpuBytes` existed lack it: recompute (same bytes) rather than emit partial meta.
  if (!record || typeof record.sha256 !== 'string' || typeof record.stats?.gpuBytes !== 'number') return null
  const vouched = pinned?.key === key
  if (vouched && pinned.sha256 !== record.sha256) return null
  // Unpinned, only a record this store signed may choose the bytes (a restored cache's may not).
  if (!vouched && !found.authentic) return null
  return (await store.has(record.sha256, record.bytes)) ? record : null
}

/** A source the optimizer reads only when its turn comes: its size (for the order) and how to read it. */
export interface PendingSource {
  bytes: number
  read: () => Promise<Uint8Array>
  /**
   * The source as a file of the local store, vouched for, or `null` when the store does not hold it intact:
   * the worker reads such a file itself, so the build process never holds the bytes.
   */
  file?: () => Promise<VouchedFile | null>
}

/**
 * Optimizes a source and stores the output. The source is read only once the gate lets the job run, so
 * waiting jobs hold no bytes; a job for the same key already under way is joined, not repeated.
 */
export async function optimizeAndStore(
  store: Store,
  pool: OptimizerPool,
  gate: LargestFirstGate,
  key: string,
  source: PendingSource,
  options: ResolvedOptimizeOptions,
  label: string,
  extra?: OptimizeExtras,
): Promise<DerivedRecord> {
  return gate.run(
    source.bytes,
    async () => {
      const { bytes, stats, placeholder } = await optimizeSource(pool, source, options, label, extra)
      failpoint('after-optimize')
      const file: StoredFile = await store.put(bytes)
      const record: DerivedRecord = { ...file, stats }
      await store.writeJson('derived', key, record)
      // Recorded where placeholderOf looks for the output's placeholder, which then never computes it here.
      if (placeholder) await store.writeJson('derived', derivedKey(file.sha256, 'placeholder-model'), { placeholder })
      return record
    },
    key,
  )
}

/**
 * By path when the store holds the source intact; by bytes otherwise, or when the file changed between the
 * store's check and the worker's read (`E_INTEGRITY`): `read()` then refetches what the cache lost.
 */
async function optimizeSource(
  pool: OptimizerPool,
  source: PendingSource,
  options: ResolvedOptimizeOptions,
  label: string,
  extra?: OptimizeExtras,
): Promise<Awaited<ReturnType<OptimizerPool['optimize']>>> {
  const file = await source.file?.()
  if (file) {
    try {
      return await pool.optimize(file, options, label, extra)
    } catch (err) {
      if (!isRodinError(err) || err.code !== 'E_INTEGRITY') throw err
    }
  }
  return pool.optimize(await source.read(), options, label, extra)
}

/**
 * A pinned output the team store served (already checked against its pin), recorded in the cache like a local
 * optimizer result. Stats are not pinned: the optimizer derives them by inspecting its output, and so does
 * this, plus what the pin itself carries (`extra`, e.g. a LOD level's simplifier error).
 */
export async function recordFetched(
  store: Store,
  pool: OptimizerPool,
  pin: { key: string; sha256: string; bytes: number },
  bytes: Uint8Array,
  extra: Record<string, unknown> = {},
): Promise<DerivedRecord> {
  const record: DerivedRecord = {
    sha256: pin.sha256,
    bytes: pin.bytes,
    stats: { ...(await pool.inspect(bytes)), ...extra },
  }
  await store.writeJson('derived', pin.key, record)
  return record
}

/** Model stats of an unoptimized GLB, cached like an optimized output. */
export async function modelStats(
  store: Store,
  pool: () => Promise<OptimizerPool>,
  source: StoredFile,
  read: () => Promise<Uint8Array>,
): Promise<ModelStats> {
  const key = derivedKey(source.sha256, 'inspect')
  const cached = await store.readJson<StatsRecord<ModelStats>>('derived', key)
  if (typeof cached?.stats?.gpuBytes === 'number') return cached.stats
  const stats = await (await pool()).inspect(await read())
  await store.writeJson('derived', key, { stats })
  return stats
}

/** Width, height and format of an image (sharp is loaded on a miss only). */
export async function imageStats(
  store: Store,
  source: StoredFile,
  read: () => Promise<Uint8Array>,
): Promise<ImageStats> {
  const key = derivedKey(source.sha256, 'image')
  const cached = await store.readJson<StatsRecord<ImageStats>>('derived', key)
  if (cached?.stats) return cached.stats
  const { default: sharp } = await import('sharp')
  const m = await sharp(await read()).metadata()
  const stats: ImageStats = { width: m.width ?? 0, height: m.height ?? 0, format: m.format ?? 'unknown' }
  await store.writeJson('derived', key, { stats })
  return stats
}

/**
 * The `placeholder` data URI of a module: from an image (the provider's preview, or the image asset itself),
 * or from a model's dominant base colour. Cached by the bytes it is made from; sharp and glTF-Transform load
 * on a miss only.
 */
export async function placeholderOf(
  store: Store,
  from: 'image' | 'model',
  source: StoredFile,
  read: () => Promise<Uint8Array>,
): Promise<string> {
  const key = derivedKey(source.sha256, `placeholder-${from}`)
  const cached = await store.readJson<{ placeholder?: unknown }>('derived', key)
  if (typeof cached?.placeholder === 'string') return cached.placeholder
  const { imagePlaceholder, modelPlaceholder } = await import('../optimize/placeholder.js')
  const placeholder = from === 'image' ? await imagePlaceholder(await read()) : await modelPlaceholder(await read())
  await store.writeJson('derived', key, { placeholder })
  return placeholder
}
