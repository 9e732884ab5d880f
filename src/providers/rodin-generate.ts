import { Agent, FormData, request } from 'undici'
import { causeError, errors } from '../catalogue/index.js'
import type { ApiClient, HttpOptions, RequestContext } from '../http/index.js'
import { assertSafeURL, resolveHttpOptions } from '../http/index.js'
import { displayURL, redact } from '../redact.js'
import { sha256Hex } from '../util/hash.js'

/** One billable request: `POST /rodin` or `POST /rodin_texture_only`, as text fields and files. */
export interface GenerationParts {
  route: '/rodin' | '/rodin_texture_only'
  fields: [string, string][]
  files: { field: string; name: string; type: string; bytes: Uint8Array }[]
}

export interface CreatedTask {
  task: string
  subscriptionKey: string
}

/** A stable hash of what would be sent (fields in order, files by content), for the journal. */
export function partsHash(parts: GenerationParts): string {
  const files = parts.files.map(f => [f.field, f.name, f.type, sha256Hex(f.bytes)])
  return sha256Hex(JSON.stringify([parts.route, parts.fields, files]))
}

/** Credits left on the account (`GET /check_balance`, free). */
export async function checkBalance(api: ApiClient, ctx: RequestContext): Promise<number> {
  const res = await api.request({ method: 'GET', path: '/check_balance', ctx })
  const balance = (res.body as { balance?: unknown } | null)?.balance
  if (typeof balance !== 'number' || !Number.isFinite(balance))
    throw errors.E_HTTP('noBalance', { ...ctx, status: res.status })
  return balance
}

/** Job statuses of a task (`POST /status`, free and safe to retry). */
export async function jobStatuses(api: ApiClient, subscriptionKey: string, ctx: RequestContext): Promise<string[]> {
  const res = await api.request({ method: 'POST', path: '/status', json: { subscription_key: subscriptionKey }, ctx })
  const jobs = (res.body as { jobs?: { status?: unknown }[] } | null)?.jobs
  if (!Array.isArray(jobs) || jobs.length === 0)
    throw errors.E_HTTP('noJobs', { ...ctx, asset: String(ctx.asset), said: '', checkKey: false, status: res.status })
  return jobs.map(j => String(j?.status ?? 'unknown'))
}

// Errors that mean the request never left this machine: no task can exist.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'ENETUNREACH'])

/**
 * Sends one generation request, exactly once: this is billed, so nothing here retries, follows a redirect or
 * re-sends on any failure. An answer lost after the request went out (reset, timeout, 5xx, a 2xx without a
 * task) is `E_SUBMIT_LOST`: a task may exist and may have been billed.
 */
export async function submitGeneration(
  conf: { baseURL: string; apiKey: string; http?: HttpOptions },
  parts: GenerationParts,
  ctx: RequestContext,
): Promise<CreatedTask> {
  const http = resolveHttpOptions(conf.http)
  const url = assertSafeURL(`${conf.baseURL.replace(/\/+$/, '')}${parts.route}`, { ...ctx, what: 'rodin API' })
  const what = `POST ${displayURL(url)}`
  const form = new FormData()
  for (const [name, value] of parts.fields) form.append(name, value)
  for (const f of parts.files) form.append(f.field, new Blob([new Uint8Array(f.bytes)], { type: f.type }), f.name)
  const agent = new Agent({ connectTimeout: http.connectTimeoutMs })
  const lost = (why: string, status?: number, cause?: unknown) =>
    errors.E_SUBMIT_LOST('lost', { ...ctx, asset: String(ctx.asset), what, why, status, cause })
  try {
    let res: Awaited<ReturnType<typeof request>>
    try {
      res = await request(url, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${conf.apiKey}`, accept: 'application/json' },
        dispatcher: agent,
        headersTimeout: Math.max(http.headersTimeoutMs, 60_000),
        bodyTimeout: http.stallTimeoutMs,
      })
    } catch (err) {
      const code = errorCode(err)
      if (code && NOT_SENT.has(code))
        throw errors.E_HTTP('unreachable', { ...ctx, asset: String(ctx.asset), what, code, cause: scrub(err) })
      throw lost(code ?? redact(String(err)).slice(0, 120), undefined, scrub(err))
    }
    let text: string
    try {
      text = await res.body.text()
    } catch (err) {
      throw lost(`the answer broke off: ${errorCode(err) ?? 'read error'}`, res.statusCode, scrub(err))
    }
    const status = res.statusCode
    const body = parseJson(text)
    const said = excerpt(body, text)
    if (status >= 500) throw lost(`HTTP ${status}${said}`, status)
    if (status === 401 || status === 403)
      throw errors.E_AUTH('rodinRejected', { ...ctx, asset: String(ctx.asset), what, status, said })
    if (status < 200 || status >= 300)
      throw errors.E_HTTP('rodinRefused', { ...ctx, asset: String(ctx.asset), status, said })
    const uuid = typeof body?.uuid === 'string' ? body.uuid : undefined
    const key = (body?.jobs as { subscription_key?: unknown } | undefined)?.subscription_key
    if (uuid && typeof key === 'string' && key) return { task: uuid.toLowerCase(), subscriptionKey: key }
    if (body?.error && body.error !== 'OK')
      throw errors.E_HTTP('rodinError', { ...ctx, asset: String(ctx.asset), said, status })
    throw lost(`HTTP ${status} without a task uuid${said}`, status)
  } finally {
    await agent.close().catch(() => {})
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text)
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function excerpt(body: Record<string, unknown> | null, text: string): string {
  const parts = body ? [body.error, body.message, body.detail].filter(v => typeof v === 'string' && v) : [text.trim()]
  const line = redact(parts.join(': ')).replace(/\s+/g, ' ').slice(0, 200)
  return line ? ` (server says: ${line})` : ''
}

function errorCode(err: unknown): string | undefined {
  let current: unknown = err
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const { code } = current as { code?: unknown }
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

// undici errors may hold the request options (headers included): keep only a redacted message and the code.
function scrub(err: unknown): Error {
  return causeError(redact(err instanceof Error ? err.message : String(err)), errorCode(err))
}
