import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import pLimit from 'p-limit'
import type { LimitFunction } from 'p-limit'
import { configuredFiles, errors } from '../catalogue/index.js'
import { isRodinError } from '../errors.js'
import { canonicalJson, readLockfile, updateLockfile } from '../manifest/lockfile.js'
import type { LockEntry, Lockfile } from '../manifest/lockfile.js'
import { loadManifest } from '../manifest/manifest.js'
import { notGeneratedError } from '../manifest/recipe.js'
import type { AssetEntry, Manifest } from '../manifest/manifest.js'
import { resolveOptimizeOptions } from '../optimize/options.js'
import type { ResolvedOptimizeOptions } from '../optimize/options.js'
import type { OptimizerPool } from '../optimize/pool.js'
import { sourceBytesInFlight, sourcesInFlight } from '../optimize/pool-size.js'
import type { ResolvedOptions } from '../options.js'
import { extensionOf, pickPreview, pickPrimary } from '../manifest/files.js'
import type { ProviderFile, WaitOptions } from '../providers/index.js'
import { Store } from '../store/store.js'
import type { GcKeep, StoredFile, VouchedFile } from '../store/store.js'
import { VERIFIED_RECORD_KEY } from '../store/verified.js'
import { listSome } from '../util/list.js'
import { budgetError, checkBudget, describeOverruns } from './budget.js'
import type { BudgetMeasured } from './budget.js'
import { cachedOptimized, derivedKey, modelStats, optimizeAndStore, recordFetched } from './derive.js'
import { lodBytes, resolveLods } from './lods.js'
import type { LodContext, LodRecord } from './lods.js'
import type { DerivedRecord, PendingSource } from './derive.js'
import { LargestFirstGate } from './gate.js'
import { assetState, cachedAsset, lockCovers, pinFor, pinnedBlobs, reachable } from './inventory.js'
import type { AssetState, CachedAsset, PinnedBlob } from './inventory.js'
import { createNet } from './net.js'
import { parsedKey, storeParseMemo } from './parse-memo.js'
import type { ParseMemo } from '../manifest/parse-memo.js'
import type { Net } from './net.js'
import { RemoteLink } from './remote.js'
import { reloadChangedIds } from './reload.js'
import { assertPinnedFile, expectedFiles, fetchSource, missingFiles } from './source.js'

/** Everything known about one manifest asset after the pipeline ran. */
export interface AssetRecord {
  entry: AssetEntry
  files: Record<string, StoredFile>
  primary: string
  preview: string | null
  /** The optimized primary, when it is a GLB and optimization is on. */
  optimized: {
    key: string
    file: StoredFile
    stats: import('../meta.js').ModelStats
    /** LOD levels 1… (`optimize.lods`), empty when there are none. */
    lods: LodRecord[]
  } | null
  /** True when nothing had to be downloaded or optimized. */
  hit: boolean
  /** Time this asset took, less its wait for an optimizer slot (a cold build of many models queues them). */
  ms: number
}

/** One change `Pipeline.lock()` made to the lockfile. */
export interface LockChange {
  alias: string
  /** `locked`: newly pinned; `updated`: its pin changed; `removed`: no longer in the manifest. */
  change: 'locked' | 'updated' | 'removed'
  /** The primary file, for `locked` and `updated`. */
  primary?: string
}

export interface PipelineLogger {
  info: (message: string) => void
  warn: (message: string) => void
  /** What the optimizer did to each model (`logLevel: 'debug'`); when absent, the optimizer collects nothing. */
  debug?: (message: string) => void
}

const SILENT: PipelineLogger = { info() {}, warn() {} }

/**
 * manifest entry → lock check → store hit? → provider → download → store → optimize → AssetRecord.
 * Bundler-agnostic: the plugin, the CLI and the demo all drive this class.
 */
