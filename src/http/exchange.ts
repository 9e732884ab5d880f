import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import { errors } from '../catalogue/index.js'
import type { RodinError, RodinErrorDetails } from '../errors.js'
import { isRodinError } from '../errors.js'
import { displayURL } from '../redact.js'
import type { FileHostPolicy } from './address-policy.js'
import { boundedBody, contentLength, readExcerpt } from './body.js'
import { bodyExcerpt, contextDetails, errorCode, networkFailure, RetryableFailure } from './failure.js'
import type { HttpInternals, RequestContext, ResolvedHttpOptions } from './options.js'
import { isRetryableStatus, parseRetryAfter, withRetries } from './retry.js'
import { redirectLocation, send } from './send.js'
import { assertFileHostURL, assertSafeURL, resolveLocation } from './url-policy.js'

export type ResponseHeaders = Record<string, string | string[] | undefined>

/**
 * Secret headers and the one origin they belong to. They are attached to a hop only when its origin is
 * exactly `origin`, so nothing that follows a redirect or a provider-given URL can carry them elsewhere.
 */
export interface Credentials {
  origin: string
  headers: Record<string, string>
}

/** What a status outside 2xx (and outside `accept`) means for this kind of request. */
/** The final error for a status that is neither accepted nor retried; `details` already holds the status. */
export type StatusMeaning = (status: number, said: string, what: string, details: RodinErrorDetails) => RodinError

export interface Exchange<T> {
  url: URL
  method: 'GET' | 'POST' | 'PUT'
  /** Plain headers, sent on every hop. Never put a credential here: use `credentials`. */
  headers: Record<string, string>
  body?: string
  credentials?: Credentials
  /**
   * `api`: redirects must stay on the start origin (API answers are trusted only from there).
   * `file`: redirects are followed under the file-host policy (no downgrade, no internal address).
   */
  target: { kind: 'api' } | { kind: 'file'; policy: FileHostPolicy }
  maxBytes: number
  http: ResolvedHttpOptions
  dispatcher: Dispatcher
  ctx: RequestContext & { file?: string }
  /** "rodin API GET https://…", "download of file "a.glb" from https://…" (display-safe). */
  describe: (method: string, url: URL) => string
  /** What to tell the user when the host keeps failing. */
  nextStep: string
  /** Hint for the redirect-count error. */
  redirectHint: string
  /** Hint for an oversized body. */
  tooLargeHint: string
  accept?: (status: number) => boolean
  meaning: StatusMeaning
  /** Consumes the (bounded, decoded) body of an accepted answer. It must read it to the end or throw. */
  read: (body: Readable, res: { status: number; headers: ResponseHeaders; url: URL }) => Promise<T>
  retryable?: boolean
  signal?: AbortSignal
  internal?: HttpInternals
}

export interface Exchanged<T> {
  status: number
  headers: ResponseHeaders
  /** Final URL after redirects. It may carry a signature: never log or store it. */
  url: URL
  value: T
}

/**
 * The one request loop of the HTTP layer: redirects followed by hand and re-checked at every hop, credentials
 * attached per hop by origin, statuses mapped, bodies size-capped and stall-guarded, transient failures retried
 * within the deadline. API calls and file downloads differ only in the fields of {@link Exchange}.
 */
