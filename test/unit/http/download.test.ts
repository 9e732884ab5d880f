import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { RodinError } from '../../../src/errors.js'
import { isRodinError } from '../../../src/errors.js'
import type { HttpOptions } from '../../../src/http/index.js'
import { closeFileAgents, createApiClient, downloadFile } from '../../../src/http/index.js'
import { registerSecret } from '../../../src/redact.js'
import type { Handler, TestServer } from './server.js'
import { CountingAgent, fastRetries, json, rawResponse, startServer } from './server.js'

const ctx = { asset: 'hero-sword', provider: 'rodin', task: 'task-1', file: 'base_basic_pbr.glb' }
// These tests serve files from 127.0.0.1, as the emulator does.
const LOOPBACK_OK = { allowLoopback: true }
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map(fn => fn()))
})
afterAll(() => closeFileAgents())

async function serve(handler: Handler): Promise<TestServer> {
  const server = await startServer(handler)
  cleanup.push(() => server.close())
  return server
}

function fetchFile(url: string, http?: HttpOptions, dispatcher?: CountingAgent) {
  const { delays, internal } = fastRetries()
  const promise = downloadFile(url, {
    http,
    ctx,
    policy: LOOPBACK_OK,
    internal: dispatcher ? { ...internal, dispatcher } : internal,
  })
  return { promise, delays }
}

async function rejection(p: Promise<unknown>): Promise<RodinError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isRodinError(err), String(err)).toBe(true)
  return err as RodinError
}

function counting(): CountingAgent {
  const agent = new CountingAgent()
  cleanup.push(() => agent.close())
  return agent
}

const FILE = Buffer.from('glTF-binary-bytes'.repeat(100))

