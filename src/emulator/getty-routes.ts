import type { IncomingHttpHeaders } from 'node:http'
import { type GettyGenerationState, type GettyGenerationStore, type GettyTokenBook, sameSecret } from './getty-state.js'
import { type Reply, contentTypeFor, jsonReply, parseFields } from './reply.js'
import type { IncomingRequest, Prepared } from './rodin-routes.js'

export interface GettyContext {
  generations: GettyGenerationStore
  tokens: GettyTokenBook
  apiKey: string
  clientId: string
  clientSecret: string
  site: { origin: string }
}

export const GETTY_PREFIX = '/getty'
export const GETTY_FILES_PREFIX = '/files/getty/'

const DOWNLOAD_FIELDS = new Set(['size_name', 'notes', 'project_code'])
const UNAUTHORIZED = { message: 'Unauthorized' }

/** `POST /getty/oauth2/token` and `PUT|GET /getty/v3/ai/image-generations/{id}/images/{index}/download`. */
export function prepareGettyApi(ctx: GettyContext, sub: string, req: IncomingRequest): Prepared | undefined {
  if (sub === '/oauth2/token') {
    req.entry.provider = 'getty'
    return { route: 'getty.token', run: () => tokenReply(ctx, req) }
  }
  const m = /^\/v3\/ai\/image-generations\/([^/]+)\/images\/([^/]+)\/download\/?$/.exec(sub)
  if (!m) return undefined
  req.entry.provider = 'getty'
  const id = decode(m[1]!)
  return {
    route: 'getty.download',
    task: id,
    replace(fault) {
      if (fault?.kind !== 'revoke-token') return undefined
      ctx.tokens.revokeAll()
      return jsonReply(401, UNAUTHORIZED, { 'www-authenticate': 'Bearer error="invalid_token"' })
    },
    run: () => downloadReply(ctx, req, id, m[2]!),
  }
}

function tokenReply(ctx: GettyContext, req: IncomingRequest): Reply {
  if (req.method !== 'POST')
    return jsonReply(405, { error: 'invalid_request', error_description: 'POST only' }, { allow: 'POST' })
  if (!req.headers['content-type']?.toLowerCase().includes('application/x-www-form-urlencoded'))
    return jsonReply(400, {
      error: 'invalid_request',
      error_description: 'Expected an application/x-www-form-urlencoded body',
    })
  const fields = parseFields(req.body, req.headers['content-type']) ?? {}
  if (fields.grant_type !== 'client_credentials') return jsonReply(400, { error: 'unsupported_grant_type' })
  if (!sameSecret(fields.client_id, ctx.clientId) || !sameSecret(fields.client_secret, ctx.clientSecret))
    return jsonReply(401, { error: 'invalid_client', error_description: 'Client authentication failed' })
  return jsonReply(200, ctx.tokens.issue(), { 'cache-control': 'no-store' })
}

