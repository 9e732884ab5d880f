import { readFile, stat, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { z } from './zod.js'
import { errors } from '../catalogue/index.js'
import { writeFileAtomic } from '../util/atomic.js'
import { failpoint } from '../util/failpoint.js'
import { describeKeyProblem, findKeyProblem } from './json.js'
import { FILE_NAME_RE, quoteName } from './schema.js'

const sha256 = z.string().regex(/^[0-9a-f]{64}$/)
const lockedFile = z.strictObject({ sha256, bytes: z.number().int().nonnegative() })

// The same rule as names from a provider: a lockfile is a file anyone can edit in a pull request.
const fileName = z
  .string()
  .regex(
    FILE_NAME_RE,
    'not a safe file name (one path segment, no control, bidi or invisible characters, no leading or trailing space)',
  )

export const lockEntrySchema = z
  .strictObject({
    provider: z.enum(['rodin', 'modelslab', 'getty']),
    task: z.string().min(1),
    primary: z.string().min(1),
    files: z.record(fileName, lockedFile),
    optimized: z
      .strictObject({
        key: sha256,
        sha256,
        bytes: z.number().int().nonnegative(),
        // LOD levels 1… (`optimize.lods`); absent when there are none, so older lockfiles stay valid as they are.
        // `error` (the simplifier's) lets the team store serve a level without the source; older pins lack it.
        lods: z
          .array(
            z.strictObject({
              key: sha256,
              sha256,
              bytes: z.number().int().nonnegative(),
              error: z.number().nonnegative().optional(),
            }),
          )
          .optional(),
      })
      .optional(),
  })
  .superRefine((entry, ctx) => {
    if (!Object.hasOwn(entry.files, entry.primary)) {
      ctx.addIssue({
        code: 'custom',
        path: ['primary'],
        message: `${JSON.stringify(entry.primary)} is not one of its files (${Object.keys(entry.files).join(', ') || 'none'})`,
      })
    }
  })

const lockfileSchema = z.strictObject({
  lockfileVersion: z.literal(1),
  assets: z.record(z.string(), lockEntrySchema),
})

export type LockEntry = z.infer<typeof lockEntrySchema>
export type Lockfile = z.infer<typeof lockfileSchema>

export function emptyLockfile(): Lockfile {
  return { lockfileVersion: 1, assets: Object.create(null) }
}

/** Reads the lockfile; `null` when it does not exist. A malformed one is `E_CONFIG` (never silently replaced). */
export async function readLockfile(path: string): Promise<Lockfile | null> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw errors.E_CONFIG('unreadable', { path, reason: (err as Error).message, cause: err })
  }
  // A build killed between creating the lock target and its first write leaves an empty file.
  return text.trim() === '' ? null : parseLockfile(text, path)
}

export function parseLockfile(text: string, path: string): Lockfile {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw errors.E_CONFIG('lockfileSyntax', { lockfile: basename(path), reason: (err as Error).message, cause: err })
  }
  const problem = findKeyProblem(text)
  if (problem) {
    throw errors.E_CONFIG('lockfileInvalid', { lockfile: basename(path), problem: describeKeyProblem(problem) })
  }
  const parsed = lockfileSchema.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    const where = first?.path.map(p => (typeof p === 'string' && /^[\w$-]+$/.test(p) ? p : quoteName(String(p))))
    // A bad record key reports "Invalid key"; the key's own issue says what is wrong with it.
    const why = first?.code === 'invalid_key' ? (first.issues[0]?.message ?? first.message) : first?.message
    throw errors.E_CONFIG('lockfileMalformed', {
      lockfile: basename(path),
      where: where?.join('.') || '(root)',
      why: String(why),
      cause: parsed.error,
    })
  }
  // Aliases and file names are looked up by keys that come from imports ("rodin:m/constructor"): no key may
  // reach Object.prototype.
  const assets: Lockfile['assets'] = Object.create(null)
  for (const [alias, entry] of Object.entries(parsed.data.assets)) {
    assets[alias] = { ...entry, files: Object.assign(Object.create(null), entry.files) }
  }
  return { ...parsed.data, assets }
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
