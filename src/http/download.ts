import type { Dispatcher } from 'undici'
import { isRodinError, RodinError } from '../errors.js'
import { displayURL } from '../redact.js'
import { sharedFileAgent, USER_AGENT } from './agents.js'
import { contentLength, decodeContent, readBody, readExcerpt } from './body.js'
import { bodyExcerpt, contextDetails, contextLabel, networkFailure, RetryableFailure } from './failure.js'
import type { HttpInternals, HttpOptions, RequestContext } from './options.js'
import { resolveHttpOptions } from './options.js'
import { isRetryableStatus, parseRetryAfter, withRetries } from './retry.js'
import { redirectLocation, send } from './send.js'
import { assertSafeURL, resolveLocation } from './url-policy.js'

export interface DownloadOptions {
  http?: HttpOptions
  /** `file` is the server-side file name, for messages only. */
  ctx: RequestContext & { file?: string }
  signal?: AbortSignal
  /** @internal */
  internal?: HttpInternals
}

export interface DownloadResult {
  bytes: Uint8Array
  contentType?: string
  /** Where the bytes came from after redirects. It may carry a signature: never log or store it. */
  finalURL: string
}

// Signed-URL hosts answer these when the signature expired or was revoked; only fresh URLs help.
const EXPIRED = new Set([401, 403, 410])

/**
 * Fetches a (signed) file URL into memory. Deliberately credential-free: it uses the shared file agent, sends
 * only User-Agent/Accept headers, follows redirects by hand so each hop is re-checked, and counts bytes itself
 * against `maxBytes`. 403/410 are thrown at once (with `details.status`) so the caller can ask for fresh URLs.
 */
export async function downloadFile(url: string, opts: DownloadOptions): Promise<DownloadResult> {
  const http = resolveHttpOptions(opts.http)
  const ctx = opts.ctx
  const start = assertSafeURL(url, { ...ctx, what: 'file URL' })
  const dispatcher: Dispatcher = opts.internal?.dispatcher ?? sharedFileAgent(http)
  const headers = { 'user-agent': USER_AGENT, accept: '*/*', 'accept-encoding': 'identity' }
  const fileName = ctx.file ? `file "${ctx.file}"` : 'file'
  const nextStep = 'the file host is unreachable or failing; run the build again later'

  const attempt = async (signal: AbortSignal): Promise<DownloadResult> => {
    let current = start
    for (let hops = 0; ; hops++) {
      const shown = displayURL(current)
      const what = `download of ${fileName} from ${shown}`
      const details = { ...contextDetails(ctx), url: shown }
      const res = await send(
        current,
        { method: 'GET', headers, signal, dispatcher, http },
        { request: what, ctx, url: shown, nextStep },
      )
      const status = res.statusCode
      const location = redirectLocation(
        res,
        hops,
        http.maxRedirects,
        () =>
          new RodinError(
            'E_HTTP',
            `http: ${contextLabel(ctx)}${what} redirected more than ${http.maxRedirects} times (the file host is misconfigured; raise http.maxRedirects only if the chain is legitimate)`,
            { ...details, status },
          ),
      )
      if (location !== undefined) {
        current = assertSafeURL(resolveLocation(location, current), { ...ctx, what: `redirect from ${shown} to` })
        continue
      }

      if (status < 200 || status >= 300) {
        const excerpt = bodyExcerpt(scrubQuery(await readExcerpt(res.body), current))
        const said = excerpt ? `: ${excerpt}` : ''
        if (EXPIRED.has(status)) {
          throw new RodinError(
            'E_HTTP',
            `http: ${contextLabel(ctx)}${what} answered HTTP ${status}${said} (the signed URL has probably expired; ask the provider for fresh file URLs)`,
            { ...details, status },
          )
        }
        if (isRetryableStatus(status)) {
          const header = res.headers['retry-after']
          const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header)
          throw new RetryableFailure(
            'E_HTTP',
            `http: ${contextLabel(ctx)}${what} answered HTTP ${status}{attempts}${said} (${nextStep})`,
            { ...details, status },
            retryAfterMs,
          )
        }
        const fix =
          status === 404
            ? 'the provider listed a file that is not there; ask the provider for the file list again'
            : 'the file host refused the request; this is not retried'
        throw new RodinError('E_HTTP', `http: ${contextLabel(ctx)}${what} answered HTTP ${status}${said} (${fix})`, {
          ...details,
          status,
        })
      }

      const declared = contentLength(res.headers)
      const tooLarge = (bytes: number): RodinError =>
        new RodinError(
          'E_TOO_LARGE',
          `http: ${contextLabel(ctx)}${what} is larger than maxBytes (${http.maxBytes} bytes; ${declared !== undefined && declared > http.maxBytes ? `Content-Length says ${declared}` : `${bytes} received`}) (raise http.maxBytes if the file is legitimate)`,
          { ...details, status, expected: `<= ${http.maxBytes}`, actual: String(bytes) },
        )
      if (declared !== undefined && declared > http.maxBytes) {
        res.body.destroy() // dump() would wait for bytes we already refuse
        throw tooLarge(declared)
      }
      let raw: Buffer
      try {
        raw = await readBody(res.body, { maxBytes: http.maxBytes, stallTimeoutMs: http.stallTimeoutMs, tooLarge })
      } catch (err) {
        if (isRodinError(err)) throw err
        throw networkFailure(err, { request: what, ctx, url: shown, nextStep })
      }
      if (declared !== undefined && raw.byteLength !== declared) {
        // undici normally raises this itself; our own check also covers HTTP/2 and exotic framings.
        throw new RetryableFailure(
          'E_HTTP',
          `http: ${contextLabel(ctx)}${what} was cut short: ${raw.byteLength} of ${declared} bytes{attempts} (${nextStep})`,
          { ...details, status, expected: String(declared), actual: String(raw.byteLength) },
        )
      }
      let bytes: Buffer
      try {
        bytes = decodeContent(raw, res.headers['content-encoding'], http.maxBytes, tooLarge)
      } catch (err) {
        if (isRodinError(err)) throw err
        throw new RodinError(
          'E_HTTP',
          `http: ${contextLabel(ctx)}${what} sent a body that cannot be decoded (${bodyExcerpt(err instanceof Error ? err.message : String(err), 120)}) (the file host is misbehaving; try again later)`,
          { ...details, status },
        )
      }
      const type = res.headers['content-type']
      const contentType = Array.isArray(type) ? type[0] : type
      return { bytes, ...(contentType === undefined ? {} : { contentType }), finalURL: current.href }
    }
  }

  return withRetries(
    {
      options: http,
      internal: opts.internal,
      signal: opts.signal,
      ctx,
      request: `download of ${fileName} from ${displayURL(start)}`,
      url: displayURL(start),
    },
    attempt,
  )
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
