import { redact } from './redact.js'

/** Stable error codes: match on `err.code`, never on the message. The one list; the union is derived from it. */
export const ERROR_CODES = [
  'E_CONFIG', // bad options, manifest or lockfile
  'E_AUTH', // missing or rejected API key
  'E_HTTP', // a non-retryable or exhausted HTTP failure
  'E_TIMEOUT', // connect/headers/stall/deadline exceeded
  'E_TOO_LARGE', // a body went over the size cap
  'E_UNSAFE_URL', // a URL that is not https (or loopback http), or an unsafe redirect
  'E_INTEGRITY', // bytes that do not match the lockfile or their own content address
  'E_OFFLINE_MISS', // offline mode and something is not in the cache
  'E_LOCK_MISSING', // frozen mode and the lockfile does not cover the manifest
  'E_TASK_FAILED', // the provider says the task failed or was canceled
  'E_TASK_PENDING', // the task did not finish within the `wait` budget
  'E_NO_FILE', // the task has no file that matches the request
  'E_NOT_IN_MANIFEST', // an import names an asset the manifest does not list
  'E_BAD_GLB', // a model that glTF-Transform cannot read
  'E_OPTIMIZE', // the optimizer crashed on a model
  'E_NOT_GENERATED', // a manifest recipe without a task: builds never generate, `rodin-assets generate` does
  'E_REFUSED', // `rodin-assets generate` refused to spend: cost guard, balance, no confirmation, alias taken
  'E_SUBMIT_LOST', // a generation request was sent but its answer was lost: a task may exist and be billed
  'E_BAD_FILE', // a downloaded file whose bytes are not the kind its name declares (image magic, model parse)
  'E_REMOTE', // the team asset store (`remote`) failed: unreachable, denied, misconfigured or its client missing
  'E_BUDGET', // an asset is over its manifest budget (frozen mode or CI)
] as const

export type RodinErrorCode = (typeof ERROR_CODES)[number]

/** Structured context carried by every {@link RodinError}; each field is also part of the message. */
export interface RodinErrorDetails {
  asset?: string
  provider?: string
  task?: string
  status?: number
  url?: string
  file?: string
  expected?: string
  actual?: string
}

/**
 * The one error type of unplugin-rodin. The message is always passed through `redact()`, so it can be
 * logged or shown in an overlay as is.
 */
export class RodinError extends Error {
  override name = 'RodinError'
  readonly code: RodinErrorCode
  readonly details: RodinErrorDetails
  /** The next step, when it did not fit the message's first line; the message repeats it on a second line. */
  readonly hint?: string

  /** @internal Built by the catalogue (src/catalogue/), which writes every message. */
  constructor(
    code: RodinErrorCode,
    message: string,
    options: RodinErrorDetails & { cause?: unknown; hint?: string } = {},
  ) {
    const { cause, hint, ...details } = options
    const text = hint ? `${message}\n  hint: ${hint}` : message
    super(redact(`[unplugin-rodin] ${code}: ${text}`), cause === undefined ? undefined : { cause })
    this.code = code
    this.details = details
    if (hint) this.hint = redact(hint)
  }
}

export function isRodinErrorCode(code: unknown): code is RodinErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code)
}

export function isRodinError(err: unknown, code?: RodinErrorCode): err is RodinError {
  return (
    err instanceof Error &&
    (err as RodinError).name === 'RodinError' &&
    typeof (err as RodinError).code === 'string' &&
    (code === undefined || (err as RodinError).code === code)
  )
}

/** "asset "hero-sword" (rodin task 7f3c…)" — the prefix most messages start with. */
export function describeAsset(d: RodinErrorDetails): string {
  const parts: string[] = []
  if (d.asset) parts.push(`asset "${d.asset}"`)
  if (d.provider || d.task) parts.push(`(${[d.provider, d.task && `task ${d.task}`].filter(Boolean).join(' ')})`)
  return parts.join(' ')
}
