import { relative } from 'node:path'
import { describeAsset, RodinError, type RodinErrorCode, type RodinErrorDetails } from '../errors.js'

/** A message, or a short message plus the next step when both would not fit one readable line. */
export type Text = string | { message: string; hint: string }

// biome-ignore lint/suspicious/noExplicitAny: each template declares its own details type
export type Templates = Record<string, (d: any) => Text>

type DetailsOf<F> = F extends (d: infer D) => Text ? D : never

/** What every constructor accepts on top of a template's own details: the stored fields, and the cause. */
export interface Extra extends RodinErrorDetails {
  cause?: unknown
}

export interface Constructor<T extends Templates> {
  <K extends keyof T & string>(kind: K, details: DetailsOf<T[K]> & Extra): RodinError
  readonly code: RodinErrorCode
  /** @internal The message templates, so the snapshot test can prove each one has a case. */
  readonly templates: T
}

const DETAIL_KEYS = ['asset', 'provider', 'task', 'status', 'url', 'file', 'expected', 'actual'] as const

/** One constructor for `code`: it picks the template by `kind`, writes the message and keeps the known details. */
export function define<T extends Templates>(code: RodinErrorCode, templates: T): Constructor<T> {
  const make = (kind: string, input: Record<string, unknown> & Extra): RodinError => {
    const template = templates[kind]
    if (!template) throw new TypeError(`no ${code} message "${kind}"`)
    const text = template(input)
    const details: RodinErrorDetails & { cause?: unknown; hint?: string } = {}
    for (const key of DETAIL_KEYS) {
      if (input[key] !== undefined) (details as Record<string, unknown>)[key] = input[key]
    }
    if (input.cause !== undefined) details.cause = input.cause
    if (typeof text === 'string') return new RodinError(code, text, details)
    return new RodinError(code, text.message, { ...details, hint: text.hint })
  }
  return Object.assign(make, { code, templates }) as Constructor<T>
}

/** Who an asset is: `asset "x" (rodin task y)`. */
export interface Who {
  asset: string
  provider?: string
  task?: string
}

export const who = (d: Partial<Who>): string => describeAsset(d)

/** `asset "x" (rodin task y): ` or nothing, to start a message with. */
export const whoPrefix = (d: Partial<Who>): string => {
  const label = describeAsset(d)
  return label ? `${label}: ` : ''
}

/** A configured file (manifest, lockfile) as the user knows it: relative to the project root when given. */
export interface ConfiguredFile {
  path: string
  root?: string
}

/** The configured manifest and lockfile as messages name them: relative to the project root. */
export function configuredFiles(options: { root: string; manifestPath: string; lockfilePath: string | null }): {
  manifest: string
  lockfile?: string
} {
  const name = (path: string) => relative(options.root, path) || path
  return options.lockfilePath
    ? { manifest: name(options.manifestPath), lockfile: name(options.lockfilePath) }
    : { manifest: name(options.manifestPath) }
}

export function shown(file: string | ConfiguredFile | undefined, fallback: string): string {
  if (file === undefined) return fallback
  if (typeof file === 'string') return file
  return (file.root && relative(file.root, file.path)) || file.path
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`