export class Pipeline {
  readonly store: Store
  /** Validated manifest and lockfile data by text (`memoize`): a build whose files did not change never loads
   * zod. */
  private readonly parseMemo?: ParseMemo
  /** The team store (`remote`); never set in mode "offline". */
  readonly remote: RemoteLink | null
  /** Also bring every pinned source file into the cache (`rodin-assets pull`), not only what a build needs. */
  completeCache = false
  private manifest?: Promise<Manifest>
  private lockfile?: Promise<Lockfile | null>
  private inflight = new Map<string, Promise<AssetRecord>>()
  /** Cached outputs looked up since the last invalidation, by derived key and pin: offline preflight and then
   * resolve() ask the same question of every asset, and each answer reads and checks a signed record. */
  private outputs = new Map<string, Promise<DerivedRecord | null>>()
  private net?: Promise<Net>
  private pool?: OptimizerPool
  /** Sources waiting for the optimizer are read only when their turn comes (see LargestFirstGate). */
  private readonly gate = new LargestFirstGate(
    sourcesInFlight(availableParallelism()),
    sourceBytesInFlight(availableParallelism()),
  )
  private poolModule?: Promise<typeof import('../optimize/pool.js')>
  private readonly limit: LimitFunction
  private coldWarned = false
  onAsset?: (record: AssetRecord) => void
  /** Aliases whose pins are replaced by whatever the provider serves now (`rodin-assets lock --update`). */
  readonly acceptChanges = new Set<string>()

  /**
   * `memoize`: keep the validated manifest and lockfile (see ParseMemo) and what the store hashed (see
   * VerifiedFiles) in signed records. For bundler builds, which start often and serve the same files again; a
   * CLI command runs once, and `gc --dry-run` writes nothing.
   */
  constructor(
    readonly options: ResolvedOptions,
    readonly log: PipelineLogger = SILENT,
    { memoize = false }: { memoize?: boolean } = {},
  ) {
    this.store = new Store(options.cacheDir, { rememberVerified: memoize })
    if (memoize) this.parseMemo = storeParseMemo(this.store)
    this.limit = pLimit(options.concurrency)
    this.remote =
      options.remote && options.mode !== 'offline'
        ? new RemoteLink(options.remote, this.store, log, options.concurrency)
        : null
  }

  getManifest(): Promise<Manifest> {
    this.manifest ??= loadManifest(this.options.manifestPath, this.parseMemo)
    return this.manifest
  }

  getLockfile(): Promise<Lockfile | null> {
    this.lockfile ??= this.options.lockfilePath
      ? readLockfile(this.options.lockfilePath, this.parseMemo)
      : Promise.resolve(null)
    return this.lockfile
  }

  /** Forget memoized manifest, lockfile and records (a new build, or a watched file changed). */
  invalidate(): void {
    this.manifest = undefined
    this.lockfile = undefined
    this.inflight.clear()
    this.outputs.clear()
  }

  /** Re-read manifest and lockfile, but forget the records of only these aliases (dev server: a watched file changed). */
  invalidateAliases(aliases: Iterable<string>): void {
    this.manifest = undefined
    this.lockfile = undefined
    for (const alias of aliases) this.inflight.delete(alias)
    this.outputs.clear()
  }

  /**
   * After the manifest or the lockfile changed on disk (dev server): re-reads both, forgets the records of only
   * the assets whose inputs changed, and returns their import ids. `settled` waits for the resolutions in
   * flight, which may be writing pins themselves.
   */
  reload(settled: () => Promise<unknown> = async () => {}): Promise<Set<string>> {
    return reloadChangedIds(this, settled)
  }

  /** What the lockfile and the cache hold for each manifest asset: no request, download or optimizer run. */
  async status(): Promise<AssetState[]> {
    const lock = await this.getLockfile()
    const states: AssetState[] = []
    for (const entry of (await this.getManifest()).entries) states.push(await assetState(this.store, lock, entry))
    return states
  }

  /** The lock entry a build uses for `entry`: a pin of the same provider and task, else none. */
  async pinned(entry: AssetEntry): Promise<LockEntry | undefined> {
    return pinFor(await this.getLockfile(), entry)
  }

  /** Every blob the lockfile pins (`verify`, `push`), or `null` when there is no lockfile. */
  async pins(): Promise<PinnedBlob[] | null> {
    const lock = await this.getLockfile()
    return lock ? pinnedBlobs(lock) : null
  }

