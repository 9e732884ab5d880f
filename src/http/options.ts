import type { Dispatcher } from 'undici'
import { errors } from '../catalogue/index.js'

/** Who a request is for. Every field ends up in the details and the message of any error it causes. */
export interface RequestContext {
  /** Manifest alias of the asset. */
  asset?: string
  /** Provider name (`rodin`, `modelslab`, `getty`). */
  provider?: string
  /** Provider task / generation id. */
  task?: string
}

/** Timeouts, retries and caps of the HTTP layer. Every field is optional. */
export interface HttpOptions {
  /**
   * Time allowed to open a TCP/TLS connection.
   * @default 10_000
   */
  connectTimeoutMs?: number
  /**
   * Time allowed between sending a request and receiving the response headers.
   * @default 30_000
   */
  headersTimeoutMs?: number
  /**
   * A response body that receives no byte for this long is aborted (per attempt; the attempt may be retried).
   * @default 30_000
   */
  stallTimeoutMs?: number
  /**
   * Overall deadline for one call, including every retry and back-off wait.
   * @default 600_000
   */
  deadlineMs?: number
  /**
   * Size cap for a downloaded file, in bytes. JSON API bodies are capped at 16 MiB regardless. Unless set,
   * files that are not models (images, previews) are capped at 64 MiB.
   * @default 1_073_741_824 (1 GiB)
   */
  maxBytes?: number
  /**
   * Retries after the first attempt for transient failures (408, 429, 5xx, resets, timeouts).
   * @default 4
   */
  maxRetries?: number
  /**
   * Shortest back-off before a retry; the ceiling doubles with every retry.
   * @default 500
   */
  minRetryDelayMs?: number
  /**
   * Longest back-off before a retry. A larger `Retry-After` is capped to this value; a `Retry-After` beyond
   * the remaining deadline fails the call at once.
   * @default 30_000
   */
  maxRetryDelayMs?: number
  /**
   * Redirect hops followed for one request (each hop is re-checked against the URL policy).
   * @default 5
   */
  maxRedirects?: number
  /**
   * @internal Test-only: a PEM certificate authority trusted for file hosts (a self-signed loopback HTTPS
   * server in the security tests). Not part of the documented options.
   */
  ca?: string
}

/** Resolved options: every documented field set; the test-only `ca` only when given. */
export type ResolvedHttpOptions = Required<Omit<HttpOptions, 'ca'>> & Pick<HttpOptions, 'ca'>

export const HTTP_DEFAULTS: ResolvedHttpOptions = Object.freeze({
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  stallTimeoutMs: 30_000,
  deadlineMs: 600_000,
  maxBytes: 1024 ** 3,
  maxRetries: 4,
  minRetryDelayMs: 500,
  maxRetryDelayMs: 30_000,
  maxRedirects: 5,
})

/** JSON API bodies never legitimately approach this; a larger one is a broken or hostile server. */
export const API_MAX_BYTES = 16 * 1024 ** 2

/**
 * @internal Seams for tests: a dispatcher to count or fake connections, and a clock, sleep and random source
 * so retry tests run in milliseconds. Not part of the documented options.
 */
export interface HttpInternals {
  dispatcher?: Dispatcher
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  random?: () => number
  now?: () => number
}

interface Bound {
  min: number
  max: number
  hint: string
}

// setTimeout overflows above 2^31-1 ms (it then fires at once), so every duration stays below it.
const MAX_TIMER_MS = 2 ** 31 - 1

const BOUNDS: Record<Exclude<keyof HttpOptions, 'ca'>, Bound> = {
  connectTimeoutMs: { min: 1, max: MAX_TIMER_MS, hint: 'milliseconds, e.g. 10000' },
  headersTimeoutMs: { min: 1, max: MAX_TIMER_MS, hint: 'milliseconds, e.g. 30000' },
  stallTimeoutMs: { min: 1, max: MAX_TIMER_MS, hint: 'milliseconds, e.g. 30000' },
  deadlineMs: { min: 1, max: MAX_TIMER_MS, hint: 'milliseconds, e.g. 600000 for 10 minutes' },
  maxBytes: { min: 1, max: Number.MAX_SAFE_INTEGER, hint: 'bytes, e.g. 268435456 for 256 MiB' },
  maxRetries: { min: 0, max: 20, hint: 'a count from 0 (never retry) to 20' },
  minRetryDelayMs: { min: 0, max: MAX_TIMER_MS, hint: 'milliseconds, e.g. 500' },
  maxRetryDelayMs: { min: 0, max: MAX_TIMER_MS, hint: 'milliseconds, e.g. 30000' },
  maxRedirects: { min: 0, max: 20, hint: 'a count from 0 (never follow) to 20' },
}

/**
 * Fills in {@link HTTP_DEFAULTS} (an `undefined` field counts as unset) and validates everything up front,
 * so a typo fails the build at start-up with a message that says how to fix it rather than mid-download.
 */
export function resolveHttpOptions(options: HttpOptions = {}): ResolvedHttpOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw errors.E_CONFIG('httpNotObject', {})
  }
  const resolved: ResolvedHttpOptions = { ...HTTP_DEFAULTS }
  for (const [key, value] of Object.entries(options)) {
    if (key === 'ca') {
      if (value !== undefined && typeof value !== 'string') throw errors.E_CONFIG('httpCa', {})
      if (value !== undefined) resolved.ca = value
      continue
    }
    if (!Object.hasOwn(BOUNDS, key)) {
      const known = Object.keys(BOUNDS).join(', ')
      throw errors.E_CONFIG('httpUnknown', { key, known })
    }
    if (value === undefined) continue
    const name = key as keyof typeof BOUNDS
    const { min, max, hint } = BOUNDS[name]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw errors.E_CONFIG('httpRange', { key, min, max, got: value, use: hint })
    }
    resolved[name] = value
  }
  if (resolved.minRetryDelayMs > resolved.maxRetryDelayMs) {
    throw errors.E_CONFIG('httpRetryDelays', { min: resolved.minRetryDelayMs, max: resolved.maxRetryDelayMs })
  }
  return resolved
}
