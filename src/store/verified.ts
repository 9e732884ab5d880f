import type { Stats } from 'node:fs'

/** The signed derived record that holds what the store verified (see {@link VerifiedFiles}). */
export const VERIFIED_RECORD_KEY = 'verified-files-v1'

/** How the record is read and written: the store's signed records (a record it did not sign reads as `null`). */
export interface VerifiedRecordIO {
  read(): Promise<{ files?: Record<string, string> } | null>
  write(value: { files: Record<string, string> }): Promise<void>
}

/**
 * Files the store hashed before, by path: `path → "size:mtime:ctime:inode:device:sha256"`. A warm build then
 * stats each cache file it serves instead of reading and hashing it again (two reads of every emitted model:
 * its content entry and the copy a module imports). A file written, renamed or touched since it was hashed has
 * another ctime, which no user can set back, so it never matches; the record is signed like every index record,
 * so a cache restored from elsewhere cannot vouch for its files.
 */
export class VerifiedFiles {
  private loaded: Promise<Map<string, string>> | undefined
  /** What this process matched or hashed: the record it writes holds only these (a build's working set). */
  private readonly touched = new Map<string, string>()
  private dirty = false

  constructor(private readonly io: VerifiedRecordIO) {}

  /** Whether `path`, as `st` finds it now, is the file that hashed to `sha256` before. */
  async matches(path: string, st: Stats, sha256: string): Promise<boolean> {
    const entry = identity(st, sha256)
    if (this.touched.get(path) === entry) return true
    if ((await this.load()).get(path) !== entry) return false
    this.touched.set(path, entry)
    return true
  }

  /** Records that `path`, as `st` found it, hashed to `sha256`. */
  add(path: string, st: Stats, sha256: string): void {
    this.touched.set(path, identity(st, sha256))
    this.dirty = true
  }

  /**
   * Writes the record when this process hashed a file the record does not hold as it is now (a build that reads
   * a cached file's bytes hashes it every time); a write that fails costs the next build a hash.
   */
  async flush(): Promise<void> {
    if (!this.dirty) return
    this.dirty = false
    const recorded = await this.load()
    if ([...this.touched].every(([path, entry]) => recorded.get(path) === entry)) return
    await this.io.write({ files: Object.fromEntries(this.touched) }).catch(() => {})
  }

  private load(): Promise<Map<string, string>> {
    this.loaded ??= this.io.read().then(
      record => new Map(Object.entries(record?.files ?? {}).filter(([, v]) => typeof v === 'string')),
      () => new Map(),
    )
    return this.loaded
  }
}

function identity(st: Stats, sha256: string): string {
  return `${fileIdentity(st)}:${sha256}`
}

/**
 * Which file this is, as it is now: size, times, inode and device. A process that opens the file again and finds
 * the same identity reads the same bytes (see {@link VerifiedFiles}: no user can set a ctime back).
 */
export function fileIdentity(st: Pick<Stats, 'size' | 'mtimeMs' | 'ctimeMs' | 'ino' | 'dev'>): string {
  return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}:${st.dev}`
}
