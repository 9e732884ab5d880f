import type { Dispatcher } from 'undici'
import { isRodinError, RodinError } from '../errors.js'
import { displayURL, registerSecret } from '../redact.js'
import { createAgent, USER_AGENT } from './agents.js'
import { contentLength, decodeContent, readBody } from './body.js'
import { bodyExcerpt, contextDetails, contextLabel, networkFailure, RetryableFailure } from './failure.js'
import type { HttpInternals, HttpOptions, RequestContext } from './options.js'
import { API_MAX_BYTES, resolveHttpOptions } from './options.js'
import { isRetryableStatus, parseRetryAfter, withRetries } from './retry.js'
import { redirectLocation, send } from './send.js'
import { assertSafeURL, resolveLocation } from './url-policy.js'

export type ResponseHeaders = Record<string, string | string[] | undefined>

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT'
  /** Appended to the base URL's path (`/status` → `https://host/api/v2/status`); may carry a query. */
  path: string
  json?: unknown
  form?: Record<string, string>
  headers?: Record<string, string>
  ctx: RequestContext
  /** Statuses for which this returns true are returned instead of thrown (e.g. Getty's 202, a 404 to probe). */
  acceptStatus?: (status: number) => boolean
  /** Default true: the POSTs made through this client are idempotent reads. Set false for anything that costs. */
  retryable?: boolean
  signal?: AbortSignal
}

export interface ApiResponse {
  status: number
  headers: ResponseHeaders
  /** Parsed JSON whatever the content-type (a BOM is dropped), else the raw text. */
  body: unknown
}

export interface ApiClient {
  request: (opts: ApiRequest) => Promise<ApiResponse>
  /** Closes this client's own connections; other clients and downloads are unaffected. */
  close: () => Promise<void>
}

export interface ApiClientOptions {
  baseURL: string
  /** Sent only to `baseURL`'s origin, never to file hosts or redirect targets elsewhere. */
  headers?: Record<string, string>
  http?: HttpOptions
  provider: string
  /** What to tell the user on 401/403; defaults to the provider's environment variables. */
  authHint?: string
  /** @internal */
  internal?: HttpInternals
}

const AUTH_HINTS: Record<string, string> = {
  rodin: 'set RODIN_API_KEY (or HYPER3D_API_KEY), or providers.rodin.apiKey, to a valid Hyper3D key',
  modelslab: 'set MODELSLAB_API_KEY, or providers.modelslab.apiKey, to a valid ModelsLab key',
  getty:
    'set GETTY_API_KEY, GETTY_CLIENT_ID and GETTY_CLIENT_SECRET (or the providers.getty options) to valid credentials',
}

// Header values under these names are credentials whatever the caller registered.
const SECRET_HEADER = /auth|key|token|secret|cookie/i

