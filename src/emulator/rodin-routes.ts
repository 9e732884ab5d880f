import { timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { type Reply, contentTypeFor, jsonReply, parseFields, s3ErrorReply } from './reply.js'
import { allDone, poll, type TaskState, type TaskStore } from './rodin-tasks.js'
import type { UrlSigner } from './signed-urls.js'
import type { EmulatorFault, FaultRoute, RequestLogEntry } from './types.js'

export interface RodinContext {
  tasks: TaskStore
  signer: UrlSigner
  apiKey: string
}

export interface IncomingRequest {
  method: string
  headers: IncomingHttpHeaders
  body: Buffer
  entry: RequestLogEntry
}

/**
 * A request routed and identified (route, task, file) before it is answered, so the server can pick a fault
 * for it first. `run` builds the normal answer, shaped by the list/field faults that only a route knows about.
 */
export interface Prepared {
  route: FaultRoute
  task?: string
  file?: string
  run(fault: EmulatorFault | undefined): Reply | Promise<Reply>
  /** Where the redirect fault points by default. */
  redirectTo?(): string
  /** Answers a route-specific fault in place of the route (e.g. ModelsLab's error bodies), else undefined. */
  replace?(fault: EmulatorFault | undefined): Reply | undefined
}

export const RODIN_PREFIX = '/rodin/api/v2'
export const FILES_PREFIX = '/files/rodin/'
const PREVIEW = 'preview.webp'

/** `POST {base}/status` and `POST {base}/download`; `sub` is the path below the API prefix. */
export function prepareRodinApi(ctx: RodinContext, sub: string, req: IncomingRequest): Prepared | undefined {
  if (sub !== '/status' && sub !== '/download') return undefined
  const fields = parseFields(req.body, req.headers['content-type'])
  const isStatus = sub === '/status'
  const field = isStatus ? 'subscription_key' : 'task_uuid'
  const value = fields?.[field]
  const key = typeof value === 'string' ? value : undefined
  const task = key === undefined ? undefined : isStatus ? ctx.tasks.bySubscriptionKey(key) : ctx.tasks.get(key)
  req.entry.provider = 'rodin'
  return {
    route: isStatus ? 'rodin.status' : 'rodin.download',
    // The subscription key is a credential: only the task uuid it resolves to is logged.
    task: isStatus ? task?.uuid : key,
    run(fault) {
      if (req.method !== 'POST') return jsonReply(405, { detail: 'Method Not Allowed' }, { allow: 'POST' })
      if (!authorized(req.headers.authorization, ctx.apiKey))
        return jsonReply(401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' })
      if (key === undefined)
        return jsonReply(422, { detail: [{ loc: ['body', field], msg: 'Field required', type: 'missing' }] })
      if (!task) return jsonReply(404, { error: isStatus ? 'Subscription key not found' : 'Task not found' })
      const answer = isStatus ? { jobs: poll(task) } : { list: downloadList(ctx, task, fault, req.entry) }
      return jsonReply(201, fault?.kind === 'error-field' ? { error: fault.value, ...answer } : answer)
    },
  }
}

function downloadList(ctx: RodinContext, task: TaskState, fault: EmulatorFault | undefined, entry: RequestLogEntry) {
  const done = allDone(task)
  if (!done) entry.early = true
  let files = task.files.map(f => f.name)
  // Before every job is Done the real API may answer with an "incomplete list": model the worst case.
  if (!done || fault?.kind === 'partial-list') files = files.filter(n => n === PREVIEW)
  if (fault?.kind === 'empty-list') files = []
  const list = files.map(name => ({ url: ctx.signer.url(task.uuid, name), name }))
  if (fault?.kind === 'odd-names') {
    for (const name of fault.names) list.push({ url: ctx.signer.url(task.uuid, name, true), name })
  }
  return list
}

/** `GET /files/rodin/<token>/<name>`: the signed-URL file host. It never looks at credentials. */
export function prepareFile(ctx: RodinContext, rest: string, req: IncomingRequest): Prepared {
  const [token = '', rawName, ...extra] = rest.split('/')
  let name: string | undefined
  try {
    name = rawName === undefined || extra.length ? undefined : decodeURIComponent(rawName)
  } catch {
    name = undefined
  }
  const signed = name === undefined ? undefined : ctx.signer.verify(token, name)
  req.entry.provider = 'rodin'
  return {
    route: 'file',
    task: ctx.signer.peekTask(token),
    file: name,
    run() {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return s3ErrorReply(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.')
      if (name === undefined) return s3ErrorReply(404, 'NoSuchKey', 'The specified key does not exist.')
      if (!signed)
        return s3ErrorReply(
          403,
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided.',
        )
      if (ctx.signer.now() > signed.expires) return expiredReply(signed.expires, ctx.signer.now())
      const task = ctx.tasks.get(signed.task)
      const file = signed.alias ? task?.files[0] : task?.files.find(f => f.name === name)
      if (!file) return s3ErrorReply(404, 'NoSuchKey', 'The specified key does not exist.', { Key: name })
      return {
        status: 200,
        headers: { 'content-type': file.contentType ?? contentTypeFor(name), 'cache-control': 'private, max-age=600' },
        body: file.bytes,
      }
    },
    redirectTo() {
      return ctx.signer.url(signed?.task ?? ctx.signer.peekTask(token) ?? '', name ?? '', signed?.alias ?? false)
    },
  }
}

export function expiredReply(expires?: number, now = Date.now()): Reply {
  return s3ErrorReply(403, 'AccessDenied', 'Request has expired', {
    Expires: new Date(expires ?? now).toISOString(),
    ServerTime: new Date(now).toISOString(),
  })
}

export function authorized(header: string | undefined, apiKey: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1]
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(apiKey)
  return a.length === b.length && timingSafeEqual(a, b)
}
