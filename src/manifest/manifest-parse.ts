// The manifest's validation, with zod: loaded only for a manifest text that no earlier build validated (see
// ParseMemo); the CLI and tests parse through it directly.
import { basename } from 'node:path'
import type { z } from './zod.js'
import { errors } from '../catalogue/index.js'
import { describeKeyProblem, findKeyProblem } from './json.js'
import { manifestFromData } from './manifest.js'
import type { Manifest } from './manifest.js'
import { manifestSchema } from './schema.js'
import type { ManifestData } from './schema.js'

/** Parses and validates a manifest's text (see {@link validateManifest}). */
export function parseManifest(text: string, path: string): Manifest {
  return manifestFromData(path, validateManifest(text, path))
}

/** Validated data of a manifest's text; every problem is an `E_CONFIG` error naming the JSON path and the fix. */
export function validateManifest(text: string, path: string): ManifestData {
  let json: unknown
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (err) {
    throw errors.E_CONFIG('manifestSyntax', { manifest: basename(path), reason: (err as Error).message, cause: err })
  }
  const problem = findKeyProblem(text)
  if (problem)
    throw errors.E_CONFIG('manifestInvalid', { manifest: basename(path), problem: describeKeyProblem(problem) })
  const parsed = manifestSchema.safeParse(json)
  if (!parsed.success)
    throw errors.E_CONFIG('manifestIssues', {
      issues: formatIssues(basename(path), parsed.error.issues),
      cause: parsed.error,
    })
  return parsed.data
}

function formatIssues(file: string, issues: z.core.$ZodIssue[]): string {
  const flat = issues.flatMap(issue => unwrapUnion(issue, []))
  const lines = flat.slice(0, 5).map(issue => `  at ${jsonPath(issue.path)}: ${describeIssue(issue)}`)
  if (flat.length > 5) lines.push(`  …and ${flat.length - 5} more`)
  return `${file} is invalid:\n${lines.join('\n')}\nFix these entries (the JSON Schema at unplugin-rodin/schema.json shows every field).`
}

/**
 * A union error lists every branch's issues; the useful ones are those of the branch the user meant,
 * which is the one with the fewest complaints that still got the value's type right.
 */
function unwrapUnion(issue: z.core.$ZodIssue, prefix: PropertyKey[]): z.core.$ZodIssue[] {
  const path = [...prefix, ...issue.path]
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ ...issue, path }]
  const score = (branch: z.core.$ZodIssue[]) =>
    branch.some(i => i.path.length === 0 && i.code === 'invalid_type') ? Infinity : branch.length
  const best = [...issue.errors].sort((a, b) => score(a) - score(b))[0]
  if (!best || score(best) === Infinity) return [{ ...issue, path }]
  return best.flatMap(i => unwrapUnion(i, path))
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(k => `"${k}"`).join(', ')} (check the spelling; allowed keys are in the JSON Schema)`
  if (issue.code === 'invalid_key') return `bad alias: ${issue.issues[0]?.message ?? issue.message}`
  if (issue.code === 'invalid_union') {
    return 'expected a Rodin task UUID string, {"task": "<uuid>"}, {"generate": {"prompt": "…"}}, {"provider": "modelslab", "id": …} or {"provider": "getty", "generation": "…"}'
  }
  return issue.message
}

function jsonPath(path: PropertyKey[]): string {
  return `$${path.map(p => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`)).join('')}`
}
