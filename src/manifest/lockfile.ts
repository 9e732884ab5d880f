import { readFile, stat, writeFile } from 'node:fs/promises'
import { errors } from '../catalogue/index.js'
import { writeFileAtomic } from '../util/atomic.js'
import { failpoint } from '../util/failpoint.js'
import { memoized } from './parse-memo.js'
import type { ParseMemo } from './parse-memo.js'
import type { Lockfile } from './lockfile-parse.js'

// The schemas live in lockfile-parse.ts, loaded only for a lockfile text no earlier build validated (ParseMemo).
export type { LockEntry, Lockfile } from './lockfile-parse.js'

export function emptyLockfile(): Lockfile {
  return { lockfileVersion: 1, assets: Object.create(null) }
}

/**
 * Reads the lockfile; `null` when it does not exist. A malformed one is `E_CONFIG` (never silently replaced).
 * `memo`: validated data of texts seen before (see {@link ParseMemo}).
 */
export async function readLockfile(path: string, memo?: ParseMemo): Promise<Lockfile | null> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw errors.E_CONFIG('unreadable', { path, reason: (err as Error).message, cause: err })
  }
  // A build killed between creating the lock target and its first write leaves an empty file.
  if (text.trim() === '') return null
  const data = await memoized(memo, 'lockfile', text, async () =>
    (await import('./lockfile-parse.js')).validateLockfile(text, path),
  )
  return lockfileFromData(data)
}

/**
 * Validated lockfile data with every lookup table made prototype-free: aliases and file names are looked up by
 * keys that come from imports ("rodin:m/constructor"), and no key may reach Object.prototype.
 */
export function lockfileFromData(data: Lockfile): Lockfile {
  const assets: Lockfile['assets'] = Object.create(null)
  for (const [alias, entry] of Object.entries(data.assets)) {
    assets[alias] = { ...entry, files: Object.assign(Object.create(null), entry.files) }
  }
  return { ...data, assets }
}

/** Same inputs → same bytes: keys sorted at every level, two-space indent, final newline. */
export function serializeLockfile(lock: Lockfile): string {
  return `${canonicalJson(lock, 2)}\n`
}

/** JSON with keys sorted at every level, so a pin read from disk and the same one built in memory compare equal. */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent)
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map(k => [k, sortKeys((value as Record<string, unknown>)[k])]),
    )
  }
  return value
}

/**
 * Re-reads the lockfile under an inter-process lock, applies `mutate`, and writes it atomically when the
 * bytes changed. Two builds that add different entries at once both land (merge, never clobber).
 */
export async function updateLockfile(path: string, mutate: (lock: Lockfile) => void): Promise<Lockfile> {
  await ensureExists(path)
  // Loaded here, not at the top: a build served from the cache never writes the lockfile.
  const { default: lockfile } = await import('proper-lockfile')
  const release = await lockfile.lock(path, {
    realpath: false,
    stale: 4_000,
    retries: { retries: 100, minTimeout: 20, maxTimeout: 200 },
  })
  try {
    const before = await readFile(path, 'utf8')
    const { parseLockfile } = await import('./lockfile-parse.js')
    const lock = before.trim() === '' ? emptyLockfile() : parseLockfile(before, path)
    mutate(lock)
    const after = serializeLockfile(lock)
    if (after !== before) {
      failpoint('before-lockfile-write')
      await writeFileAtomic(path, after, 'lockfile-temp-written')
    }
    return lock
  } finally {
    await release()
  }
}

/** proper-lockfile locks an existing path; an empty placeholder is read as "no entries". */
async function ensureExists(path: string): Promise<void> {
  try {
    await stat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    await writeFile(path, '', { flag: 'a' })
  }
}
