import type { LimitFunction } from 'p-limit'
import { RodinError } from '../errors.js'
import type { LockEntry } from '../manifest/lockfile.js'
import type { AssetEntry } from '../manifest/manifest.js'
import type { ProviderFile } from '../providers/types.js'
import type { Store, StoredFile } from '../store/store.js'
import { failpoint } from '../util/failpoint.js'
import { listSome } from '../util/list.js'
import { sha256Hex } from '../util/hash.js'
import { isExpiredURL } from './net.js'
import type { Net } from './net.js'

/** What the cache remembers about a fetched task, so a warm build needs neither the API nor the lockfile. */
export interface TaskRecord {
  provider: string
  task: string
  files: Record<string, StoredFile>
}

export function taskKey(entry: AssetEntry): string {
  return entry.getty
    ? `getty-${entry.task}-${entry.getty.index}-${entry.getty.size}`
    : `${entry.provider}-${entry.task}`
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
 * Downloads a task's files into the store. Bytes are hashed before they become visible; a file the
 * lockfile pins must match it exactly (no retry, nothing stored: `E_INTEGRITY`). An expired signed URL
 * (403/410) gets one fresh file list.
 */
export async function fetchSource(opts: {
  store: Store
  net: Net
  limit: LimitFunction
  entry: AssetEntry
  locked?: LockEntry
  only?: string[]
}): Promise<{ files: Record<string, StoredFile>; bytes: Map<string, Uint8Array> }> {
  const { store, net, limit, entry, locked } = opts
  let listing = await net.listFiles(entry)
  const wanted = opts.only ?? (locked ? Object.keys(locked.files) : listing.map(f => f.name))
  const absent = wanted.filter(name => !listing.some(f => f.name === name))
  if (absent.length > 0) {
    throw new RodinError(
      'E_NO_FILE',
      `asset "${entry.alias}" (${entry.provider} task ${entry.task}): the provider no longer lists ${listSome(absent)}, which assets.rodin.lock.json pins. Run "rodin-assets lock --update ${entry.alias}" to accept the task's current files.`,
      { asset: entry.alias, provider: entry.provider, task: entry.task },
    )
  }
  let refreshed: Promise<ProviderFile[]> | undefined
  const files: Record<string, StoredFile> = Object.create(null)
  const bytes = new Map<string, Uint8Array>()
  await Promise.all(
    wanted.map(name =>
      limit(async () => {
        let data: Uint8Array
        try {
          data = await net.download(entry, listing.find(f => f.name === name)!)
        } catch (err) {
          if (!isExpiredURL(err)) throw err
          refreshed ??= net.refreshFiles(entry)
          listing = await refreshed
          const fresh = listing.find(f => f.name === name)
          if (!fresh) throw err
          data = await net.download(entry, fresh)
        }
        failpoint('after-download')
        const pin = locked?.files[name]
        if (pin) assertPinned(entry, name, pin, data)
        files[name] = await store.put(data)
        bytes.set(name, data)
      }),
    ),
  )
  failpoint('before-task-record')
  await store.writeJson('tasks', taskKey(entry), {
    provider: entry.provider,
    task: entry.task,
    files: sortedFiles(files),
  } satisfies TaskRecord)
  return { files: sortedFiles(files), bytes }
}

export function assertPinned(entry: AssetEntry, name: string, pin: StoredFile, data: Uint8Array): void {
  const actual = sha256Hex(data)
  if (actual !== pin.sha256 || data.byteLength !== pin.bytes) {
    throw new RodinError(
      'E_INTEGRITY',
      `SECURITY: ${name} of asset "${entry.alias}" (${entry.provider} task ${entry.task}) does not match assets.rodin.lock.json: expected sha256 ${pin.sha256} (${pin.bytes} bytes), got ${actual} (${data.byteLength} bytes). Nothing was stored or emitted. If the change is expected, run "rodin-assets lock --update ${entry.alias}".`,
      { asset: entry.alias, provider: entry.provider, task: entry.task, file: name, expected: pin.sha256, actual },
    )
  }
}

/** Sorted, and without a prototype: file names are looked up by keys that come from import ids. */
function sortedFiles(files: Record<string, StoredFile>): Record<string, StoredFile> {
  const out: Record<string, StoredFile> = Object.create(null)
  for (const k of Object.keys(files).sort()) out[k] = files[k]!
  return out
}
