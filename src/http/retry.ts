import { setTimeout as delay } from 'node:timers/promises'
import { errors } from '../catalogue/index.js'
import { contextDetails, RetryableFailure } from './failure.js'
import type { HttpInternals, RequestContext, ResolvedHttpOptions } from './options.js'

/** Statuses that say "try again later": request timeout, rate limit, any server-side error. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599)
}

// RFC 9110 §10.2.3: delay-seconds, or an HTTP-date (IMF-fixdate, obsolete RFC 850 or asctime form).
const SECONDS = /^\d+(?:\.\d+)?$/
const HTTP_DATE = /^[A-Za-z]{3,9},? +[\w -]+ \d{1,2}:\d{2}:\d{2}(?: +\d{4})?(?: +GMT)?$/

/**
 * `Retry-After` in milliseconds from `now`, or `undefined` when absent or unparsable (the caller then uses
 * its own back-off). A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  if (text === '') return undefined
  if (SECONDS.test(text)) return Math.round(Number(text) * 1000)
  if (!HTTP_DATE.test(text)) return undefined
  // asctime dates carry no zone but are GMT by definition; V8 would read them as local time.
  const at = Date.parse(/GMT$/.test(text) ? text : `${text} GMT`)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}

/**
 * Wait before retry number `attempt` (1 for the first retry). A `Retry-After` wins, capped at
 * `maxRetryDelayMs`. Otherwise "full jitter" above the floor: uniform in [min, min(max, min·2^attempt)], so
 * parallel CI builds that failed together do not come back in lock-step. Pure: `random` is injectable.
 */
export function computeRetryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  options: Pick<ResolvedHttpOptions, 'minRetryDelayMs' | 'maxRetryDelayMs'>,
  random: () => number = Math.random,
): number {
  const { minRetryDelayMs: min, maxRetryDelayMs: max } = options
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) return Math.min(Math.max(0, retryAfterMs), max)
  const exponent = Math.min(Math.max(1, Math.floor(attempt)), 40)
  const ceiling = Math.max(min, Math.min(max, min * 2 ** exponent))
  const r = Math.min(Math.max(random(), 0), 1)
  return Math.round(min + r * (ceiling - min))
}

/** "1.5 s", "12 min", for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`
  return `${Math.round(ms / 360_000) / 10} h`
}

export interface RetryPlan {
  options: ResolvedHttpOptions
  internal?: HttpInternals
  /** The caller's cancellation; its reason is rethrown untouched. */
  signal?: AbortSignal
  ctx: RequestContext & { file?: string }
  /** "GET https://host/path", already display-safe. */
  request: string
  url: string
}

class DeadlineReached extends Error {
  readonly code = 'E_DEADLINE'
}

/**
 * Runs `attempt` until it succeeds, throws something final, or the retry budget or the deadline runs out.
 * `attempt` signals "maybe transient" by throwing a {@link RetryableFailure}; its signal aborts when the
 * caller cancels or the overall deadline passes.
 */
export async function withRetries<T>(
  plan: RetryPlan,
  attempt: (signal: AbortSignal, n: number) => Promise<T>,
): Promise<T> {
  const { options, internal = {} } = plan
  const now = internal.now ?? Date.now
  const sleep = internal.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }))
  const random = internal.random ?? Math.random
  const started = now()
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(new DeadlineReached('deadline reached')), options.deadlineMs)
  timer.unref()
  const signal = plan.signal ? AbortSignal.any([plan.signal, deadline.signal]) : deadline.signal
  let attempts = 0

  const stopIfCancelled = (): void => {
    if (plan.signal?.aborted) throw plan.signal.reason
    if (deadline.signal.aborted) {
      throw errors.E_TIMEOUT('deadline', {
        ...contextDetails(plan.ctx),
        request: plan.request,
        deadline: formatDuration(options.deadlineMs),
        attempts,
        url: plan.url,
      })
    }
  }

  try {
    for (;;) {
      stopIfCancelled()
      attempts++
      let failure: RetryableFailure
      try {
        return await attempt(signal, attempts)
      } catch (err) {
        stopIfCancelled()
        if (!(err instanceof RetryableFailure)) throw err
        failure = err
      }
      if (attempts > options.maxRetries) throw failure.toError(attempts)
      const remaining = options.deadlineMs - (now() - started)
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > remaining) {
        throw failure.make(
          `; the server asks to retry after ${formatDuration(failure.retryAfterMs)}, beyond the remaining deadline of ${formatDuration(Math.max(0, remaining))}`,
        )
      }
      const wait = computeRetryDelay(attempts, failure.retryAfterMs, options, random)
      if (wait >= remaining) throw failure.toError(attempts)
      try {
        await sleep(wait, signal)
      } catch (err) {
        stopIfCancelled()
        throw err
      }
    }
  } finally {
    clearTimeout(timer)
  }
}
