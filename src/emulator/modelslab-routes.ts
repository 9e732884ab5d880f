import { timingSafeEqual } from 'node:crypto'
import { advance, currentStatus, type ModelslabTaskState, type ModelslabTaskStore } from './modelslab-tasks.js'
import { type Reply, contentTypeFor, jsonReply, parseFields, s3ErrorReply } from './reply.js'
import type { IncomingRequest, Prepared } from './rodin-routes.js'
import type { EmulatorFault } from './types.js'

export interface ModelslabContext {
  tasks: ModelslabTaskStore
  apiKey: string
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  site: { origin: string }
}

export const MODELSLAB_PREFIX = '/modelslab/api/v6'
export const MODELSLAB_FILES_PREFIX = '/files/modelslab/'

/**
 * `POST {base}/3d/fetch/{id}` with `{ key }` in the body (also the undocumented `POST {base}/3d/fetch` with
 * `{ key, request_id }`). Each answered call moves the task one step along its scripted statuses.
 */
export function prepareModelslabApi(ctx: ModelslabContext, sub: string, req: IncomingRequest): Prepared | undefined {
  const m = /^\/3d\/fetch(?:\/([^/]+))?\/?$/.exec(sub)
  if (!m) return undefined
  const fields = parseFields(req.body, req.headers['content-type'])
  const fromBody = fields?.request_id
  const id =
    m[1] !== undefined
      ? decode(m[1])
      : typeof fromBody === 'string' || typeof fromBody === 'number'
        ? String(fromBody)
        : undefined
  req.entry.provider = 'modelslab'
  req.entry.bodyKey = fields?.key !== undefined
  const task = id === undefined ? undefined : ctx.tasks.get(id)
  return {
    route: 'modelslab.fetch',
    task: id,
    replace: fault => (fault?.kind === 'modelslab-error' ? faultReply(fault) : undefined),
    run() {
      if (req.method !== 'POST')
        return jsonReply(405, { status: 'error', message: 'Method not allowed' }, { allow: 'POST' })
      if (!keyMatches(fields?.key, ctx.apiKey)) return jsonReply(401, { status: 'error', message: 'Invalid API key' })
      if (id === undefined) return jsonReply(400, { status: 'error', message: 'The id field is required.' })
      if (!task) return jsonReply(404, { status: 'error', message: `Request ${id} not found` })
      return fetchReply(ctx, task)
    },
  }
}

function fetchReply(ctx: ModelslabContext, task: ModelslabTaskState): Reply {
  const status = advance(task)
  const links = task.files.map(f => fileURL(ctx, 'output', task, f.name))
  if (status === 'success') {
    return jsonReply(200, {
      status,
      generationTime: 7.42,
      id: task.id,
      output: task.emptyOutput ? [] : links,
      proxy_links: task.files.map(f => fileURL(ctx, 'proxy', task, f.name)),
      meta: {
        output_format: task.files[0]?.name.split('.').pop() ?? 'glb',
        seed: 1234,
        file_prefix: String(task.id),
        resolution: 256,
      },
    })
  }
  if (status === 'error' || status === 'failed') {
    const { message = 'Generation failed', httpStatus = 200, field = 'message' } = task.error
    return jsonReply(httpStatus, { status, [field]: message, id: task.id })
  }
  return jsonReply(200, {
    status,
    tip: 'Your 3D model is being generated; fetch again after eta seconds.',
    eta: task.eta,
    message: 'Request processing',
    fetch_result: `${ctx.site.origin}${MODELSLAB_PREFIX}/3d/fetch/${encodeURIComponent(String(task.id))}`,
    id: task.id,
    output: [],
    meta: {},
    future_links: links,
    extra_assets: [],
  })
}

function faultReply(fault: Extract<EmulatorFault, { kind: 'modelslab-error' }>): Reply {
  const body: Record<string, unknown> = {
    status: 'error',
    [fault.field ?? 'message']: fault.message ?? 'Something went wrong',
  }
  if (fault.retryAfter !== undefined) body.retry_after = fault.retryAfter
  const headers: Record<string, string> =
    fault.retryAfter === undefined
      ? {}
      : { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000 + fault.retryAfter)) }
  return jsonReply(fault.status ?? 200, body, headers)
}

/**
 * `GET /files/modelslab/(output|proxy)/<id>/<name>`: the public R2-style host. Unsigned, like the real one; a
 * file of a task that is not `success` yet is a `future_links` URL fetched too early (logged as `early`).
 */
export function prepareModelslabFile(ctx: ModelslabContext, rest: string, req: IncomingRequest): Prepared {
  const [kind, rawId, rawName, ...extra] = rest.split('/')
  const id = rawId === undefined ? undefined : decode(rawId)
  const name = rawName === undefined || extra.length ? undefined : decode(rawName)
  req.entry.provider = 'modelslab'
  const task = id === undefined ? undefined : ctx.tasks.get(id)
  return {
    route: 'file',
    task: id,
    file: name,
    run() {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return s3ErrorReply(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.')
      const file =
        (kind === 'output' || kind === 'proxy') && name !== undefined
          ? task?.files.find(f => f.name === name)
          : undefined
      if (!task || !file) return s3ErrorReply(404, 'NoSuchKey', 'The specified key does not exist.')
      const type = { 'content-type': file.contentType ?? contentTypeFor(file.name) }
      if (currentStatus(task) !== 'success') {
        req.entry.early = true
        if (task.futureLinks === 'partial')
          return { status: 200, headers: type, body: file.bytes.subarray(0, file.bytes.length >> 1) }
        return s3ErrorReply(404, 'NoSuchKey', 'The specified key does not exist.')
      }
      return { status: 200, headers: { ...type, 'cache-control': 'public, max-age=86400' }, body: file.bytes }
    },
  }
}

function fileURL(ctx: ModelslabContext, kind: 'output' | 'proxy', task: ModelslabTaskState, name: string): string {
  return `${ctx.site.origin}${MODELSLAB_FILES_PREFIX}${kind}/${encodeURIComponent(String(task.id))}/${encodeURIComponent(name)}`
}

function keyMatches(given: unknown, key: string): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(key)
  return a.length === b.length && timingSafeEqual(a, b)
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}
