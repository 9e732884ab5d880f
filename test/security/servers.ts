import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'

// A self-signed certificate for 127.0.0.1, ::1 and localhost (valid until 2126), trusted only through the
// test-only `http.ca` option. Generated once with openssl; it protects nothing.
const FIXTURES = new URL('./fixtures/', import.meta.url)
export const TEST_CA = readFileSync(new URL('loopback-cert.pem', FIXTURES), 'utf8')
const TEST_KEY = readFileSync(new URL('loopback-key.pem', FIXTURES), 'utf8')

export interface Seen {
  method: string
  url: string
  /** Every header name and value as received, lower-cased names. */
  head: string
  body: string
}

export interface Recorder {
  origin: string
  requests: Seen[]
}

type Handler = (req: IncomingMessage, res: ServerResponse, origin: string) => void

/**
 * A loopback server (plain http, or https with the test certificate) that records everything it receives,
 * closed when the test ends.
 */
export async function recorder(handler: Handler, opts: { tls?: boolean; host?: string } = {}): Promise<Recorder> {
  const requests: Seen[] = []
  let origin = ''
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const head = Object.entries(req.headers)
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join('\n')
      requests.push({ method: req.method ?? '', url: req.url ?? '', head, body: Buffer.concat(chunks).toString() })
      handler(req, res, origin)
    })
  }
  const server = opts.tls ? createHttpsServer({ cert: TEST_CA, key: TEST_KEY }, listener) : createServer(listener)
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>(resolve => server.listen(0, host, resolve))
  origin = `${opts.tls ? 'https' : 'http'}://${host}:${(server.address() as AddressInfo).port}`
  onTestFinished(
    () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { origin, requests }
}
