import { createHash, randomBytes } from 'node:crypto'
import { constants, realpathSync, rmSync } from 'node:fs'
import type { Stats } from 'node:fs'
import { access, mkdir, mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { errors } from '../catalogue/index.js'
import { writeFileAtomic } from '../util/atomic.js'
import { sha256Hex } from '../util/hash.js'
import { collect } from './gc.js'
import { loadRecordKey, macMatches, recordKeyDir, recordMac } from './record-key.js'
import type { GcEntry, GcKeep, GcOptions, Layout } from './gc.js'
import { fileIdentity, VERIFIED_RECORD_KEY, VerifiedFiles } from './verified.js'

export type { GcEntry, GcKeep, GcOptions } from './gc.js'

/** Bumped when the on-disk layout changes; old layouts are simply ignored (and removed by `gc`). */
export const CACHE_VERSION = 'v1'

/**
 * A key for something derived from `fields` (an optimized output, a model's stats…), under the cache version:
 * a new layout invalidates every derived key as well. The keys are pinned in lockfiles, so the JSON form of
 * `{ cache, ...fields }` must never change for a version.
 */
export function versionedKey(fields: Record<string, unknown>): string {
  return sha256Hex(JSON.stringify({ cache: CACHE_VERSION, ...fields }))
}

/** `<cacheDir>/v1/journal`: the CLI's record of generation requests, beside the store (so `gc` leaves it). */
export function journalDir(cacheDir: string): string {
  return join(cacheDir, CACHE_VERSION, 'journal')
}

/**
 * Written into the versioned folder when the store creates it. `gc` removes an older layout's folder only
 * when it carries this file, so a `v0/` of somebody else's is never touched.
 */
export const STORE_MARKER = '.unplugin-rodin-store'
const MARKER_TEXT = 'unplugin-rodin cache store'

export interface StoredFile {
  sha256: string
  bytes: number
}

/**
 * A content entry that hashed to `sha256` as it is now on disk (`identity`, see `fileIdentity`): another process
 * that opens `path` and finds the same identity may read it without hashing it again.
 */
export interface VouchedFile extends StoredFile {
  path: string
  identity: string
}

/** What {@link Store.verify} found for one pinned file. `corrupt` entries are removed when the cache is writable. */
export type VerifyState = 'ok' | 'missing' | 'corrupt'

/**
 * A path (with an optional query) of a named copy in some store's `out/` folder. Hosts use it as the cheap,
 * static pre-filter their hook APIs need; {@link Store.isOutFile} then says whether it is this store's.
 */
export const OUT_FILE_RE = new RegExp(`[\\\\/]${CACHE_VERSION}[\\\\/]out[\\\\/][^\\\\/?]+(?:\\?.*)?$`)

/**
 * Content-addressed store under `<cacheDir>/v1`:
 * `content/ab/<sha256>` holds bytes, `index/` small JSON records (task file lists, derived outputs),
 * `out/` named copies that bundlers import, `tmp/` temp files on their way to one of those.
 * Writes are temp + fsync + rename and never replace an entry; every read is re-hashed, and a mismatch
 * is treated as a miss after the bad file is removed. Nobody outside this folder knows these names.
 */
export class Store {
  readonly root: string
  readonly cacheDir: string
  private rootReady: Promise<void> | undefined
  private realOutDir: string | undefined
  /** Set once `out/` proved unwritable: a private folder of this process that holds the named copies instead. */
  private fallbackOut: Promise<{ dir: string; real: string }> | undefined
  private fallbackDirs: { dir: string; real: string } | undefined
  private readonly stateDir: string
  private recordKey: Promise<Buffer> | undefined
  /** Files this process hashed (and with `rememberVerified` earlier ones did), so each is hashed once while unchanged. */
  private readonly known: VerifiedFiles

  /**
   * `stateDir` holds the key that signs index records; it must not be part of a restorable cache.
   * `rememberVerified`: keep a signed record of the files this store hashed (see {@link VerifiedFiles}), written
   * by {@link flush}; for builds, which serve the same files again and again.
   */
  constructor(cacheDir: string, opts: { stateDir?: string; rememberVerified?: boolean } = {}) {
    this.cacheDir = cacheDir
    this.root = join(cacheDir, CACHE_VERSION)
    this.stateDir = opts.stateDir ?? recordKeyDir()
    this.known = new VerifiedFiles(
      opts.rememberVerified
        ? {
            read: () => this.readJson('derived', VERIFIED_RECORD_KEY),
            write: value => this.writeJson('derived', VERIFIED_RECORD_KEY, value),
          }
        : { read: async () => null, write: async () => {} },
    )
  }

  /** Writes what this process verified (`rememberVerified`); a failed write only costs a later build a hash. */
  async flush(): Promise<void> {
    await this.known.flush()
  }

  /** The folder of the named copies that generated modules import. */
  get outDir(): string {
    return join(this.root, 'out')
  }

  /** Whether `file` (a query is ignored) is a named copy of this store, by its path or its real path. */
  isOutFile(file: string): boolean {
    const dir = dirname(file.replace(/\?.*$/, ''))
    if (dir === this.outDir) return true
    if (this.fallbackDirs && (dir === this.fallbackDirs.dir || dir === this.fallbackDirs.real)) return true
    try {
      this.realOutDir ??= realpathSync(this.outDir)
    } catch {
      return false // not created yet, so nothing can be in it
    }
    return dir === this.realOutDir
  }

  /**
   * Deletes what the store created and `keep` does not name: content, named copies, records, stale temp
   * files, and older layouts that carry {@link STORE_MARKER}. Returns the list (the same one with `dryRun`).
   * Refuses (`E_CONFIG`) a cache directory that holds a `.git`, a `package.json` or a `protect`ed file.
   */
  gc(keep: GcKeep, opts: GcOptions = {}): Promise<GcEntry[]> {
    const layout: Layout = {
      cacheDir: this.cacheDir,
      version: CACHE_VERSION,
      marker: { name: STORE_MARKER, isOurs: text => text.startsWith(MARKER_TEXT) },
      recordName: recordFileName,
    }
    return collect(layout, keep, opts)
  }

  /** Re-hashes each file; a damaged entry is removed (when the cache is writable) so the next build refetches it. */
  async verify(files: readonly StoredFile[]): Promise<VerifyState[]> {
    const states: VerifyState[] = []
    for (const f of files) {
      const present = await stat(this.contentPath(f.sha256)).then(
        () => true,
        () => false,
      )
      states.push(!present ? 'missing' : (await this.get(f.sha256)) ? 'ok' : 'corrupt')
    }
    return states
  }

  /** @internal Tests damage entries through it; everyone else goes through get/has/put. */
  contentPath(sha256: string): string {
    return join(this.root, 'content', sha256.slice(0, 2), sha256)
  }

  /** Stores bytes under their sha256. An existing entry is kept (same hash, same bytes). */
  async put(bytes: Uint8Array): Promise<StoredFile> {
    const sha256 = sha256Hex(bytes)
    const dest = this.contentPath(sha256)
    if (!(await this.isIntact(dest, sha256, bytes.byteLength))) await this.writeNew(dest, bytes)
    return { sha256, bytes: bytes.byteLength }
  }

  /**
   * Streams bytes into the store, hashing them as they arrive, so a file never has to fit in memory.
   * `check` sees the complete temp file before it becomes visible; if it (or the stream) throws, the temp
   * file is removed and nothing is stored.
   */
  async ingest(
    source: AsyncIterable<Uint8Array>,
    check?: (tmpPath: string, file: StoredFile) => Promise<void> | void,
  ): Promise<StoredFile> {
    await this.ensureRoot()
    const tmp = join(this.root, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`)
    const fh = await open(tmp, 'wx')
    try {
      const hash = createHash('sha256')
      let bytes = 0
      try {
        for await (const chunk of source) {
          hash.update(chunk)
          bytes += chunk.byteLength
          await fh.write(chunk)
        }
        await fh.sync()
      } finally {
        await fh.close()
      }
      const file = { sha256: hash.digest('hex'), bytes }
      await check?.(tmp, file)
      const dest = this.contentPath(file.sha256)
      await mkdir(dirname(dest), { recursive: true })
      await rename(tmp, dest) // same bytes as any existing entry, so replacing it is harmless
      // These bytes were hashed on their way in: the optimizer may take the file by path without a second hash.
      const st = await stat(dest).catch(() => null)
      if (st) this.known.add(this.storePath(dest)!, st, file.sha256)
      return file
    } finally {
      await rm(tmp, { force: true })
    }
  }

  /** Verified read: `null` when missing or when the bytes no longer hash to `sha256` (the bad file is dropped). */
  async get(sha256: string): Promise<Uint8Array | null> {
    return this.readVerified(this.contentPath(sha256), sha256)
  }

  /**
   * The entry's path, vouched for: `null` when it is missing or no longer hashes to `sha256` (then the bad file
   * is dropped, as by {@link get}). A file this store hashed before, unchanged since, is only stat()ed; another
   * is hashed as a stream, so a large source is never held in memory for it.
   */
  async vouch(sha256: string, bytes: number): Promise<VouchedFile | null> {
    const path = this.contentPath(sha256)
    const rel = this.storePath(path)!
    let st = await stat(path).catch(() => null)
    if (!st || st.size !== bytes) return null
    if (!(await this.known.matches(rel, st, sha256))) {
      let actual: string
      try {
        // The identity is taken before the bytes, as in readVerified: a write after it changes the ctime.
        const fh = await open(path, 'r')
        try {
          st = await fh.stat()
          const hash = createHash('sha256')
          for await (const chunk of fh.createReadStream({ autoClose: false, highWaterMark: 1 << 20 }))
            hash.update(chunk)
          actual = hash.digest('hex')
        } finally {
          await fh.close()
        }
      } catch {
        return null
      }
      if (actual !== sha256) {
        await rm(path, { force: true }).catch(() => {})
        return null
      }
      this.known.add(rel, st, sha256)
    }
    return { sha256, bytes, path, identity: fileIdentity(st) }
  }

  /**
   * Whether the entry is there with exactly these bytes. The bytes are hashed once while the file stays the same
   * (per process, or across processes with `rememberVerified`): a restored cache may hold a same-size entry with
   * other bytes.
   */
  async has(sha256: string, bytes: number): Promise<boolean> {
    return this.isIntact(this.contentPath(sha256), sha256, bytes)
  }

  /**
   * Makes `out/<fileName>` hold exactly the content `sha256` and returns its path. An intact existing copy
   * is only re-hashed, or only stat()ed when unchanged since an earlier hash (so a read-only cache works); a missing or damaged one is rebuilt from content, or
   * from `recover()` (refetch / recompute) when the content itself is gone.
   */
  async materialize(file: StoredFile, fileName: string, recover: () => Promise<Uint8Array>): Promise<string> {
    const dest = join(this.outDir, fileName)
    if (await this.isIntact(dest, file.sha256, file.bytes)) return dest
    const fallback = this.fallbackOut && join((await this.fallbackOut).dir, fileName)
    if (fallback && (await this.isIntact(fallback, file.sha256, file.bytes))) return fallback
    const bytes = (await this.get(file.sha256)) ?? (await recover())
    if (sha256Hex(bytes) !== file.sha256) {
      throw errors.E_INTEGRITY('damagedEntry', { file: fileName, expected: file.sha256, cacheDir: this.root })
    }
    if (!fallback) {
      try {
        // rename() replaces a damaged copy atomically: a concurrent reader never sees the path missing.
        await this.writeNew(dest, bytes)
        return dest
      } catch (err) {
        if (!(await isReadOnlyError(err, dest))) throw err
      }
    }
    // A cache this user may read but not write (a shared or restored one): the copies go to a private folder.
    const out = await this.useFallbackOut()
    await writeFileAtomic(join(out.dir, fileName), bytes, { tmpDir: join(out.dir, '..', 'tmp') })
    return join(out.dir, fileName)
  }

  /** `<tmp>/unplugin-rodin-XXXXXX/v1/out`: made by mkdtemp (0700, ours), removed when the process exits. */
  private useFallbackOut(): Promise<{ dir: string; real: string }> {
    this.fallbackOut ??= (async () => {
      const base = await mkdtemp(join(tmpdir(), 'unplugin-rodin-'))
      process.once('exit', () => rmSync(base, { recursive: true, force: true }))
      const dir = join(base, CACHE_VERSION, 'out')
      await mkdir(dir, { recursive: true })
      await mkdir(join(base, CACHE_VERSION, 'tmp'))
      this.fallbackDirs = { dir, real: realpathSync(dir) }
      return this.fallbackDirs
    })()
    return this.fallbackOut
  }

  /**
   * A record this store wrote and signed (see record-key.ts); `null` when missing, torn, or not signed with
   * this user's key, as records in a cache restored from elsewhere are. Then the caller asks the provider
   * or recomputes.
   */
  async readJson<T>(kind: 'tasks' | 'derived', key: string): Promise<T | null> {
    const found = await this.readRecord<T>(kind, key)
    return found?.authentic ? found.value : null
  }

  /**
   * Any record, with whether this store signed it: for callers that check it by other means (a lockfile
   * pin) or only need a hint (gc keeping what a record points to).
   */
  async readRecord<T>(kind: 'tasks' | 'derived', key: string): Promise<{ value: T; authentic: boolean } | null> {
    let parsed: unknown
    try {
      parsed = JSON.parse(await readFile(this.indexPath(kind, key), 'utf8'))
    } catch {
      return null // missing or torn records are misses; the content they point to is verified anyway
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null
    const { mac, ...value } = parsed as Record<string, unknown>
    const expected = recordMac(await this.getRecordKey(), kind, key, value)
    return { value: value as T, authentic: macMatches(expected, mac) }
  }

  /** Records only save work, so in a cache this user cannot write they are skipped, not an error. */
  async writeJson(kind: 'tasks' | 'derived', key: string, value: object): Promise<void> {
    const mac = recordMac(await this.getRecordKey(), kind, key, value)
    try {
      await this.writeNew(this.indexPath(kind, key), `${JSON.stringify({ ...value, mac }, null, 2)}\n`)
    } catch (err) {
      if (!(await isReadOnlyError(err, this.indexPath(kind, key)))) throw err
    }
  }

  private getRecordKey(): Promise<Buffer> {
    this.recordKey ??= loadRecordKey(this.stateDir)
    return this.recordKey
  }

  private indexPath(kind: 'tasks' | 'derived', key: string): string {
    return join(this.root, 'index', kind, recordFileName(key))
  }

  /** Creates the versioned folder with its marker, once per process. */
  private ensureRoot(): Promise<void> {
    this.rootReady ??= (async () => {
      await mkdir(join(this.root, 'tmp'), { recursive: true })
      const marker = join(this.root, STORE_MARKER)
      if (!(await stat(marker).catch(() => null)))
        await writeFileAtomic(
          marker,
          `${MARKER_TEXT}, layout ${CACHE_VERSION}; \`rodin-assets gc\` may delete this folder\n`,
          { tmpDir: join(this.root, 'tmp') },
        )
    })().catch(err => {
      this.rootReady = undefined
      throw err
    })
    return this.rootReady
  }

  private async isIntact(path: string, sha256: string, bytes: number): Promise<boolean> {
    const st = await stat(path).catch(() => null)
    if (!st || st.size !== bytes) return false
    return (await this.seenBefore(path, st, sha256)) || (await this.readVerified(path, sha256)) !== null
  }

  /** Whether this very file hashed to `sha256` before (files under the store's root only). */
  private async seenBefore(path: string, st: Stats, sha256: string): Promise<boolean> {
    const rel = this.storePath(path)
    return rel !== undefined && (await this.known.matches(rel, st, sha256))
  }

  /** `path` relative to the store's root; `undefined` outside it (the private fallback copies). */
  private storePath(path: string): string | undefined {
    const rel = relative(this.root, path)
    return rel.startsWith(`..${sep}`) ? undefined : rel
  }

  private async readVerified(path: string, sha256: string): Promise<Uint8Array | null> {
    let bytes: Uint8Array
    let st: Stats
    try {
      // The identity is taken before the bytes: a write after it changes the ctime, so it can only cause a rehash.
      const fh = await open(path, 'r')
      try {
        st = await fh.stat()
        bytes = await fh.readFile()
      } finally {
        await fh.close()
      }
    } catch {
      return null
    }
    if (sha256Hex(bytes) === sha256) {
      const rel = this.storePath(path)
      if (rel !== undefined) this.known.add(rel, st, sha256)
      return bytes
    }
    await rm(path, { force: true }).catch(() => {}) // read-only caches keep the bad file; it stays a miss
    return null
  }

  /** Every write of the store: through the one atomic writer, with its temp file in `tmp/` (which gc sweeps). */
  private async writeNew(dest: string, data: Uint8Array | string): Promise<void> {
    await this.ensureRoot()
    await mkdir(dirname(dest), { recursive: true })
    await writeFileAtomic(dest, data, { tmpDir: join(this.root, 'tmp'), failpoint: 'store-after-temp-write' })
  }
}

/**
 * Whether writing `path` failed because the cache cannot be written. Node's recursive mkdir reports a read-only
 * filesystem as ENOENT, so an ENOENT is checked against the nearest folder that exists.
 */
async function isReadOnlyError(err: unknown, path: string): Promise<boolean> {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return true
  if (code !== 'ENOENT') return false
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (await stat(dir).catch(() => null))
      return access(dir, constants.W_OK).then(
        () => false,
        () => true,
      )
    if (dirname(dir) === dir) return false
  }
}

function recordFileName(key: string): string {
  return `${key.replace(/[^\w.-]/g, '_')}.json`
}