  /** An asset as the cache alone serves it now, or `null` when it is not built there (see `status()`). */
  cached(state: AssetState): Promise<CachedAsset | null> {
    return cachedAsset(this, state)
  }

  /** Every cache entry the manifest reaches through the pins and records a build would use (what gc keeps). */
  async reachable(): Promise<GcKeep> {
    const keep = await reachable(this, await this.getLockfile(), (await this.getManifest()).entries)
    // The builds' memos: the current manifest and lockfile, and what the store verified (without them the next
    // build validates and hashes again).
    const memoKeys = await Promise.all([
      readFile(this.options.manifestPath, 'utf8').then(t => parsedKey('manifest', t)),
      this.options.lockfilePath &&
        readFile(this.options.lockfilePath, 'utf8').then(
          t => parsedKey('lockfile', t),
          () => undefined,
        ),
    ])
    const memos = [VERIFIED_RECORD_KEY, ...memoKeys.filter(k => typeof k === 'string')]
    return { ...keep, derived: new Set([...keep.derived, ...memos]) }
  }

  /**
   * Pins every manifest asset (fetching what the cache lacks) and drops the pins of assets no longer in the
   * manifest; the pins of `accept`ed aliases take whatever the provider serves now. Reports each change as it
   * is made; returns how many assets the lockfile pins. Without a lockfile path nothing is written.
   */
  async lock(opts: { accept?: Iterable<string>; onChange?: (change: LockChange) => void } = {}): Promise<number> {
    for (const alias of opts.accept ?? []) this.acceptChanges.add(alias)
    const manifest = await this.getManifest()
    const before = structuredClone((await this.getLockfile())?.assets ?? {})
    for (const entry of manifest.entries) {
      const { alias } = entry
      const { primary } = await this.asset(entry)
      if (!before[alias]) opts.onChange?.({ alias, change: 'locked', primary })
      else if (canonicalJson(before[alias]) !== canonicalJson((await this.getLockfile())?.assets[alias]))
        opts.onChange?.({ alias, change: 'updated', primary })
    }
    const { lockfilePath } = this.options
    if (!lockfilePath) return 0
    const written = await updateLockfile(lockfilePath, lock => {
      for (const alias of Object.keys(lock.assets)) if (!manifest.byAlias.has(alias)) delete lock.assets[alias]
    })
    this.lockfile = Promise.resolve(written)
    for (const alias of Object.keys(before))
      if (!manifest.byAlias.has(alias)) opts.onChange?.({ alias, change: 'removed' })
    return Object.keys(written.assets).length
  }

  /** Resolved optimize settings of an entry: the entry's, else the manifest's, else the plugin option's. */
  optimizeFor(entry: AssetEntry): ResolvedOptimizeOptions | null {
    const setting = entry.optimize ?? this.options.optimize
    return resolveOptimizeOptions(setting as Parameters<typeof resolveOptimizeOptions>[0], `asset "${entry.alias}"`)
  }

  /** Mode checks that look at the whole manifest at once, so one error names every problem. */
  async preflight(): Promise<void> {
    const manifest = await this.getManifest()
    for (const entry of manifest.entries) this.optimizeFor(entry) // eager E_CONFIG for bad optimize settings
    const { mode, lockfilePath } = this.options
    // frozen and offline must serve every entry, so a recipe without a task fails the whole build up front.
    const recipe = mode !== 'auto' && manifest.entries.find(e => e.notGenerated)
    if (recipe) throw notGeneratedError(recipe, configuredFiles(this.options))
    if (mode === 'frozen') {
      if (!lockfilePath) throw errors.E_CONFIG('frozenWithoutLockfile', {})
      const lock = await this.getLockfile()
      const missing = manifest.entries.filter(e => !lockCovers(lock?.assets[e.alias], e))
      if (missing.length > 0) {
        const pins = listSome(missing.map(e => `"${e.alias}"`))
        throw errors.E_LOCK_MISSING('assets', { asset: missing[0]?.alias, lockfile: lockfilePath, missing: pins })
      }
    }
    if (mode === 'offline') {
      // Each check reads small files (a record, the output's content entry): all at once, so a warm build waits
      // for the slowest, not for their sum.
      const gaps = await Promise.all(manifest.entries.map(entry => this.offlineGap(entry)))
      const missing = manifest.entries.flatMap((entry, i) => (gaps[i] ? [`"${entry.alias}" (${gaps[i]})`] : []))
      if (missing.length > 0) {
        throw errors.E_OFFLINE_MISS('cacheLacks', {
          asset: manifest.entries.find((_, i) => gaps[i])?.alias,
          cacheDir: this.options.cacheDir,
          missing: listSome(missing),
        })
      }
    }
  }

