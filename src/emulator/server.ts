import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { Socket } from 'node:net'
import { type ControlTarget, handleControl } from './control.js'
import { mangleBody, replacementReply, send } from './deliver.js'
import type { FaultBook } from './faults.js'
import { jsonReply, readBody } from './reply.js'
import {
  GETTY_FILES_PREFIX,
  GETTY_PREFIX,
  type GettyContext,
  prepareGettyApi,
  prepareGettyFile,
} from './getty-routes.js'
import {
  MODELSLAB_FILES_PREFIX,
  MODELSLAB_PREFIX,
  type ModelslabContext,
  prepareModelslabApi,
  prepareModelslabFile,
} from './modelslab-routes.js'
import {
  FILES_PREFIX,
  type IncomingRequest,
  type Prepared,
  RODIN_PREFIX,
  type RodinContext,
  prepareFile,
  prepareRodinApi,
} from './rodin-routes.js'
import { type GenerateContext, prepareRodinGenerate } from './rodin-generate-routes.js'
import type { RequestLogEntry } from './types.js'

export interface ServerState {
  rodin: RodinContext
  generate: GenerateContext
  modelslab: ModelslabContext
  getty: GettyContext
  faults: FaultBook
  log: RequestLogEntry[]
  control: ControlTarget
}

/** Provider prefixes: a path below one that no route knows answers 404 JSON naming the provider. */
const PROVIDER_PREFIXES = ['/rodin/', '/modelslab/', '/getty/', '/files/']

// Credentials must never travel in a URL; the log says when one did (values are never recorded).
const CREDENTIAL_QUERY = /[?&](?:key|api[_-]?key|apikey|token|access_token|client_secret|subscription_key)=/i

/**
 * The loopback HTTP server: logs every request, routes it, picks its fault and delivers the answer.
 * It tracks sockets and timers itself because hang/stall faults leave connections open on purpose.
 */
export class EmulatorServer {
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private closed = false

  constructor(private readonly state: ServerState) {
    this.server = createServer((req, res) => {
      void this.handle(req, res)
    })
    this.server.on('connection', socket => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject)
        const address = this.server.address()
        resolve(typeof address === 'object' && address ? address.port : port)
      })
    })
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.closed = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    const done = new Promise<void>(resolve => this.server.close(() => resolve()))
    for (const s of this.sockets) s.destroy()
    return done
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  private sleep(ms: number): Promise<void> {
    return new Promise(resolve => this.later(ms, resolve))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET'
    const path = (req.url ?? '/').split('?')[0]!
    const entry: RequestLogEntry = {
      method,
      path,
      route: 'unknown',
      authorization: req.headers.authorization !== undefined,
      apiKeyHeader: req.headers['api-key'] !== undefined,
      credentialQuery: CREDENTIAL_QUERY.test(req.url ?? ''),
      time: Date.now(),
    }
    this.state.log.push(entry)
    try {
      await this.route(req, res, entry)
    } catch (err) {
      this.fail(res, entry, err)
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry): Promise<void> {
    const { method, path } = entry
    const body = await readBody(req)
    const sender = { later: (ms: number, fn: () => void) => this.later(ms, fn) }

    if (path.startsWith('/__emu/')) {
      entry.route = 'control'
      send(res, entry, handleControl(this.state.control, method, path.slice('/__emu/'.length), body), undefined, sender)
      return
    }
    const request = { method, headers: req.headers, body, entry }
    const prepared = this.prepare(path, request)
    if (!prepared) {
      const known = PROVIDER_PREFIXES.some(p => path.startsWith(p))
      const error = known
        ? `The emulated ${path.split('/')[path.startsWith('/files/') ? 2 : 1]} API has no route ${method} ${path}`
        : `No emulated route for ${method} ${path}`
      send(res, entry, jsonReply(404, { error }), undefined, sender)
      return
    }

    entry.route = prepared.route
    if (prepared.task !== undefined) entry.task = prepared.task
    if (prepared.file !== undefined) entry.file = prepared.file
    let fault = this.state.faults.take(prepared)
    if (fault?.kind === 'delay') {
      await this.sleep(fault.ms)
      fault = undefined
    }
    if (fault?.kind === 'reset') {
      req.socket.resetAndDestroy()
      return
    }
    if (fault?.kind === 'hang') return
    if (fault?.kind === 'lost-answer') {
      entry.status = (await prepared.run(fault)).status
      req.socket.resetAndDestroy()
      return
    }
    const reply =
      prepared.replace?.(fault) ??
      replacementReply(fault, () => prepared.redirectTo?.() ?? path) ??
      mangleBody(await prepared.run(fault), fault)
    send(res, entry, reply, fault, sender)
  }

  private prepare(path: string, request: IncomingRequest): Prepared | undefined {
    const { rodin, modelslab, getty } = this.state
    if (path.startsWith(`${RODIN_PREFIX}/`)) {
      const sub = path.slice(RODIN_PREFIX.length)
      return prepareRodinGenerate(this.state.generate, sub, request) ?? prepareRodinApi(rodin, sub, request)
    }
    if (path.startsWith(FILES_PREFIX)) return prepareFile(rodin, path.slice(FILES_PREFIX.length), request)
    if (path.startsWith(`${MODELSLAB_PREFIX}/`))
      return prepareModelslabApi(modelslab, path.slice(MODELSLAB_PREFIX.length), request)
    if (path.startsWith(MODELSLAB_FILES_PREFIX))
      return prepareModelslabFile(modelslab, path.slice(MODELSLAB_FILES_PREFIX.length), request)
    if (path.startsWith(`${GETTY_PREFIX}/`)) return prepareGettyApi(getty, path.slice(GETTY_PREFIX.length), request)
    if (path.startsWith(GETTY_FILES_PREFIX))
      return prepareGettyFile(getty, path.slice(GETTY_FILES_PREFIX.length), request)
    return undefined
  }

  private fail(res: ServerResponse, entry: RequestLogEntry, err: unknown): void {
    if (res.headersSent || res.destroyed) {
      res.destroy()
      return
    }
    const reply = jsonReply(500, { error: `emulator bug: ${err instanceof Error ? err.message : String(err)}` })
    entry.status = reply.status
    res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body.length })
    res.end(reply.body)
  }
}
