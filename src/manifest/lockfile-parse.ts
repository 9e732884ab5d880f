// The lockfile's validation, with zod: loaded only for a lockfile text that no earlier build validated (see
// ParseMemo), and when a build writes pins.
import { basename } from 'node:path'
import { z } from './zod.js'
import { errors } from '../catalogue/index.js'
import { describeKeyProblem, findKeyProblem } from './json.js'
import { lockfileFromData } from './lockfile.js'
import { FILE_NAME_RE, quoteName } from './names.js'

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

/** Parses and validates a lockfile's text (see {@link validateLockfile}). */
export function parseLockfile(text: string, path: string): Lockfile {
  return lockfileFromData(validateLockfile(text, path))
}

/** Validated data of a lockfile's text; every problem is an `E_CONFIG` error naming the entry and the fix. */
export function validateLockfile(text: string, path: string): Lockfile {
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
  return parsed.data
}