  /** Resolves one entry (de-duplicated while in flight and memoized until `invalidate()`). */
  asset(entry: AssetEntry): Promise<AssetRecord> {
    let pending = this.inflight.get(entry.alias)
    if (!pending) {
      pending = this.resolve(entry)
      pending.catch(() => this.inflight.delete(entry.alias)) // a failed asset is retried by the next build
      this.inflight.set(entry.alias, pending)
    }
    return pending
  }

  /** Verified bytes of a source file; refetched when the cache lost or damaged it (never in offline mode). */
  async sourceBytes(record: Pick<AssetRecord, 'entry' | 'files'>, name: string): Promise<Uint8Array> {
    const file = Object.hasOwn(record.files, name) ? record.files[name] : undefined
    if (!file)
      throw errors.E_NO_FILE('stored', {
        asset: record.entry.alias,
        file: name,
        has: listSome(Object.keys(record.files)),
      })
    const cached = await this.store.get(file.sha256)
    if (cached) return cached
    const locked = (await this.getLockfile())?.assets[record.entry.alias]
    const pin = lockCovers(locked, record.entry) ? locked.files[name] : undefined
    if (pin?.sha256 === file.sha256) {
      const remote = await this.remote?.fetch(pin, `${name} of asset "${record.entry.alias}"`)
      if (remote) return remote
    }
    const { files } = await this.refetch(record.entry, locked, [name])
    const got = files[name]!
    assertPinnedFile(record.entry, name, file, got, configuredFiles(this.options).lockfile)
    const data = await this.store.get(got.sha256)
    if (!data)
      throw errors.E_INTEGRITY('unreadable', { asset: record.entry.alias, file: name, cacheDir: this.options.cacheDir })
    this.remote?.upload(file)
    return data
  }

  /** A source file for the optimizer: read when its job starts, by the worker itself when the store holds it. */
  private pendingSource(record: Pick<AssetRecord, 'entry' | 'files'>, name: string): PendingSource {
    return {
      bytes: record.files[name]!.bytes,
      read: () => this.sourceBytes(record, name),
      file: () => this.sourceFile(record.files, name),
    }
  }

  /** The local store's copy of a source file, vouched for; `null` when it is missing or damaged. */
  private sourceFile(files: AssetRecord['files'], name: string): Promise<VouchedFile | null> {
    const file = files[name]!
    return this.store.vouch(file.sha256, file.bytes)
  }

  /**
   * Adds a task file beyond the primary and the preview (a `rodin:<x>/<file>` import) to the record: builds
   * download only what an asset needs, so other files are fetched on first use, then cached and pinned.
   */
  async addFile(record: AssetRecord, name: string): Promise<AssetRecord> {
    if (Object.hasOwn(record.files, name)) return record
    const { entry } = record
    const lock = await this.getLockfile()
    const locked = lockCovers(lock?.assets[entry.alias], entry) ? lock!.assets[entry.alias] : undefined
    if (this.options.mode === 'frozen' && !locked?.files[name]) {
      const { lockfile } = configuredFiles(this.options)
      const who = { asset: entry.alias, provider: entry.provider, task: entry.task }
      throw errors.E_LOCK_MISSING('file', { ...who, file: name, ...(lockfile ? { lockfile } : {}) })
    }
    const { files } = await this.refetch(entry, locked, [name])
    const merged = Object.entries({ ...record.files, ...files }).sort(([a], [b]) => (a < b ? -1 : 1))
    record.files = Object.assign(Object.create(null), Object.fromEntries(merged))
    if (this.options.mode === 'auto' && this.options.lockfilePath) await this.pin(record, locked)
    return record
  }