export async function exchange<T>(x: Exchange<T>): Promise<Exchanged<T>> {
  const { ctx, http } = x
  if (x.credentials && x.credentials.origin !== x.url.origin) {
    throw errors.E_UNSAFE_URL('credentialsOffOrigin', {
      ...contextDetails(ctx),
      request: x.describe(x.method, x.url),
      origin: x.credentials.origin,
      url: displayURL(x.url),
    })
  }

  const attempt = async (signal: AbortSignal): Promise<Exchanged<T>> => {
    let url = x.url
    let method: string = x.method
    let body = x.body
    const headers = { ...x.headers }
    for (let hops = 0; ; hops++) {
      const what = x.describe(method, url)
      const shown = displayURL(url)
      const details = { ...contextDetails(ctx), url: shown }
      const sent = x.credentials?.origin === url.origin ? { ...headers, ...x.credentials.headers } : headers
      const res = await send(
        url,
        { method, headers: sent, body, signal, dispatcher: x.dispatcher, http },
        { request: what, ctx, url: shown, nextStep: x.nextStep },
      ).catch(err => {
        throw refusedAddress(err, what, details) ?? err
      })
      const status = res.statusCode
      const location = redirectLocation(res, hops, http.maxRedirects, () =>
        errors.E_HTTP('tooManyRedirects', {
          ...details,
          request: what,
          max: http.maxRedirects,
          hint: x.redirectHint,
          status,
        }),
      )
      if (location !== undefined) {
        const hop = { ...ctx, what: `redirect from ${what} to` }
        const next =
          x.target.kind === 'file'
            ? assertFileHostURL(resolveLocation(location, url), hop, x.target.policy, url)
            : assertSafeURL(resolveLocation(location, url), hop)
        if (x.target.kind === 'api' && next.origin !== x.url.origin) {
          throw errors.E_UNSAFE_URL('redirectOffOrigin', { ...details, request: what, status, url: displayURL(next) })
        }
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET'
          body = undefined
          delete headers['content-type']
        }
        url = next
        continue
      }

      if (!((status >= 200 && status < 300) || x.accept?.(status))) {
        const text = scrubQuery(await readExcerpt(res.body), url)
        const excerpt = bodyExcerpt(compactJson(text))
        const said = excerpt ? `: ${excerpt}` : ''
        if (isRetryableStatus(status)) {
          const header = res.headers['retry-after']
          throw new RetryableFailure(
            attempts =>
              errors.E_HTTP('retriesExhausted', {
                ...details,
                request: what,
                status,
                attempts,
                said,
                nextStep: x.nextStep,
              }),
            parseRetryAfter(Array.isArray(header) ? header[0] : header),
          )
        }
        throw x.meaning(status, said, what, { ...details, status })
      }

      const declared = contentLength(res.headers)
      const tooLarge = (bytes: number): RodinError =>
        errors.E_TOO_LARGE('body', {
          ...details,
          request: what,
          maxBytes: x.maxBytes,
          seen:
            declared !== undefined && declared > x.maxBytes ? `Content-Length says ${declared}` : `${bytes} received`,
          hint: x.tooLargeHint,
          status,
          expected: `<= ${x.maxBytes}`,
          actual: String(bytes),
        })
      if (declared !== undefined && declared > x.maxBytes) {
        res.body.destroy() // dump() would wait for bytes we already refuse
        throw tooLarge(declared)
      }
      try {
        const stream = boundedBody(res.body, {
          maxBytes: x.maxBytes,
          stallTimeoutMs: http.stallTimeoutMs,
          tooLarge,
          declared,
          encoding: res.headers['content-encoding'],
          // undici normally raises this itself; our own check also covers HTTP/2 and exotic framings.
          cutShort: (got, want) =>
            new RetryableFailure(attempts =>
              errors.E_HTTP('cutShort', {
                ...details,
                request: what,
                got,
                want,
                attempts,
                nextStep: x.nextStep,
                status,
                expected: String(want),
                actual: String(got),
              }),
            ),
        })
        const value = await x.read(stream, { status, headers: res.headers, url })
        return { status, headers: res.headers, url, value }
      } catch (err) {
        if (signal.aborted) throw signal.reason
        if (isRodinError(err) || err instanceof RetryableFailure) throw err
        const code = errorCode(err)
        if (code === 'E_ENCODING' || code?.startsWith('Z_') || code === 'ERR_BROTLI_DECOMPRESSION_FAILED') {
          const reason = bodyExcerpt(err instanceof Error ? err.message : String(err), 120)
          throw errors.E_HTTP('undecodable', { ...details, request: what, reason, status })
        }
        throw networkFailure(err, { request: what, ctx, url: shown, nextStep: x.nextStep })
      }
    }
  }

  const retryable = x.retryable ?? true
  return withRetries(
    {
      options: http,
      internal: x.internal,
      signal: x.signal,
      ctx,
      request: x.describe(x.method, x.url),
      url: displayURL(x.url),
    },
    async signal => {
      try {
        return await attempt(signal)
      } catch (err) {
        if (!retryable && err instanceof RetryableFailure) throw err.toError(1)
        throw err
      }
    },
  )
}

/** The guarded lookup's refusal, as the final `E_UNSAFE_URL` it is (never retried). */
function refusedAddress(err: unknown, what: string, details: RodinErrorDetails): RodinError | undefined {
  const cause = err instanceof RetryableFailure || isRodinError(err) ? err.cause : err
  if (errorCode(cause) !== 'E_FORBIDDEN_ADDRESS') return undefined
  const reason = cause instanceof Error ? cause.message : String(cause)
  return errors.E_UNSAFE_URL('forbiddenAddress', { ...details, request: what, reason: bodyExcerpt(reason, 160) })
}

/** JSON error bodies read better compact ("{"error":"x"}"), as the API client always showed them. */
function compactJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text))
  } catch {
    return text
  }
}

/** Removes the signed part of `url` from a server's echo (a relative `/file?sig=…` escapes the generic scrub). */
function scrubQuery(text: string, url: URL): string {
  let out = text
  if (url.search.length > 1) out = out.split(url.search.slice(1)).join('[query removed]')
  for (const value of url.searchParams.values()) {
    if (value.length < 6) continue
    for (const form of new Set([value, encodeURIComponent(value)])) out = out.split(form).join('[redacted]')
  }
  return out
}
