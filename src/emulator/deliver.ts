import { STATUS_CODES, type ServerResponse } from 'node:http'
import { type Reply, jsonReply, redirectReply } from './reply.js'
import { expiredReply } from './rodin-routes.js'
import type { EmulatorFault, RequestLogEntry } from './types.js'

/** Faults that answer in place of the route (the route never runs, so a task's polls do not advance). */
export function replacementReply(fault: EmulatorFault | undefined, redirectTo: () => string): Reply | undefined {
  switch (fault?.kind) {
    case 'status': {
      const body = fault.body ?? JSON.stringify({ detail: STATUS_CODES[fault.status] ?? 'Error' })
      const type = fault.body === undefined ? 'application/json' : guessType(fault.body)
      return { status: fault.status, headers: { 'content-type': type, ...fault.headers }, body: Buffer.from(body) }
    }
    case 'rate-limit': {
      const status = fault.status ?? 429
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }
      return jsonReply(status, { detail: STATUS_CODES[status] }, headers)
    }
    case 'expire':
      return expiredReply()
    case 'redirect':
      return redirectReply(fault.location ?? redirectTo())
    default:
      return undefined
  }
}

/** Faults that keep the answer but change its bytes (same status and headers). */
export function mangleBody(reply: Reply, fault: EmulatorFault | undefined): Reply {
  if (fault?.kind === 'different-bytes') return { ...reply, body: fault.bytes }
  if (fault?.kind === 'corrupt' && reply.body.length) {
    const body = Uint8Array.from(reply.body)
    const at = body.length >> 1
    body[at] = body[at]! ^ 0xff
    return { ...reply, body }
  }
  return reply
}

export interface Sender {
  /** Keeps a timer so close() can cancel it. */
  later(ms: number, fn: () => void): void
}

/**
 * Writes a reply, or only part of it for the transport faults. `Content-Length` always announces the whole
 * body, so a client that trusts it notices the missing bytes.
 */
export function send(
  res: ServerResponse,
  entry: RequestLogEntry,
  reply: Reply,
  fault: EmulatorFault | undefined,
  sender: Sender,
): void {
  const { body } = reply
  res.on('close', () => {
    if (!res.writableFinished) entry.aborted = true
  })
  if (fault?.kind === 'endless') {
    entry.status = 200
    sendEndless(res, entry, reply.headers['content-type'] ?? 'application/octet-stream')
    return
  }
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v)
  if (!res.hasHeader('content-length')) res.setHeader('content-length', body.length)
  const half = body.subarray(0, body.length >> 1)
  entry.status = reply.status
  switch (fault?.kind) {
    case 'truncate':
      // `Connection: close` makes Node end the socket with a FIN once the short body is out: a clean EOF.
      res.setHeader('connection', 'close')
      res.writeHead(reply.status)
      res.end(half)
      return
    case 'reset-mid-body':
      res.writeHead(reply.status)
      res.write(half, () => {
        // Give the peer a moment to read the half body before the RST, which would discard it in its kernel.
        sender.later(25, () => res.socket?.resetAndDestroy())
      })
      return
    case 'stall':
      res.writeHead(reply.status)
      res.write(body.subarray(0, Math.min(half.length || body.length, 16_384)))
      return
    default:
      res.writeHead(reply.status)
      res.end(body)
  }
}

const ENDLESS_CHUNK = Buffer.alloc(64 * 1024, 0x41)

/** Writes chunks as fast as the client reads them (back-pressure respected) until it disconnects. */
function sendEndless(res: ServerResponse, entry: RequestLogEntry, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType })
  entry.bytesSent = 0
  const pump = (): void => {
    while (!res.destroyed && !res.writableEnded) {
      entry.bytesSent = (entry.bytesSent ?? 0) + ENDLESS_CHUNK.length
      if (!res.write(ENDLESS_CHUNK)) {
        res.once('drain', pump)
        return
      }
    }
  }
  pump()
}

function guessType(body: string): string {
  const t = body.trimStart()
  if (t.startsWith('<?xml')) return 'application/xml'
  if (t.startsWith('<')) return 'text/html; charset=utf-8'
  try {
    JSON.parse(body)
    return 'application/json'
  } catch {
    return 'text/plain; charset=utf-8'
  }
}