  /** Verified bytes of the optimized primary; recomputed (and checked against its pin) when the cache lost them. */
  async optimizedBytes(record: AssetRecord): Promise<Uint8Array> {
    const o = record.optimized
    if (!o) throw errors.E_NO_FILE('noOutput', { asset: record.entry.alias })
    const cached = await this.store.get(o.file.sha256)
    if (cached) return cached
    const pinned = (await this.getLockfile())?.assets[record.entry.alias]?.optimized
    if (pinned?.key === o.key && pinned.sha256 === o.file.sha256) {
      const remote = await this.remote?.fetch(pinned, `the optimized output of asset "${record.entry.alias}"`)
      if (remote) return remote
    }
    const redo = await optimizeAndStore(
      this.store,
      await this.getPool(),
      this.gate,
      o.key,
      this.pendingSource(record, record.primary),
      this.optimizeFor(record.entry)!,
      `asset "${record.entry.alias}" (${record.primary})`,
    )
    if (redo.sha256 !== o.file.sha256) {
      throw errors.E_INTEGRITY('outputUnstable', {
        asset: record.entry.alias,
        expected: o.file.sha256,
        actual: redo.sha256,
      })
    }
    this.remote?.upload(o.file)
    return (await this.store.get(o.file.sha256))!
  }

  /** Verified bytes of LOD level `level` (1…); recomputed (and checked against its pin) when the cache lost them. */
  async lodBytes(record: AssetRecord, level: number): Promise<Uint8Array> {
    const lod = record.optimized?.lods[level - 1]
    if (!lod) throw errors.E_NO_FILE('noLod', { asset: record.entry.alias, level })
    return lodBytes(this.lodContext(record, this.optimizeFor(record.entry)!), lod, level)
  }

  private lodContext(
    record: Pick<AssetRecord, 'entry' | 'files' | 'primary'>,
    opts: ResolvedOptimizeOptions,
    pins?: LodContext['pins'],
  ): LodContext {
    return {
      store: this.store,
      pool: () => this.getPool(),
      entry: record.entry,
      opts,
      sourceSha256: record.files[record.primary]!.sha256,
      source: this.pendingSource(record, record.primary),
      gate: this.gate,
      pins,
      frozen: this.options.mode === 'frozen',
      fetchPinned: this.remote ? (pin, what) => this.remote!.fetch(pin, what) : undefined,
      lockfile: configuredFiles(this.options).lockfile,
    }
  }

  /** Asks the provider for the task's current files (the CLI's `status`); `wait` overrides the option. */
  async listRemote(entry: AssetEntry, wait?: Partial<WaitOptions>): Promise<ProviderFile[]> {
    this.net ??= createNet(this.options, m => this.log.warn(m))
    return (await this.net).listFiles(entry, wait)
  }

  /** Optimizer jobs of this pipeline: running (source read) and waiting (source not read yet). */
  get optimizerQueue(): { running: number; waiting: number } {
    return { running: this.gate.running, waiting: this.gate.pending }
  }

  getPool(): Promise<OptimizerPool> {
    this.poolModule ??= import('../optimize/pool.js')
    return this.poolModule.then(m => {
      this.pool ??= m.createOptimizerPool({ debug: this.log.debug?.bind(this.log) })
      return this.pool
    })
  }

  async close(): Promise<void> {
    await this.store.flush()
    await this.remote?.close()
    await this.pool?.close()
    this.pool = undefined
    const net = await this.net?.catch(() => undefined)
    await net?.close()
    this.net = undefined
  }

