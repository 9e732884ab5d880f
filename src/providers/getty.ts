import { errors } from '../catalogue/index.js'
import { type RodinError, isRodinError } from '../errors.js'
import type { ApiClient, ApiResponse } from '../http/index.js'
import type { AssetEntry } from '../manifest/manifest.js'
import { registerSecret } from '../redact.js'
import { extensionOf, isImageFile } from '../manifest/files.js'
import { sanitizeFiles } from './listing.js'
import { gettyToken } from './getty-token.js'
import type { GettyClientCredentials } from './getty-token.js'
import { duration, objectBody, said } from './messages.js'
import type { Provider, ProviderContext, ProviderFile, ProviderSpec } from './types.js'

export interface GettyProviderOptions extends GettyClientCredentials {
  /** Client for the token endpoint: another origin than the API, so it never carries the Api-Key header. */
  tokenClient: ApiClient
}

export const gettySpec: ProviderSpec = {
  name: 'getty',
  settings: {
    apiKey: { env: ['GETTY_API_KEY'], secret: true },
    clientId: { env: ['GETTY_CLIENT_ID'] },
    clientSecret: { env: ['GETTY_CLIENT_SECRET'], secret: true },
    baseURL: { env: ['GETTY_BASE_URL'], default: 'https://api.gettyimages.com', url: true },
    tokenURL: { env: ['GETTY_TOKEN_URL'], default: 'https://authentication.gettyimages.com/oauth2/token', url: true },
  },
  credentials: 'GETTY_API_KEY, GETTY_CLIENT_ID and GETTY_CLIENT_SECRET (or providers.getty)',
  authHint:
    'set GETTY_API_KEY, GETTY_CLIENT_ID and GETTY_CLIENT_SECRET (or the providers.getty options) to valid credentials',
  // Getty has no read-only status call for downloads: asking means starting one (which may be billed).
  statusUnchecked: 'getty',
  taskKey: entry =>
    entry.getty ? `getty-${entry.task}-${entry.getty.index}-${entry.getty.size}` : `getty-${entry.task}`,
  async connect(conf, { http, options, entry, cacheDir }) {
    const { clientId, clientSecret, tokenURL } = conf
    if (!clientId || !clientSecret) {
      const missing = !clientId ? 'no client id' : 'no client secret'
      const who = { asset: entry.alias, provider: 'getty', task: entry.task }
      throw errors.E_AUTH('gettyIncomplete', { ...who, missing, env: gettySpec.credentials, cacheDir })
    }
    const api = http.createApiClient({
      baseURL: conf.baseURL,
      headers: { 'Api-Key': conf.apiKey! },
      http: options,
      provider: 'getty',
      authHint: gettySpec.authHint,
    })
    // The token endpoint is another host: its own client, so neither credential reaches the other's host.
    const tokenClient = http.createApiClient({
      baseURL: tokenURL!,
      http: options,
      provider: 'getty',
      authHint:
        'set GETTY_CLIENT_ID and GETTY_CLIENT_SECRET (or providers.getty.clientId / clientSecret) to valid credentials',
    })
    const client: ApiClient = {
      request: api.request,
      close: async () => {
        await Promise.all([api.close(), tokenClient.close()])
      },
    }
    return { client, provider: createGettyProvider({ clientId, clientSecret, tokenURL: tokenURL!, tokenClient }) }
  },
}

/** Statuses the download route answers with meaning of their own; everything else is the http layer's. */
const HANDLED = new Set([202, 400, 401, 403, 404, 409, 410])

/**
 * Getty Images AI generator. One image of a generation, in one size: `PUT …/images/{index}/download`
 * answers 200 `{url}` or 202 (empty) while Getty prepares the file; then only `GET` on the same path is
 * polled (a second PUT would be a second download request, and answers 409 while one is in flight). Every
 * call carries the `Api-Key` header (set on the API client) and an OAuth bearer token from the client
 * credentials, refreshed once when a call answers 401.
 */
export function createGettyProvider(options: GettyProviderOptions): Provider {
  registerSecret(options.clientSecret)
  const credentials: GettyClientCredentials = {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    tokenURL: options.tokenURL,
  }
  return {
    listFiles: (entry, pc) => downloadURL(entry, pc, credentials, options.tokenClient),
  }
}

