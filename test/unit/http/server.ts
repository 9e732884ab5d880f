import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Dispatcher } from 'undici'
import { Agent } from 'undici'

export interface Recorded {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
  at: number
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { n: number; body: string; origin: string },
) => void

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string
  requests: Recorded[]
  close: () => Promise<void>
}

/** A throwaway loopback server; `n` counts requests from 1 so handlers can script "fail twice, then succeed". */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: Recorded[] = []
  let origin = ''
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() })
      handler(req, res, { n: requests.length, body, origin })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

/** Writes a raw HTTP/1.1 response straight to the socket, so a test can lie about Content-Length. */
export function rawResponse(res: ServerResponse, head: string, body: Buffer | string, how: 'end' | 'destroy'): void {
  const socket = res.socket!
  socket.write(`${head}\r\n\r\n`)
  socket.write(body)
  if (how === 'end') socket.end()
  else setTimeout(() => socket.destroy(), 20)
}

/** An agent that records every origin it is asked to reach: proof that a rejected URL opened no socket. */
export class CountingAgent extends Agent {
  readonly origins: string[] = []
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.origins.push(String(options.origin))
    return super.dispatch(options, handler)
  }
}

/** Records the back-off waits and returns at once, so retry tests do not sleep. */
export function fastRetries(): {
  delays: number[]
  internal: { sleep: (ms: number) => Promise<void>; random: () => number }
} {
  const delays: number[] = []
  return {
    delays,
    internal: {
      sleep: async (ms: number) => {
        delays.push(ms)
      },
      random: () => 0.5,
    },
  }
}