  /** The cached optimized output of an entry's GLB primary, if this store has it intact (else null). */
  private async cachedOutput(
    entry: AssetEntry,
    files: Record<string, StoredFile>,
    locked: LockEntry | undefined,
  ): Promise<DerivedRecord | null> {
    const primary = locked?.primary ?? pickPrimary(entry, Object.keys(files))
    const opts = extensionOf(primary) === '.glb' ? this.optimizeFor(entry) : null
    if (!opts || !files[primary]) return null
    const key = derivedKey(files[primary].sha256, opts)
    if (locked?.optimized && locked.optimized.key !== key) return null
    const asked = `${key}:${locked?.optimized?.sha256 ?? ''}`
    let found = this.outputs.get(asked)
    if (!found) this.outputs.set(asked, (found = cachedOptimized(this.store, key, locked?.optimized)))
    return found
  }

  private async resolve(entry: AssetEntry): Promise<AssetRecord> {
    if (entry.notGenerated) throw notGeneratedError(entry, configuredFiles(this.options))
    const started = Date.now()
    const lock = await this.getLockfile()
    const accepting = this.acceptChanges.has(entry.alias)
    const locked = !accepting && lockCovers(lock?.assets[entry.alias], entry) ? lock!.assets[entry.alias] : undefined
    if (this.options.mode === 'frozen' && !locked) {
      const { lockfile } = configuredFiles(this.options)
      const who = { asset: entry.alias, provider: entry.provider, task: entry.task }
      throw errors.E_LOCK_MISSING('asset', { ...who, ...(lockfile ? { lockfile } : {}) })
    }
    let hit = true
    let files = accepting ? null : await expectedFiles(this.store, entry, locked)
    const teamOptimized = locked && !this.completeCache ? await this.optimizedFromRemote(entry, locked) : null
    // A warm build reads no source: with the optimized output cached, sources are checked (and recovered) only
    // when something reads them (sourceBytes), so 70 MB of originals are not re-hashed to emit 5 MB.
    const cachedOutput = files && !teamOptimized ? await this.cachedOutput(entry, files, locked) : null
    const missing = files && !teamOptimized && !cachedOutput ? await missingFiles(this.store, files) : []
    if (!files || missing.length > 0) {
      hit = false
      // Pinned files the team store has need no provider; the provider is asked for the rest only.
      const rest = files && locked ? await this.sourcesFromRemote(entry, locked, missing) : missing
      if (!files || rest.length > 0) {
        const partly = locked && files && rest.length < missing.length
        const fetched = await this.refetch(entry, locked, partly ? rest : undefined)
        files = partly ? locked.files : fetched.files
        for (const f of Object.values(fetched.files)) this.remote?.upload(f)
      }
    }
    if (teamOptimized?.fetched) hit = false
    const names = Object.keys(files)
    const primary = locked?.primary ?? pickPrimary(entry, names)
    const opts = extensionOf(primary) === '.glb' ? this.optimizeFor(entry) : null
    let optimized: AssetRecord['optimized'] = null
    let waited = 0
    if (opts) {
      const key = derivedKey(files[primary]!.sha256, opts)
      const pinned = locked?.optimized
      if (this.options.mode === 'frozen' && pinned?.key !== key) {
        throw errors.E_LOCK_MISSING('output', { asset: entry.alias })
      }
      let record = teamOptimized?.record ?? cachedOutput ?? (await cachedOptimized(this.store, key, pinned))
      if (!record && pinned?.key === key) {
        record = await this.fetchOptimized(entry, pinned)
        if (record) hit = false
      }
      if (!record) {
        hit = false
        const queued = Date.now()
        const source = files
        record = await optimizeAndStore(
          this.store,
          await this.getPool(),
          this.gate,
          key,
          {
            ...this.pendingSource({ entry, files: source }, primary),
            // the gate lets the job start: what came before was waiting for a slot
            file: () => {
              waited = Date.now() - queued
              return this.sourceFile(source, primary)
            },
          },
          opts,
          `asset "${entry.alias}" (${primary})`,
          // a model without a preview shows its dominant colour: the worker makes it from the output it has
          { placeholder: pickPreview(names, primary) === null },
        )
        if (pinned && pinned.key === key && pinned.sha256 !== record.sha256) {
          throw errors.E_INTEGRITY('outputMismatch', {
            lockfile: configuredFiles(this.options).lockfile,
            asset: entry.alias,
            provider: entry.provider,
            task: entry.task,
            file: primary,
            expected: pinned.sha256,
            actual: record.sha256,
          })
        }
        this.remote?.upload(record)
      }
      const lods = await resolveLods(this.lodContext({ entry, files, primary }, opts, pinned?.lods))
      if (!lods.hit) hit = false
      for (const lod of lods.lods) this.remote?.upload(lod.file)
      optimized = { key, file: { sha256: record.sha256, bytes: record.bytes }, stats: record.stats, lods: lods.lods }
    }
    const result: AssetRecord = {
      entry,
      files,
      primary,
      preview: pickPreview(names, primary),
      optimized,
      hit,
      ms: Date.now() - started - waited,
    }
    if (this.options.mode === 'auto' && this.options.lockfilePath) await this.pin(result, locked)
    await this.enforceBudget(result, opts)
    this.onAsset?.(result)
    return result
  }