function joinPath(base: URL, path: string): URL {
  if (/^[a-z][a-z\d+.-]*:/i.test(path)) return new URL(path)
  const at = path.indexOf('?')
  const pathname = at === -1 ? path : path.slice(0, at)
  const url = new URL(base)
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/${pathname.replace(/^\/+/, '')}`
  url.search = at === -1 ? '' : path.slice(at)
  url.hash = ''
  return url
}

function parseBody(bytes: Buffer): unknown {
  // TextDecoder drops a leading BOM, which JSON.parse would otherwise choke on.
  const text = new TextDecoder('utf-8').decode(bytes)
  const trimmed = text.trim()
  if (trimmed === '') return text
  try {
    return JSON.parse(trimmed)
  } catch {
    return text
  }
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v
  return out
}

/**
 * A client for one provider API origin. It owns its connection pool, so credentials set here cannot reach
 * another host through a shared pool, and close() affects no one else.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const { provider } = options
  const http = resolveHttpOptions(options.http)
  const base = assertSafeURL(options.baseURL, { provider, what: `${provider} API base URL` })
  const authHint = options.authHint ?? AUTH_HINTS[provider] ?? `check the ${provider} API key in the plugin options`
  const clientHeaders = lowerKeys(options.headers)
  for (const [name, value] of Object.entries(clientHeaders)) {
    if (!SECRET_HEADER.test(name)) continue
    registerSecret(value)
    registerSecret(value.replace(/^\w+\s+/, '')) // the token after "Bearer " / "Basic "
  }
  let agent: Dispatcher | undefined
  const dispatcher = (): Dispatcher => options.internal?.dispatcher ?? (agent ??= createAgent(http))
  let closed = false

  async function request(req: ApiRequest): Promise<ApiResponse> {
    if (closed) throw new Error(`unplugin-rodin: the ${provider} API client is closed`)
    const ctx: RequestContext = { ...req.ctx, provider: req.ctx.provider ?? provider }
    const target = joinPath(base, req.path)
    const label = (method: string, url: URL): string => `${provider} API ${method} ${displayURL(url)}`
    if (target.origin !== base.origin) {
      throw new RodinError(
        'E_UNSAFE_URL',
        `http: ${contextLabel(ctx)}${label(req.method, target)} is outside ${displayURL(base)} (API credentials are only sent to their own origin; pass a path, not a URL to another host)`,
        { ...contextDetails(ctx), url: displayURL(target) },
      )
    }
    let payload: string | undefined
    const headers: Record<string, string> = {
      'user-agent': USER_AGENT,
      accept: 'application/json',
      'accept-encoding': 'identity',
      ...clientHeaders,
    }
    if (req.json !== undefined && req.form !== undefined)
      throw new TypeError('unplugin-rodin: pass either json or form, not both')
    if (req.json !== undefined) {
      payload = JSON.stringify(req.json)
      headers['content-type'] = 'application/json'
    } else if (req.form !== undefined) {
      payload = new URLSearchParams(req.form).toString()
      headers['content-type'] = 'application/x-www-form-urlencoded'
    }
    Object.assign(headers, lowerKeys(req.headers))
    const retryable = req.retryable ?? true

    const attempt = async (signal: AbortSignal): Promise<ApiResponse> => {
      let url = target
      let method: string = req.method
      let body = payload
      for (let hops = 0; ; hops++) {
        const what = label(method, url)
        const shown = displayURL(url)
        const details = { ...contextDetails(ctx), url: shown }
        const nextStep = `the ${provider} API is unreachable or failing; try again later`
        const res = await send(
          url,
          { method, headers, body, signal, dispatcher: dispatcher(), http },
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
              `http: ${contextLabel(ctx)}${what} redirected more than ${http.maxRedirects} times (check the ${provider} base URL, or raise http.maxRedirects)`,
              { ...details, status },
            ),
        )
        if (location !== undefined) {
          const next = assertSafeURL(resolveLocation(location, url), { ...ctx, what: `redirect from ${what} to` })
          if (next.origin !== base.origin) {
            throw new RodinError(
              'E_UNSAFE_URL',
              `http: ${contextLabel(ctx)}${what} redirected to another origin ${displayURL(next)}; API credentials are never sent there (set the ${provider} baseURL to the final API host)`,
              { ...details, status, url: displayURL(next) },
            )
          }
          if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
            method = 'GET'
            body = undefined
            delete headers['content-type']
          }
          url = next
          continue
        }
        const tooLarge = (bytes: number): RodinError =>
          new RodinError(
            'E_TOO_LARGE',
            `http: ${contextLabel(ctx)}${what} sent a response body over ${API_MAX_BYTES} bytes (${bytes} seen); an API answer is never that big (check the ${provider} base URL)`,
            { ...details, status, expected: `<= ${API_MAX_BYTES}`, actual: String(bytes) },
          )
        let bytes: Buffer
        try {
          const declared = contentLength(res.headers)
          if (declared !== undefined && declared > API_MAX_BYTES) {
            res.body.destroy() // dump() would wait for bytes we already refuse
            throw tooLarge(declared)
          }
          bytes = decodeContent(
            await readBody(res.body, { maxBytes: API_MAX_BYTES, stallTimeoutMs: http.stallTimeoutMs, tooLarge }),
            res.headers['content-encoding'],
            API_MAX_BYTES,
            tooLarge,
          )
        } catch (err) {
          if (isRodinError(err)) throw err
          throw networkFailure(err, { request: what, ctx, url: shown, nextStep })
        }
        const parsed = parseBody(bytes)
        if ((status >= 200 && status < 300) || req.acceptStatus?.(status))
          return { status, headers: res.headers, body: parsed }

        const excerpt = bodyExcerpt(typeof parsed === 'string' ? parsed : JSON.stringify(parsed))
        const said = excerpt ? `: ${excerpt}` : ''
        if (status === 401 || status === 403) {
          throw new RodinError(
            'E_AUTH',
            `http: ${contextLabel(ctx)}the ${provider} API rejected the key: ${what} answered HTTP ${status}${said} (${authHint})`,
            { ...details, status },
          )
        }
        if (isRetryableStatus(status)) {
          const retryAfterMs = parseRetryAfter(headerValue(res.headers['retry-after']))
          throw new RetryableFailure(
            'E_HTTP',
            `http: ${contextLabel(ctx)}${what} answered HTTP ${status}{attempts}${said} (${nextStep})`,
            { ...details, status },
            retryAfterMs,
          )
        }
        const fix =
          status === 404
            ? `check the ${provider} id in assets.rodin.json and the ${provider} baseURL`
            : `the ${provider} API refused the request; this is not retried — check the manifest entry`
        throw new RodinError('E_HTTP', `http: ${contextLabel(ctx)}${what} answered HTTP ${status}${said} (${fix})`, {
          ...details,
          status,
        })
      }
    }

    return withRetries(
      {
        options: http,
        internal: options.internal,
        signal: req.signal,
        ctx,
        request: label(req.method, target),
        url: displayURL(target),
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

  return {
    request,
    async close() {
      if (closed) return
      closed = true
      await agent?.close()
    },
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
