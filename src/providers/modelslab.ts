import { errors } from '../catalogue/index.js'
import type { RodinError } from '../errors.js'
import type { ApiResponse } from '../http/index.js'
import type { AssetEntry } from '../manifest/manifest.js'
import { registerSecret } from '../redact.js'
import { hasWantedFile, sanitizeFiles } from './listing.js'
import { duration, objectBody, said, secondsToMs, serverMessage } from './messages.js'
import type { Provider, ProviderContext, ProviderFile, ProviderSpec } from './types.js'

/** How often a `success` answer without a usable file is asked again (the file list may lag the status). */
const SUCCESS_REASKS = 3
/** Wait after a 429 that names no delay: the queue cap is per account, so hammering it helps no one. */
const RATE_LIMIT_FALLBACK_MS = 5_000
const KEY_ERROR = /api[\s_-]*key|unauthori[sz]ed|not authenticated|invalid key/i
const KEY_HINT = 'Set MODELSLAB_API_KEY (or providers.modelslab.apiKey) to a valid ModelsLab key'

/**
 * ModelsLab 3D (API v6). One call, `POST /3d/fetch/{id}` with the key in the JSON body (never in a header or
 * URL), polled while `processing`, at the pace of its `eta`, within the `wait` budget. Errors come both as
 * HTTP 4xx and as HTTP 200 with `status: "error"`, and the message field may be spelled `messege`. Only
 * `output` (else `proxy_links`) of a `success` answer is ever downloaded; `future_links` are never touched.
 */
export const modelslabSpec: ProviderSpec = {
  name: 'modelslab',
  settings: {
    apiKey: { env: ['MODELSLAB_API_KEY'], secret: true },
    baseURL: { env: ['MODELSLAB_BASE_URL'], default: 'https://modelslab.com/api/v6', url: true },
  },
  credentials: 'MODELSLAB_API_KEY (or providers.modelslab.apiKey)',
  authHint: 'set MODELSLAB_API_KEY, or providers.modelslab.apiKey, to a valid ModelsLab key',
  async connect(conf, { http, options }) {
    // The key travels in each request's JSON body (ModelsLab's documented way), never as a header.
    const client = http.createApiClient({
      baseURL: conf.baseURL,
      http: options,
      provider: 'modelslab',
      authHint: modelslabSpec.authHint,
    })
    return { client, provider: createModelslabProvider(conf.apiKey!) }
  },
}

export function createModelslabProvider(apiKey: string): Provider {
  registerSecret(apiKey)
  return {
    listFiles: (entry, pc) => fetchFiles(entry, pc, apiKey, false),
    // Output URLs are unsigned, so a 403/410 means that CDN copy is gone: try the alternate links.
    refreshFiles: (entry, pc) => fetchFiles(entry, pc, apiKey, true),
  }
}