  /** What the budget measures for a record: the emitted file's bytes, and for models triangles and gpuBytes. */
  async measure(record: Pick<AssetRecord, 'entry' | 'files' | 'primary' | 'optimized'>): Promise<BudgetMeasured> {
    if (record.optimized) {
      const { stats, file } = record.optimized
      return { bytes: file.bytes, triangles: stats.triangles, gpuBytes: stats.gpuBytes }
    }
    const source = record.files[record.primary]!
    if (extensionOf(record.primary) !== '.glb') return { bytes: source.bytes }
    const stats = await modelStats(
      this.store,
      () => this.getPool(),
      source,
      () => this.sourceBytes(record, record.primary),
    )
    return { bytes: source.bytes, triangles: stats.triangles, gpuBytes: stats.gpuBytes }
  }

  /** Over budget: `E_BUDGET` in mode "frozen" or when CI is set, one warning otherwise. */
  private async enforceBudget(record: AssetRecord, opts: ResolvedOptimizeOptions | null): Promise<void> {
    const { budget, alias } = record.entry
    if (!budget) return
    const overruns = checkBudget(budget, await this.measure(record), opts)
    if (overruns.length === 0) return
    if (this.options.mode === 'frozen' || this.options.ci) throw budgetError(alias, overruns)
    this.log.warn(describeOverruns(alias, overruns))
  }

  /**
   * With a team store, the optimized blob alone serves a build when the lockfile pins it for the current
   * optimize settings: no source download, no optimizer run, no provider request.
   */
  private async optimizedFromRemote(
    entry: AssetEntry,
    locked: LockEntry,
  ): Promise<{ record: DerivedRecord; fetched: boolean } | null> {
    const pinned = locked.optimized
    const source = locked.files[locked.primary]
    if (!this.remote || !pinned || !source || extensionOf(locked.primary) !== '.glb') return null
    const opts = this.optimizeFor(entry)
    if (!opts || derivedKey(source.sha256, opts) !== pinned.key) return null
    const local = await cachedOptimized(this.store, pinned.key, pinned)
    if (local) return { record: local, fetched: false }
    const record = await this.fetchOptimized(entry, pinned)
    return record ? { record, fetched: true } : null
  }

  /** The pinned optimized blob from the team store, recorded in the cache like a local optimizer result. */
  private async fetchOptimized(entry: AssetEntry, pinned: NonNullable<LockEntry['optimized']>) {
    const bytes = await this.remote?.fetch(pinned, `the optimized output of asset "${entry.alias}"`)
    return bytes ? recordFetched(this.store, await this.getPool(), pinned, bytes) : null
  }

  /** Fetches missing pinned source files from the team store; returns the names it could not serve. */
  private async sourcesFromRemote(entry: AssetEntry, locked: LockEntry, missing: string[]): Promise<string[]> {
    const remote = this.remote
    if (!remote) return missing
    const served = await Promise.all(
      missing.map(name =>
        this.limit(async () => {
          const pin = locked.files[name]
          return !!pin && !!(await remote.fetch(pin, `${name} of asset "${entry.alias}"`))
        }),
      ),
    )
    return missing.filter((_, i) => !served[i])
  }

