import type { Readable } from 'node:stream'
import type { LimitFunction } from 'p-limit'
import { errors } from '../catalogue/index.js'
import type { LockEntry } from '../manifest/lockfile.js'
import type { AssetEntry } from '../manifest/manifest.js'
import { pickPreview, pickPrimary } from '../manifest/files.js'
import { taskKey } from '../providers/index.js'
import type { ProviderFile } from '../providers/index.js'
import type { Store, StoredFile } from '../store/store.js'
import { failpoint } from '../util/failpoint.js'
import { listSome } from '../util/list.js'
import { sha256Hex } from '../util/hash.js'
import { assertFileKind } from './file-kind.js'
import { isExpiredURL } from './net.js'
import type { Net } from './net.js'

/** What the cache remembers about a fetched task, so a warm build needs neither the API nor the lockfile. */
export interface TaskRecord {
  provider: string
  task: string
  files: Record<string, StoredFile>
}

/**
 * The source files we expect for an entry: the lockfile's pins win over the cache's own record (a cache
 * that disagrees with the lockfile is not trusted). `null` when nothing is known.
 */
export async function expectedFiles(
  store: Store,
  entry: AssetEntry,
  locked: LockEntry | undefined,
): Promise<Record<string, StoredFile> | null> {
  if (locked) return locked.files
  const record = await store.readJson<TaskRecord>('tasks', taskKey(entry))
  if (
    record &&
    record.provider === entry.provider &&
    record.task === entry.task &&
    record.files &&
    typeof record.files === 'object'
  )
    return sortedFiles(record.files)
  return null
}

export async function missingFiles(store: Store, files: Record<string, StoredFile>): Promise<string[]> {
  const missing: string[] = []
  for (const [name, f] of Object.entries(files)) if (!(await store.has(f.sha256, f.bytes))) missing.push(name)
  return missing
}

/**
 * The files an unpinned task needs: its primary and its preview. Other listed names are not downloaded, so a
 * provider that lists many (or hostile) files cannot make a build fetch them.
 */
export function neededFiles(entry: AssetEntry, names: string[]): string[] {
  const primary = pickPrimary(entry, names)
  const preview = pickPreview(names, primary)
  return preview ? [primary, preview] : [primary]
}

/**
 * Downloads a task's files into the store, streamed to disk and hashed on the way. Bytes become visible only
 * after their checks: a file the lockfile pins must match it exactly (no retry, nothing stored:
 * `E_INTEGRITY`), and every file must be the kind its name declares (`E_BAD_FILE`). The asset's downloads
 * share one AbortController: the first failure cancels its siblings. An expired signed URL (403/410) gets
 * one fresh file list.
 */
export async function fetchSource(opts: {
  store: Store
  net: Net
  limit: LimitFunction
  entry: AssetEntry
  locked?: LockEntry
  only?: string[]
  /** The configured lockfile, as messages name it. */
  lockfile?: string
}): Promise<{ files: Record<string, StoredFile> }> {
  const { store, net, limit, entry, locked } = opts
  let listing = await net.listFiles(entry)
  const wanted =
    opts.only ??
    (locked
      ? Object.keys(locked.files)
      : neededFiles(
          entry,
          listing.map(f => f.name),
        ))
  const absent = wanted.filter(name => !listing.some(f => f.name === name))
  // A name the lockfile does not pin came from an import id: the task simply has no such file.
  const unknown = absent.filter(name => !locked || !Object.hasOwn(locked.files, name))
  if (unknown.length > 0) {
    throw errors.E_NO_FILE('importedMany', {
      asset: entry.alias,
      provider: entry.provider,
      task: entry.task,
      file: unknown[0]!,
      names: unknown.map(n => `"${n}"`).join(', '),
      has: listing.map(f => f.name).join(', '),
    })
  }
  if (absent.length > 0) {
    const who = { asset: entry.alias, provider: entry.provider, task: entry.task }
    throw errors.E_NO_FILE('unpinned', { ...who, absent: listSome(absent), lockfile: opts.lockfile })
  }
  let refreshed: Promise<ProviderFile[]> | undefined
  const files: Record<string, StoredFile> = Object.create(null)
  const cancel = new AbortController()
  let first: { error: unknown } | undefined
  const fetchOne = async (name: string): Promise<void> => {
    cancel.signal.throwIfAborted()
    const pin = locked?.files[name]
    const sink = (body: Readable): Promise<StoredFile> =>
      store.ingest(body, async (tmp, file) => {
        failpoint('after-download')
        if (pin) assertPinnedFile(entry, name, pin, file, opts.lockfile)
        await assertFileKind(tmp, file.bytes, entry, name)
      })
    try {
      files[name] = await net.download(entry, listing.find(f => f.name === name)!, sink, cancel.signal)
    } catch (err) {
      if (!isExpiredURL(err)) throw err
      refreshed ??= net.refreshFiles(entry)
      listing = await refreshed
      const fresh = listing.find(f => f.name === name)
      if (!fresh) throw err
      files[name] = await net.download(entry, fresh, sink, cancel.signal)
    }
  }
  await Promise.all(
    wanted.map(name =>
      limit(() =>
        fetchOne(name).catch(err => {
          if (!first) {
            first = { error: err }
            cancel.abort(err)
          }
        }),
      ),
    ),
  )
  // Every sibling has settled (its temp file removed) before the first failure is reported.
  if (first) throw first.error
  failpoint('before-task-record')
  // A partial fetch (one extra or lost file) adds to what the cache already knows about the task.
  const known = opts.only ? await expectedFiles(store, entry, undefined) : null
  await store.writeJson('tasks', taskKey(entry), {
    provider: entry.provider,
    task: entry.task,
    files: sortedFiles({ ...known, ...files }),
  } satisfies TaskRecord)
  return { files: sortedFiles(files) }
}

export function assertPinned(entry: AssetEntry, name: string, pin: StoredFile, data: Uint8Array): void {
  assertPinnedFile(entry, name, pin, { sha256: sha256Hex(data), bytes: data.byteLength })
}

export function assertPinnedFile(
  entry: AssetEntry,
  name: string,
  pin: StoredFile,
  file: StoredFile,
  lockfile?: string,
): void {
  const actual = file.sha256
  if (actual !== pin.sha256 || file.bytes !== pin.bytes) {
    throw errors.E_INTEGRITY('sourceMismatch', {
      asset: entry.alias,
      provider: entry.provider,
      task: entry.task,
      file: name,
      lockfile,
      expected: pin.sha256,
      bytes: pin.bytes,
      actual,
      actualBytes: file.bytes,
    })
  }
}

/** Sorted, and without a prototype: file names are looked up by keys that come from import ids. */
function sortedFiles(files: Record<string, StoredFile>): Record<string, StoredFile> {
  const out: Record<string, StoredFile> = Object.create(null)
  for (const k of Object.keys(files).sort()) out[k] = files[k]!
  return out
}
