import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { RodinError } from '../errors.js'
import { writeFileAtomic } from '../util/atomic.js'
import { failpoint } from '../util/failpoint.js'
import { sha256Hex } from '../util/hash.js'
import { collect } from './gc.js'
import type { GcEntry, GcKeep, GcOptions, Layout } from './gc.js'

export type { GcEntry, GcKeep, GcOptions } from './gc.js'

/** Bumped when the on-disk layout changes; old layouts are simply ignored (and removed by `gc`). */
export const CACHE_VERSION = 'v1'

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
 * Content-addressed store under `<cacheDir>/v1`:
 * `content/ab/<sha256>` holds bytes, `index/` small JSON records (task file lists, derived outputs),
 * `out/` named copies that bundlers import. Writes are temp + fsync + rename and never replace an entry;
 * every read is re-hashed, and a mismatch is treated as a miss after the bad file is removed.
 */
export class Store {
  readonly root: string
  readonly cacheDir: string
  private rootReady: Promise<void> | undefined

  constructor(cacheDir: string) {
    this.cacheDir = cacheDir
    this.root = join(cacheDir, CACHE_VERSION)
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

  contentPath(sha256: string): string {
    return join(this.root, 'content', sha256.slice(0, 2), sha256)
  }

  outPath(fileName: string): string {
    return join(this.root, 'out', fileName)
  }

  /** Stores bytes under their sha256. An existing entry is kept (same hash, same bytes). */
  async put(bytes: Uint8Array): Promise<StoredFile> {
    const sha256 = sha256Hex(bytes)
    const dest = this.contentPath(sha256)
    if (!(await this.isIntact(dest, sha256, bytes.byteLength))) await this.writeNew(dest, bytes)
    return { sha256, bytes: bytes.byteLength }
  }

  /** Verified read: `null` when missing or when the bytes no longer hash to `sha256` (the bad file is dropped). */
  async get(sha256: string): Promise<Uint8Array | null> {
    return this.readVerified(this.contentPath(sha256), sha256)
  }

  async has(sha256: string, bytes: number): Promise<boolean> {
    try {
      return (await stat(this.contentPath(sha256))).size === bytes
    } catch {
      return false
    }
  }

  /**
   * Makes `out/<fileName>` hold exactly the content `sha256` and returns its path. An intact existing copy
   * is only re-hashed (so a read-only cache works); a missing or damaged one is rebuilt from content, or
   * from `recover()` (refetch / recompute) when the content itself is gone.
   */
  async materialize(file: StoredFile, fileName: string, recover: () => Promise<Uint8Array>): Promise<string> {
    const dest = this.outPath(fileName)
    if (await this.isIntact(dest, file.sha256, file.bytes)) return dest
    const bytes = (await this.get(file.sha256)) ?? (await recover())
    if (sha256Hex(bytes) !== file.sha256) {
      throw new RodinError(
        'E_INTEGRITY',
        `cache entry ${file.sha256.slice(0, 12)}… for ${fileName} is damaged and could not be recovered. Delete ${this.root} and build again.`,
        { file: fileName, expected: file.sha256 },
      )
    }
    // rename() replaces a damaged copy atomically: a concurrent reader never sees the path missing.
    await this.writeNew(dest, bytes)
    return dest
  }

  async readJson<T>(kind: 'tasks' | 'derived', key: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(this.indexPath(kind, key), 'utf8')) as T
    } catch {
      return null // missing or torn records are misses; the content they point to is verified anyway
    }
  }

  async writeJson(kind: 'tasks' | 'derived', key: string, value: unknown): Promise<void> {
    const path = this.indexPath(kind, key)
    await this.ensureRoot()
    await mkdir(join(path, '..'), { recursive: true })
    await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`)
  }

  private indexPath(kind: 'tasks' | 'derived', key: string): string {
    return join(this.root, 'index', kind, recordFileName(key))
  }

  /** Creates the versioned folder with its marker, once per process. */
  private ensureRoot(): Promise<void> {
    this.rootReady ??= (async () => {
      await mkdir(this.root, { recursive: true })
      const marker = join(this.root, STORE_MARKER)
      if (!(await stat(marker).catch(() => null)))
        await writeFileAtomic(
          marker,
          `${MARKER_TEXT}, layout ${CACHE_VERSION}; \`rodin-assets gc\` may delete this folder\n`,
        )
    })().catch(err => {
      this.rootReady = undefined
      throw err
    })
    return this.rootReady
  }

  private async isIntact(path: string, sha256: string, bytes: number): Promise<boolean> {
    try {
      if ((await stat(path)).size !== bytes) return false
    } catch {
      return false
    }
    return (await this.readVerified(path, sha256)) !== null
  }

  private async readVerified(path: string, sha256: string): Promise<Uint8Array | null> {
    let bytes: Uint8Array
    try {
      bytes = await readFile(path)
    } catch {
      return null
    }
    if (sha256Hex(bytes) === sha256) return bytes
    await rm(path, { force: true }).catch(() => {}) // read-only caches keep the bad file; it stays a miss
    return null
  }

  private async writeNew(dest: string, bytes: Uint8Array): Promise<void> {
    await this.ensureRoot()
    const tmpDir = join(this.root, 'tmp')
    await mkdir(tmpDir, { recursive: true })
    await mkdir(join(dest, '..'), { recursive: true })
    const tmp = join(tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}`)
    const fh = await open(tmp, 'wx')
    try {
      await fh.writeFile(bytes)
      failpoint('store-after-temp-write')
      await fh.sync()
    } finally {
      await fh.close()
    }
    try {
      await rename(tmp, dest)
    } finally {
      await rm(tmp, { force: true })
    }
  }
}

function recordFileName(key: string): string {
  return `${key.replace(/[^\w.-]/g, '_')}.json`
}