  private async refetch(entry: AssetEntry, locked: LockEntry | undefined, only?: string[]) {
    if (this.options.mode === 'offline') {
      const who = { asset: entry.alias, provider: entry.provider, task: entry.task }
      throw errors.E_OFFLINE_MISS('asset', { ...who, cacheDir: this.options.cacheDir })
    }
    if (process.env.CI && !this.coldWarned) {
      this.coldWarned = true
      this.log.warn(
        `cache miss in CI: downloading from the provider. Persist ${this.options.cacheDir} between CI runs (key it on the lockfile's hash) to make builds offline and fast.`,
      )
    }
    this.net ??= createNet(this.options, m => this.log.warn(m))
    try {
      const { lockfile } = configuredFiles(this.options)
      return await fetchSource({
        store: this.store,
        net: await this.net,
        limit: this.limit,
        entry,
        locked,
        only,
        lockfile,
      })
    } catch (err) {
      const failure = this.remote?.failure
      if (!failure || !isRodinError(err, 'E_AUTH')) throw err
      // One error that lists every asset the cache cannot serve, not one failure per asset.
      const gaps = await this.localGaps()
      throw errors.E_REMOTE('noFallback', {
        asset: entry.alias,
        provider: entry.provider,
        task: entry.task,
        missing: gaps.map(a => `"${a}"`).join(', '),
        reason: failure.message.replace(/^\[unplugin-rodin\] E_REMOTE: /, ''),
        cause: err,
      })
    }
  }

  private async pin(record: AssetRecord, locked: LockEntry | undefined): Promise<void> {
    const next: LockEntry = {
      provider: record.entry.provider,
      task: record.entry.task,
      primary: record.primary,
      files: record.files,
      ...(record.optimized ? { optimized: optimizedPin(record.optimized) } : {}),
    }
    if (locked && canonicalJson(locked) === canonicalJson(next)) return
    const alias = record.entry.alias
    const written = await updateLockfile(this.options.lockfilePath!, lock => {
      lock.assets[alias] = next
    })
    this.lockfile = Promise.resolve(written)
  }

  /** Aliases that the local cache alone cannot serve (a pinned optimized output counts as serving). */
  private async localGaps(): Promise<string[]> {
    const lock = await this.getLockfile()
    const gaps: string[] = []
    for (const entry of (await this.getManifest()).entries) {
      const pinned = lock?.assets[entry.alias]?.optimized
      if (pinned && (await cachedOptimized(this.store, pinned.key, pinned))) continue
      if (await this.offlineGap(entry)) gaps.push(entry.alias)
    }
    return gaps
  }

  /** Why an entry cannot be served from the cache alone, or `null` when it can. */
  private async offlineGap(entry: AssetEntry): Promise<string | null> {
    const lock = await this.getLockfile()
    const locked = lockCovers(lock?.assets[entry.alias], entry) ? lock!.assets[entry.alias] : undefined
    // With its optimized output cached, a build reads only the preview it emits (see resolve()).
    if (locked && (await this.cachedOutput(entry, locked.files, locked))) {
      const preview = pickPreview(Object.keys(locked.files), locked.primary)
      const missing = preview ? await missingFiles(this.store, { [preview]: locked.files[preview]! }) : []
      return missing.length > 0 ? `missing ${listSome(missing)}` : null
    }
    const { files, missing } = await assetState(this.store, lock, entry)
    if (!files) return 'never fetched'
    // A missing optimized output is fine: optimizing opens no socket.
    return missing.length > 0 ? `missing ${listSome(missing)}` : null
  }
}

function optimizedPin(o: NonNullable<AssetRecord['optimized']>): NonNullable<LockEntry['optimized']> {
  const pin = { key: o.key, ...o.file }
  return o.lods.length === 0 ? pin : { ...pin, lods: o.lods.map(l => ({ key: l.key, ...l.file, error: l.error })) }
}
