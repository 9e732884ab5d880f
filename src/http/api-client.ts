import type { Dispatcher } from 'undici'
import { errors } from '../catalogue/index.js'
import { displayURL, registerSecret } from '../redact.js'
import { createAgent, USER_AGENT } from './agents.js'
import { collect } from './body.js'
import type { ResponseHeaders } from './exchange.js'
import { exchange } from './exchange.js'
import { contextDetails } from './failure.js'
import type { HttpInternals, HttpOptions, RequestContext } from './options.js'
import { API_MAX_BYTES, resolveHttpOptions } from './options.js'
import { assertSafeURL } from './url-policy.js'

export type { ResponseHeaders }

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
  /** What to tell the user on 401/403 (each provider's spec says which options and variables to set). */
  authHint?: string
  /** @internal */
  internal?: HttpInternals
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
  const authHint = options.authHint ?? `check the ${provider} API key in the plugin options`
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
    if (closed) throw errors.E_HTTP('clientClosed', { provider })
    const ctx: RequestContext = { ...req.ctx, provider: req.ctx.provider ?? provider }
    const target = joinPath(base, req.path)
    const label = (method: string, url: URL): string => `${provider} API ${method} ${displayURL(url)}`
    if (target.origin !== base.origin) {
      throw errors.E_UNSAFE_URL('offOrigin', {
        ...contextDetails(ctx),
        request: label(req.method, target),
        base: displayURL(base),
        url: displayURL(target),
      })
    }
    let payload: string | undefined
    const headers: Record<string, string> = {
      'user-agent': USER_AGENT,
      accept: 'application/json',
      'accept-encoding': 'identity',
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
    const nextStep = `the ${provider} API is unreachable or failing; try again later`
    const res = await exchange({
      url: target,
      method: req.method,
      headers,
      body: payload,
      credentials: { origin: base.origin, headers: clientHeaders },
      target: { kind: 'api' },
      maxBytes: API_MAX_BYTES,
      http,
      dispatcher: dispatcher(),
      ctx,
      describe: label,
      nextStep,
      redirectHint: `check the ${provider} base URL, or raise http.maxRedirects`,
      tooLargeHint: `an API answer is never that big; check the ${provider} base URL`,
      accept: req.acceptStatus,
      meaning: (status, said, what, details) =>
        status === 401 || status === 403
          ? errors.E_AUTH('apiKey', { ...details, provider, request: what, status, said, authHint })
          : errors.E_HTTP('apiStatus', { ...details, provider, request: what, status, said }),
      read: async body => parseBody(await collect(body)),
      retryable: req.retryable ?? true,
      signal: req.signal,
      internal: options.internal,
    })
    return { status: res.status, headers: res.headers, body: res.value }
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