async function downloadURL(
  entry: AssetEntry,
  pc: ProviderContext,
  credentials: GettyClientCredentials,
  tokenClient: ApiClient,
): Promise<ProviderFile[]> {
  const { index, size, notes, projectCode } = entry.getty ?? { index: 0, size: '1k' as const }
  const label = `asset "${entry.alias}" (getty generation ${entry.task}, image ${index}, size ${size})`
  const path = `/v3/ai/image-generations/${encodeURIComponent(entry.task)}/images/${index}/download`
  const deadline = pc.now() + pc.wait.timeoutMs

  const call = async (method: 'PUT' | 'GET'): Promise<ApiResponse> => {
    const json =
      method === 'PUT'
        ? {
            size_name: size,
            ...(notes === undefined ? {} : { notes }),
            ...(projectCode === undefined ? {} : { project_code: projectCode }),
          }
        : undefined
    const send = async (token: string) => {
      try {
        return await pc.api.request({
          method,
          path,
          json,
          headers: { Authorization: `Bearer ${token}` },
          ctx: pc.ctx,
          acceptStatus: s => HANDLED.has(s),
        })
      } catch (err) {
        if (isRodinError(err) && err.details.status === 429) {
          throw errors.E_HTTP('gettyRateLimited', { ...pc.ctx, subject: label, status: 429, cause: err })
        }
        throw err
      }
    }
    const token = await gettyToken({ client: tokenClient, credentials, ctx: pc.ctx, now: pc.now })
    const res = await send(token)
    if (res.status !== 401) return res
    // Tokens expire (30 min) or get revoked mid-build: one fresh token, one more try.
    const fresh = await gettyToken({ client: tokenClient, credentials, ctx: pc.ctx, now: pc.now, rejected: token })
    const again = await send(fresh)
    if (again.status === 401) {
      throw errors.E_AUTH('gettyKey', { ...pc.ctx, subject: label, said: said(again.body), status: 401 })
    }
    return again
  }

  let res = await call('PUT')
  let polls = 0
  // 202: being prepared. 409: a download of this image is already in flight (another build, or our own PUT
  // retried after a lost answer): either way the result is fetched with GET, never with another PUT.
  while (res.status === 202 || res.status === 409) {
    if (pc.now() + pc.wait.intervalMs > deadline) {
      const waited = duration(pc.wait.timeoutMs)
      throw errors.E_TASK_PENDING('getty', { ...pc.ctx, subject: label, waited, status: res.status, polls })
    }
    await pc.sleep(pc.wait.intervalMs)
    res = await call('GET')
    polls++
  }
  if (res.status >= 300) throw failure(label, res, pc)

  const url = objectBody(res.body)?.url
  if (typeof url !== 'string' || url.trim() === '') {
    const why = objectBody(res.body)
      ? 'no download URL (url is null: Getty blocks images its AI policy flags, is_blocked)'
      : `something that is not JSON${said(res.body)}`
    throw errors.E_NO_FILE('getty', { ...pc.ctx, subject: label, status: res.status, why })
  }
  const name = fileName(entry.task, index, size, url)
  return sanitizeFiles([{ name, url: url.trim() }], pc.warn, label)
}

function failure(label: string, res: ApiResponse, pc: ProviderContext): RodinError {
  const details = { ...pc.ctx, status: res.status }
  const text = said(res.body)
  switch (res.status) {
    case 400:
      return errors.E_CONFIG('gettyRequest', { ...details, subject: label, said: text })
    case 403:
      return errors.E_AUTH('gettyQuota', { ...details, subject: label, said: text })
    case 404:
      return errors.E_HTTP('gettyUnknown', { ...details, subject: label, said: text, manifest: pc.manifest })
    case 410:
      return errors.E_TASK_FAILED('gettyExpired', { ...details, subject: label, said: text, manifest: pc.manifest })
    default:
      return errors.E_HTTP('gettyStatus', { ...details, subject: label, said: text })
  }
}

/**
 * `<generation>-<index>-<size>.<ext>`: the extension of the delivery URL's path when it is an image type,
 * else `.jpg` (what Getty delivers); the image's real format ends up in `meta.format` either way.
 */
function fileName(generation: string, index: number, size: string, url: string): string {
  let ext = '.jpg'
  try {
    const last = new URL(url.trim()).pathname.split('/').pop() ?? ''
    if (isImageFile(last)) ext = extensionOf(last) === '.jpeg' ? '.jpg' : extensionOf(last)
  } catch {
    // An unparsable URL fails later in the download with a clear E_UNSAFE_URL.
  }
  return `${generation.slice(0, 100)}-${index}-${size}${ext}`
}