function downloadReply(ctx: GettyContext, req: IncomingRequest, id: string | undefined, rawIndex: string): Reply {
  if (req.method !== 'PUT' && req.method !== 'GET')
    return jsonReply(405, { message: 'The requested resource does not support this method' }, { allow: 'GET, PUT' })
  if (!sameSecret(req.headers['api-key'], ctx.apiKey)) return jsonReply(401, UNAUTHORIZED)
  if (!ctx.tokens.valid(req.headers.authorization))
    return jsonReply(401, UNAUTHORIZED, { 'www-authenticate': 'Bearer error="invalid_token"' })
  const gen = id === undefined ? undefined : ctx.generations.get(id)
  if (!gen) return error(404, 'GenerationRequestIdNotFound', `Generation request ${id ?? ''} was not found.`)
  if (gen.gone) return error(410, 'GenerationRequestGone', 'The generation request is no longer available.')
  const index = /^\d{1,4}$/.test(rawIndex) ? Number(rawIndex) : -1
  const image = gen.images[index]
  if (!image) return error(404, 'GenerationRequestIdNotFound', `The generation has no image with index ${rawIndex}.`)

  if (req.method === 'PUT') {
    const fields = parseFields(req.body, 'application/json')
    if (!fields) return error(400, 'InvalidRequest', 'Expected a JSON body such as {"size_name":"1k"}.')
    const unknown = Object.keys(fields).filter(k => !DOWNLOAD_FIELDS.has(k))
    if (unknown.length) return error(400, 'InvalidRequest', `Unknown fields: ${unknown.join(', ')}.`)
    if (typeof fields.size_name !== 'string' || !gen.sizes.includes(fields.size_name))
      return error(400, 'InvalidSize', `size_name must be one of ${gen.sizes.join(', ')}.`)
    if (gen.requireProjectCode && typeof fields.project_code !== 'string')
      return error(400, 'ProjectCodeRequired', 'This product requires project_code.')
    if (!gen.requireProjectCode && fields.project_code !== undefined)
      return error(400, 'ProjectCodeNotAllowed', 'project_code must be omitted for this product.')
    const current = ctx.generations.download(gen, index)
    if (current && !current.done)
      return error(409, 'DownloadInProgress', 'A download of this image is already in progress; poll it with GET.')
    if (image.blocked) return ready(ctx, req.headers, gen, index, fields.size_name, true)
    const state = ctx.generations.startDownload(gen, index, fields.size_name)
    return state.done ? ready(ctx, req.headers, gen, index, state.size) : accepted()
  }

  const state = ctx.generations.download(gen, index)
  if (!state) return error(404, 'DownloadNotFound', 'No download was requested for this image; PUT it first.')
  if (!state.done && state.remaining > 0) {
    state.remaining--
    return accepted()
  }
  state.done = true
  return ready(ctx, req.headers, gen, index, state.size)
}

/** 200 `{url, generated_asset_id}` in the Content-Type the client asks for (Getty serves JSON as text/plain too). */
function ready(
  ctx: GettyContext,
  headers: IncomingHttpHeaders,
  gen: GettyGenerationState,
  index: number,
  size: string,
  blocked = false,
): Reply {
  const image = gen.images[index]!
  const body = blocked
    ? { url: null, generated_asset_id: null }
    : {
        url: `${ctx.site.origin}${GETTY_FILES_PREFIX}${encodeURIComponent(gen.id)}/${index}/${encodeURIComponent(size)}/${encodeURIComponent(image.name)}`,
        generated_asset_id: `${gen.id}-${index}-${size}`,
      }
  return jsonReply(200, body, { 'content-type': gen.contentType ?? negotiate(headers.accept) })
}

function negotiate(accept: string | undefined): string {
  const a = (accept ?? '').toLowerCase()
  if (a === '' || a.includes('application/json') || a.includes('*/*')) return 'application/json; charset=utf-8'
  if (a.includes('text/json')) return 'text/json; charset=utf-8'
  return 'text/plain; charset=utf-8'
}

/** 202 with an empty body, as documented. */
function accepted(): Reply {
  return { status: 202, headers: {}, body: new Uint8Array() }
}

function error(status: number, code: string, message: string): Reply {
  return jsonReply(status, { ErrorCode: code, ErrorMessage: message })
}

/** `GET /files/getty/<generation>/<index>/<size>/<name>`: the delivery host. It never looks at credentials. */
export function prepareGettyFile(ctx: GettyContext, rest: string, req: IncomingRequest): Prepared {
  const [rawId, rawIndex, , rawName, ...extra] = rest.split('/')
  const id = rawId === undefined ? undefined : decode(rawId)
  const name = rawName === undefined || extra.length ? undefined : decode(rawName)
  req.entry.provider = 'getty'
  return {
    route: 'file',
    task: id,
    file: name,
    run() {
      if (req.method !== 'GET' && req.method !== 'HEAD') return jsonReply(405, { message: 'Method not allowed' })
      const gen = id === undefined ? undefined : ctx.generations.get(id)
      const image = gen?.images[Number(rawIndex)]
      if (!gen || !image || image.blocked || image.name !== name) return jsonReply(404, { message: 'Not found' })
      return {
        status: 200,
        headers: {
          'content-type': image.contentType ?? contentTypeFor(image.name),
          'cache-control': 'private, max-age=3600',
        },
        body: image.bytes,
      }
    },
  }
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}