async function fetchFiles(
  entry: AssetEntry,
  pc: ProviderContext,
  key: string,
  preferProxy: boolean,
): Promise<ProviderFile[]> {
  const label = `asset "${entry.alias}" (modelslab task ${entry.task})`
  const deadline = pc.now() + pc.wait.timeoutMs
  let successes = 0
  for (;;) {
    const res = await pc.api.request({
      method: 'POST',
      path: `/3d/fetch/${encodeURIComponent(entry.task)}`,
      json: { key },
      ctx: pc.ctx,
      // 4xx bodies carry ModelsLab's own message (and 429 its retry_after); 408 is left to the http layer.
      acceptStatus: status => status >= 400 && status < 500 && status !== 408,
    })
    const body = objectBody(res.body)
    const status = typeof body?.status === 'string' ? body.status.toLowerCase() : ''

    if (
      res.status === 429 ||
      (body && body.retry_after !== undefined && status !== 'success' && status !== 'processing')
    ) {
      const waitMs =
        secondsToMs(body?.retry_after) ??
        secondsToMs(header(res, 'retry-after')) ??
        Math.max(pc.wait.intervalMs, RATE_LIMIT_FALLBACK_MS)
      if (pc.now() + waitMs > deadline) {
        const waited = { waitS: Math.ceil(waitMs / 1000), budget: duration(pc.wait.timeoutMs) }
        throw errors.E_HTTP('modelslabRateLimited', {
          ...pc.ctx,
          subject: label,
          status: res.status,
          said: said(body),
          ...waited,
        })
      }
      await pc.sleep(waitMs)
      continue
    }
    if (res.status >= 400 || status === 'error' || status === 'failed') throw failure(label, res, body, status, pc)
    if (!body) {
      throw errors.E_HTTP('modelslabNotJson', { ...pc.ctx, subject: label, status: res.status, said: said(res.body) })
    }

    if (status === 'success') {
      const files = successFiles(body, pc, label, preferProxy)
      if (
        hasWantedFile(
          entry,
          files.map(f => f.name),
        )
      )
        return files
      successes++
      if (successes >= SUCCESS_REASKS || pc.now() + pc.wait.intervalMs > deadline) {
        const names = files.map(f => f.name).join(', ') || 'nothing'
        const formats = 'glb, obj, stl, ply'
        const regenerate = 'output_format "glb"'
        throw errors.E_NO_FILE('listed', { ...pc.ctx, subject: label, names, file: entry.file, formats, regenerate })
      }
      await pc.sleep(pc.wait.intervalMs)
      continue
    }

    // `processing`, and anything unknown (e.g. a queued state): keep polling, at the pace of its estimate.
    const etaMs = secondsToMs(body.eta) ?? 0
    if (pc.now() + pc.wait.intervalMs > deadline) {
      const eta = etaMs > 0 ? `, ModelsLab estimates ${Math.ceil(etaMs / 1000)} s more` : ''
      throw errors.E_TASK_PENDING('modelslab', {
        ...pc.ctx,
        subject: label,
        waited: duration(pc.wait.timeoutMs),
        state: status,
        eta,
      })
    }
    await pc.sleep(Math.min(Math.max(pc.wait.intervalMs, etaMs), deadline - pc.now()))
  }
}

function successFiles(
  body: Record<string, unknown>,
  pc: ProviderContext,
  label: string,
  preferProxy: boolean,
): ProviderFile[] {
  const output = toFiles(body.output)
  const proxies = toFiles(body.proxy_links)
  let files = output.length > 0 ? output : proxies
  if (preferProxy && proxies.length > 0) {
    const names = new Set(proxies.map(f => f.name))
    files = [...proxies, ...output.filter(f => !names.has(f.name))]
  }
  return sanitizeFiles(files, pc.warn, label)
}

/** ModelsLab names no files: the name is the last segment of the URL's path (never its query). */
function toFiles(urls: unknown): ProviderFile[] {
  if (!Array.isArray(urls)) return []
  return urls
    .filter((u): u is string => typeof u === 'string' && u.trim() !== '')
    .map(url => ({ name: basename(url), url: url.trim() }))
}

function basename(url: string): string {
  try {
    const segment = new URL(url.trim()).pathname.split('/').pop() ?? ''
    return decodeURIComponent(segment)
  } catch {
    return ''
  }
}

function failure(
  label: string,
  res: ApiResponse,
  body: Record<string, unknown> | undefined,
  status: string,
  pc: ProviderContext,
): RodinError {
  const text = serverMessage(body ?? res.body)
  const where = `HTTP ${res.status}${status ? `, status "${status}"` : ''}`
  const details = { ...pc.ctx, status: res.status }
  if (res.status === 401 || res.status === 403 || KEY_ERROR.test(text)) {
    const forbidden = res.status === 403
    return errors.E_AUTH('modelslabKey', {
      ...details,
      subject: label,
      where,
      said: said(body ?? res.body),
      forbidden,
      keyHint: KEY_HINT,
    })
  }
  if (res.status === 402) {
    return errors.E_HTTP('modelslabCredits', { ...details, subject: label, where, said: said(body) })
  }
  if (res.status === 404) {
    return errors.E_HTTP('modelslabUnknown', {
      ...details,
      subject: label,
      where,
      said: said(body ?? res.body),
      manifest: pc.manifest,
    })
  }
  if (status !== 'error' && status !== 'failed') {
    return errors.E_HTTP('modelslabRefused', {
      ...details,
      subject: label,
      where,
      said: said(body ?? res.body),
      manifest: pc.manifest,
    })
  }
  const failed = status === 'failed'
  return errors.E_TASK_FAILED('modelslab', { ...details, subject: label, failed, where, text, manifest: pc.manifest })
}

function header(res: ApiResponse, name: string): string | undefined {
  const value = res.headers[name]
  return Array.isArray(value) ? value[0] : value
}