describe('downloadFile', () => {
  it('returns the bytes, the content type and the final URL', async () => {
    const server = await serve((_req, res) =>
      res.writeHead(200, { 'content-type': 'model/gltf-binary', 'content-length': FILE.byteLength }).end(FILE),
    )
    const res = await downloadFile(`${server.origin}/f.glb?sig=abc`, { ctx, policy: LOOPBACK_OK })
    expect(Buffer.from(res.bytes).equals(FILE)).toBe(true)
    expect(res.contentType).toBe('model/gltf-binary')
    expect(res.finalURL).toBe(`${server.origin}/f.glb?sig=abc`)
    expect(server.requests[0]!.headers['accept-encoding']).toBe('identity')
  })

  it("never sends the API key to a file URL, even on the API's own origin", async () => {
    const server = await serve((req, res) => {
      if (req.url === '/api/status') return json(res, 200, { ok: true })
      res.writeHead(200, { 'content-length': FILE.byteLength }).end(FILE)
    })
    const client = createApiClient({
      baseURL: `${server.origin}/api`,
      provider: 'rodin',
      headers: { Authorization: 'Bearer key-abcdef-123' },
    })
    cleanup.push(() => client.close())
    await client.request({ method: 'POST', path: '/status', json: {}, ctx })
    await downloadFile(`${server.origin}/file.glb`, { ctx, policy: LOOPBACK_OK })
    expect(server.requests[0]!.headers.authorization).toBe('Bearer key-abcdef-123')
    expect(server.requests[1]!.url).toBe('/file.glb')
    expect(Object.keys(server.requests[1]!.headers).filter(h => /auth|key|cookie|token/i.test(h))).toEqual([])
  })

  it('rejects an unsafe URL before opening any socket', async () => {
    const agent = counting()
    for (const url of ['http://example.com/a.glb', 'file:///etc/passwd', 'data:,x', 'https://u:p@example.com/a.glb']) {
      expect((await rejection(fetchFile(url, undefined, agent).promise)).code).toBe('E_UNSAFE_URL')
    }
    expect(agent.origins).toEqual([])
  })

  it('re-checks every redirect hop: loopback hops are followed, http://example.com is refused unvisited', async () => {
    const target = await serve((_req, res) => res.writeHead(200, { 'content-length': FILE.byteLength }).end(FILE))
    const server = await serve((req, res) => {
      if (req.url === '/one') return res.writeHead(302, { location: '/two' }).end()
      if (req.url === '/two') return res.writeHead(301, { location: `${target.origin}/final.glb?sig=1` }).end()
      if (req.url === '/evil') return res.writeHead(302, { location: 'http://example.com/x.glb' }).end()
      if (req.url === '/file') return res.writeHead(307, { location: 'file:///etc/passwd' }).end()
      res.writeHead(302, { location: '/loop' }).end()
    })
    const agent = counting()
    const ok = await fetchFile(`${server.origin}/one`, undefined, agent).promise
    expect(ok.finalURL).toBe(`${target.origin}/final.glb?sig=1`)
    expect(agent.origins).toEqual([server.origin, server.origin, target.origin])

    agent.origins.length = 0
    const evil = await rejection(fetchFile(`${server.origin}/evil`, undefined, agent).promise)
    expect(evil.code).toBe('E_UNSAFE_URL')
    expect(evil.message).toMatch(/redirect from .*\/evil to http:\/\/example.com\/x.glb/)
    expect(agent.origins).toEqual([server.origin])
    expect((await rejection(fetchFile(`${server.origin}/file`).promise)).code).toBe('E_UNSAFE_URL')

    const before = server.requests.length
    const loop = await rejection(fetchFile(`${server.origin}/loop`, { maxRedirects: 3 }).promise)
    expect(loop.message).toMatch(/redirected more than 3 times/)
    expect(server.requests.length - before).toBe(4)
  })

  it.each([403, 410])('%i is thrown at once with details.status (for a signed-URL refresh)', async status => {
    const server = await serve((_req, res) => res.writeHead(status).end('<Error>AccessDenied</Error>'))
    const err = await rejection(fetchFile(`${server.origin}/f.glb?X-Amz-Signature=deadbeef42`).promise)
    expect(err.code).toBe('E_HTTP')
    expect(err.details.status).toBe(status)
    expect(err.message).toMatch(/expired/)
    expect(server.requests).toHaveLength(1)
  })

  it('404 is not retried', async () => {
    const server = await serve((_req, res) => res.writeHead(404).end())
    expect((await rejection(fetchFile(`${server.origin}/f.glb`).promise)).details.status).toBe(404)
    expect(server.requests).toHaveLength(1)
  })

  it('retries 5xx and honours Retry-After', async () => {
    const server = await serve((_req, res, { n }) =>
      n === 1 ? res.writeHead(503, { 'retry-after': '2' }).end() : res.writeHead(200).end(FILE),
    )
    const { promise, delays } = fetchFile(`${server.origin}/f.glb`)
    expect(Buffer.from((await promise).bytes).equals(FILE)).toBe(true)
    expect(delays).toEqual([2000])
  })

  it('caps the size from Content-Length without reading the body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '5000000' })
      res.flushHeaders()
    })
    const err = await rejection(fetchFile(`${server.origin}/big.glb`, { maxBytes: 1000, stallTimeoutMs: 300 }).promise)
    expect(err.code).toBe('E_TOO_LARGE')
    expect(err.message).toMatch(/Content-Length says 5000000/)
    expect(server.requests).toHaveLength(1)
  })

  it('caps the size by counting when there is no Content-Length', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200)
      for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000, 1))
      res.end()
    })
    const err = await rejection(fetchFile(`${server.origin}/big.glb`, { maxBytes: 4500 }).promise)
    expect(err.code).toBe('E_TOO_LARGE')
    expect(err.details.expected).toBe('<= 4500')
    expect(server.requests).toHaveLength(1)
    const ok = await fetchFile(`${server.origin}/big.glb`, { maxBytes: 10_000 }).promise
    expect(ok.bytes.byteLength).toBe(10_000)
  })

  it('retries a body shorter than its Content-Length, then fails', async () => {
    const server = await serve((_req, res) =>
      rawResponse(res, 'HTTP/1.1 200 OK\r\nContent-Length: 1000', Buffer.alloc(400), 'end'),
    )
    const { promise, delays } = fetchFile(`${server.origin}/f.glb`, { maxRetries: 2 })
    const err = await rejection(promise)
    expect(err.code).toBe('E_HTTP')
    expect(err.message).toMatch(/closed early .*after 3 attempts/)
    expect(server.requests).toHaveLength(3)
    expect(delays).toHaveLength(2)
  })

  it('retries a connection reset mid-body and succeeds on the next attempt', async () => {
    const server = await serve((_req, res, { n }) => {
      if (n === 1)
        return rawResponse(
          res,
          `HTTP/1.1 200 OK\r\nContent-Length: ${FILE.byteLength}`,
          FILE.subarray(0, 100),
          'destroy',
        )
      res.writeHead(200, { 'content-length': FILE.byteLength }).end(FILE)
    })
    const res = await fetchFile(`${server.origin}/f.glb`).promise
    expect(Buffer.from(res.bytes).equals(FILE)).toBe(true)
    expect(server.requests).toHaveLength(2)
  })

  it('detects a stalled body, retries, then E_TIMEOUT', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' })
      res.write(Buffer.alloc(10))
    })
    const t0 = Date.now()
    const err = await rejection(fetchFile(`${server.origin}/f.glb`, { stallTimeoutMs: 150, maxRetries: 1 }).promise)
    expect(err.code).toBe('E_TIMEOUT')
    expect(err.message).toMatch(
      /the body stalled \(E_STALL: no data for 150 ms after 10 bytes\) after 2 attempts .*http\.stallTimeoutMs/,
    )
    expect(server.requests).toHaveLength(2)
    expect(Date.now() - t0).toBeLessThan(3000)
  })

  it("stops when the caller aborts, with the caller's reason", async () => {
    const server = await serve(() => {})
    const ac = new AbortController()
    setTimeout(() => ac.abort(new Error('build cancelled')), 50)
    await expect(
      downloadFile(`${server.origin}/f.glb`, { ctx, policy: LOOPBACK_OK, signal: ac.signal }),
    ).rejects.toThrow('build cancelled')
    expect(server.requests).toHaveLength(1)
  })

  it('decodes a gzip body the server sent anyway, still capped', async () => {
    const packed = gzipSync(FILE)
    const server = await serve((_req, res) =>
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': packed.byteLength }).end(packed),
    )
    expect(Buffer.from((await fetchFile(`${server.origin}/f.glb`).promise).bytes).equals(FILE)).toBe(true)
    const bomb = await rejection(fetchFile(`${server.origin}/f.glb`, { maxBytes: 100 }).promise)
    expect(bomb.code).toBe('E_TOO_LARGE')
  })

  it('keeps secrets and query strings out of error messages', async () => {
    const secret = 'sk-download-SENTINEL-55555'
    registerSecret(secret)
    const server = await serve((req, res) =>
      res
        .writeHead(req.url!.startsWith('/gone') ? 410 : 500)
        .end(`denied ${req.url} full=http://cdn.example.com${req.url} key=${secret}`),
    )
    const urls = [
      `${server.origin}/gone.glb?X-Amz-Signature=QUERYSECRET99&Expires=1`,
      `${server.origin}/err.glb?token=QUERYSECRET99`,
    ]
    for (const url of urls) {
      const err = await rejection(fetchFile(url, { maxRetries: 1 }).promise)
      for (const text of [err.message, JSON.stringify(err.details), String(err.stack)]) {
        expect(text).not.toContain(secret)
        expect(text).not.toContain('QUERYSECRET99')
        expect(text).not.toMatch(/X-Amz-Signature|\?token/)
      }
      expect(err.details.url).toMatch(/\.glb$/)
    }
  })
})
