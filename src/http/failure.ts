import { causeError, errors } from '../catalogue/index.js'
import type { RodinError, RodinErrorCode, RodinErrorDetails } from '../errors.js'
import { describeAsset } from '../errors.js'
import { redact } from '../redact.js'
import type { RequestContext } from './options.js'

/** `asset "x" (rodin task y): ` or an empty string, to start a message with. */
export function contextLabel(ctx: RequestContext): string {
  const label = describeAsset(ctx)
  return label ? `${label}: ` : ''
}

/** Only the context fields, so extra keys such as `what` never leak into `err.details`. */
export function contextDetails(ctx: RequestContext & { file?: string }): RodinErrorDetails {
  const details: RodinErrorDetails = {}
  if (ctx.asset !== undefined) details.asset = ctx.asset
  if (ctx.provider !== undefined) details.provider = ctx.provider
  if (ctx.task !== undefined) details.task = ctx.task
  if (ctx.file !== undefined) details.file = ctx.file
  return details
}

const URL_QUERY = /(\b[a-z][a-z\d+.-]*:\/\/[^\s?#"'<>\\]+)\?[^\s"'<>\\]*/gi

/** One line of a server's body for an error message: redacted first, so a truncated secret cannot survive. */
export function bodyExcerpt(text: string, max = 200): string {
  // Servers echo URLs (a file list, a 404 page); signed URLs carry their credentials in the query.
  const line = redact(text).replace(URL_QUERY, '$1?[query removed]').replace(/\s+/g, ' ').trim()
  if (line === '') return ''
  return line.length > max ? `${line.slice(0, max)}…` : line
}

/**
 * A failure that may go away on its own. The retry loop decides whether to try again; if it does not, it
 * turns this into the final RodinError, adding how many attempts were made.
 */
export class RetryableFailure extends Error {
  readonly code: RodinErrorCode
  readonly details: RodinErrorDetails
  override readonly cause?: unknown

  constructor(
    /** Writes the final error; `attempts` is e.g. " after 5 attempts", or why a Retry-After was not waited for. */
    readonly make: (attempts: string) => RodinError,
    readonly retryAfterMs?: number,
  ) {
    const preview = make('')
    super(preview.message)
    this.code = preview.code
    this.details = preview.details
    this.cause = preview.cause
  }

  toError(attempts: number): RodinError {
    return this.make(attempts > 1 ? ` after ${attempts} attempts` : '')
  }
}

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_CLOSED',
])

// undici's RetryHandler does not retry timeouts; a build should, because CDNs stall transiently.
const TIMEOUT_CODES = new Map<string, { what: string; option: string }>([
  ['UND_ERR_CONNECT_TIMEOUT', { what: 'no connection', option: 'connectTimeoutMs' }],
  ['ETIMEDOUT', { what: 'no connection', option: 'connectTimeoutMs' }],
  ['UND_ERR_HEADERS_TIMEOUT', { what: 'no response headers', option: 'headersTimeoutMs' }],
  ['UND_ERR_BODY_TIMEOUT', { what: 'the body stalled', option: 'stallTimeoutMs' }],
  ['E_STALL', { what: 'the body stalled', option: 'stallTimeoutMs' }],
])

const PLAIN: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  ECONNREFUSED: 'the connection was refused',
  UND_ERR_SOCKET: 'the connection closed early',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the body does not match its Content-Length',
  EAI_AGAIN: 'a temporary DNS failure',
}

/** The first `code` found on an error, its cause, or the first error of an AggregateError (happy eyeballs). */
export function errorCode(err: unknown): string | undefined {
  let current: unknown = err
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const { code } = current as { code?: unknown }
    if (typeof code === 'string') return code
    const { errors } = current as { errors?: unknown }
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : (current as { cause?: unknown }).cause
  }
  return undefined
}

export interface NetworkFailureInfo {
  /** e.g. "GET https://host/path" (already display-safe). */
  request: string
  ctx: RequestContext & { file?: string }
  url: string
  /** What to do next when retries run out. */
  nextStep: string
}

/**
 * Maps an error thrown by undici (or our stall watchdog) to a RetryableFailure or a final RodinError. Only the
 * code and a redacted message are kept: undici errors can carry request options, headers included.
 */
export function networkFailure(err: unknown, info: NetworkFailureInfo): RetryableFailure | RodinError {
  const code = errorCode(err) ?? 'UNKNOWN'
  const details = { ...contextDetails(info.ctx), url: info.url }
  const raw = err instanceof Error ? err.message : String(err)
  const reason = bodyExcerpt(raw, 160) || code
  const where = { ...details, request: info.request, nextStep: info.nextStep, code, reason }
  // util.inspect(err) prints the cause chain; keep only a scrubbed copy, never undici's own object.
  const cause = causeError(redact(raw), code)
  const timeout = TIMEOUT_CODES.get(code)
  if (timeout) {
    return new RetryableFailure(attempts => errors.E_TIMEOUT('network', { ...where, ...timeout, attempts, cause }))
  }
  if (RETRYABLE_NETWORK_CODES.has(code) || code.startsWith('HPE_')) {
    const plain = PLAIN[code] ?? 'network error'
    return new RetryableFailure(attempts => errors.E_HTTP('network', { ...where, plain, attempts, cause }))
  }
  if (code === 'ENOTFOUND') return errors.E_HTTP('hostNotFound', { ...where, cause })
  return errors.E_HTTP('networkOther', { ...where, cause })
}
