import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import type { RodinError } from '../../../src/errors.js'
import { isRodinError } from '../../../src/errors.js'
import type { ApiClient, HttpOptions } from '../../../src/http/index.js'
import { createApiClient } from '../../../src/http/index.js'
import { registerSecret } from '../../../src/redact.js'
import type { Handler, TestServer } from './server.js'
import { CountingAgent, fastRetries, json, startServer } from './server.js'

const ctx = { asset: 'hero-sword', task: 'task-1' }
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map(fn => fn()))
})

async function setup(
  handler: Handler,
  opts: { http?: HttpOptions; headers?: Record<string, string>; base?: string; authHint?: string } = {},
): Promise<{ server: TestServer; client: ApiClient; delays: number[] }> {
  const server = await startServer(handler)
  const { delays, internal } = fastRetries()
  const client = createApiClient({
    baseURL: `${server.origin}${opts.base ?? '/api/v2'}`,
    provider: 'rodin',
    headers: opts.headers,
    http: opts.http,
    authHint: opts.authHint,
    internal,
  })
  cleanup.push(
    () => client.close(),
    () => server.close(),
  )
  return { server, client, delays }
}

async function rejection(p: Promise<unknown>): Promise<RodinError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isRodinError(err), String(err)).toBe(true)
  return err as RodinError
}

describe('createApiClient: success', () => {
  it('accepts any 2xx and joins the path to the base path', async () => {
    for (const status of [200, 201, 202, 204]) {
      const { server, client } = await setup((_req, res) =>
        status === 204 ? res.writeHead(204).end() : json(res, status, { ok: status }),
      )
      const res = await client.request({ method: 'POST', path: '/status', json: { task_uuid: 'x' }, ctx })
      expect(res.status).toBe(status)
      expect(res.body).toEqual(status === 204 ? '' : { ok: status })
      expect(server.requests[0]!.url).toBe('/api/v2/status')
      expect(JSON.parse(server.requests[0]!.body)).toEqual({ task_uuid: 'x' })
      expect(server.requests[0]!.headers['content-type']).toBe('application/json')
    }
  })

  it('parses JSON whatever the content-type, with a BOM, and returns non-JSON as text', async () => {
    const { client } = await setup((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(req.url === '/api/v2/bom' ? '\uFEFF{"list":[1,2]}\n' : 'plain words')
    })
    expect((await client.request({ method: 'GET', path: 'bom', ctx })).body).toEqual({ list: [1, 2] })
    expect((await client.request({ method: 'GET', path: 'txt', ctx })).body).toBe('plain words')
  })

  it('sends form bodies and per-request headers, and decodes a gzip answer', async () => {
    const { server, client } = await setup((_req, res) => {
      const body = gzipSync(JSON.stringify({ access_token: 'x' }))
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': body.byteLength }).end(body)
    })
    const res = await client.request({
      method: 'POST',
      path: '/token',
      form: { grant_type: 'client_credentials' },
      headers: { 'Api-Key': 'k' },
      ctx,
    })
    expect(res.body).toEqual({ access_token: 'x' })
    expect(server.requests[0]!.body).toBe('grant_type=client_credentials')
    expect(server.requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(server.requests[0]!.headers['api-key']).toBe('k')
    expect(server.requests[0]!.headers['accept-encoding']).toBe('identity')
  })

  it('returns statuses that acceptStatus allows', async () => {
    const { client } = await setup((_req, res) => json(res, 404, { error: 'not yet' }))
    const res = await client.request({ method: 'GET', path: '/x', ctx, acceptStatus: s => s === 404 })
    expect(res).toMatchObject({ status: 404, body: { error: 'not yet' } })
  })
})

describe('createApiClient: retries', () => {
  it('retries 500, 500, then succeeds with jittered, growing waits', async () => {
    const { server, client, delays } = await setup((_req, res, { n }) =>
      n < 3 ? json(res, 500, { error: 'boom' }) : json(res, 201, { ok: true }),
    )
    const res = await client.request({ method: 'POST', path: '/status', json: {}, ctx })
    expect(res.status).toBe(201)
    expect(server.requests).toHaveLength(3)
    expect(delays).toEqual([750, 1250])
  })

  it('honours Retry-After in seconds and as an HTTP-date', async () => {
    const date = new Date(Date.now() + 3000).toUTCString()
    const { server, client, delays } = await setup((_req, res, { n }) => {
      if (n === 1) return json(res, 429, {}, { 'retry-after': '1' })
      if (n === 2) return json(res, 503, {}, { 'retry-after': date })
      json(res, 200, { ok: true })
    })
    await client.request({ method: 'POST', path: '/status', json: {}, ctx })
    expect(server.requests).toHaveLength(3)
    expect(delays[0]).toBe(1000)
    expect(delays[1]).toBeGreaterThan(1000)
    expect(delays[1]).toBeLessThanOrEqual(3000)
  })

  it('really waits for Retry-After (real clock)', async () => {
    const server = await startServer((_req, res, { n }) =>
      n === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, {}),
    )
    const client = createApiClient({ baseURL: server.origin, provider: 'rodin' })
    cleanup.push(
      () => client.close(),
      () => server.close(),
    )
    await client.request({ method: 'GET', path: '/', ctx })
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(900)
  })

  it('is bounded: maxRetries + 1 requests, then E_HTTP naming status, provider, asset and task', async () => {
    const { server, client } = await setup((_req, res) => json(res, 502, { error: 'bad gateway' }), {
      http: { maxRetries: 2 },
    })
    const err = await rejection(client.request({ method: 'POST', path: '/download', json: {}, ctx }))
    expect(server.requests).toHaveLength(3)
    expect(err.code).toBe('E_HTTP')
    expect(err.details).toMatchObject({ status: 502, provider: 'rodin', asset: 'hero-sword', task: 'task-1' })
    expect(err.message).toMatch(/asset "hero-sword" \(rodin task task-1\)/)
    expect(err.message).toMatch(/HTTP 502 after 3 attempts: \{"error":"bad gateway"\}/)
    expect(err.message).toMatch(/try again later/)
  })

  it('does not retry when retryable is false', async () => {
    const { server, client } = await setup((_req, res) => json(res, 503, {}))
    expect(
      (await rejection(client.request({ method: 'POST', path: '/generate', json: {}, ctx, retryable: false }))).details
        .status,
    ).toBe(503)
    expect(server.requests).toHaveLength(1)
  })

  it('fails at once when Retry-After is beyond the deadline, naming the wait', async () => {
    const { server, client } = await setup((_req, res) => json(res, 429, {}, { 'retry-after': '3600' }))
    const err = await rejection(client.request({ method: 'GET', path: '/', ctx }))
    expect(server.requests).toHaveLength(1)
    expect(err.code).toBe('E_HTTP')
    expect(err.details.status).toBe(429)
    expect(err.message).toMatch(/retry after 1 h, beyond the remaining deadline/)
  })

  it('retries refused connections, then reports E_HTTP', async () => {
    const dead = await startServer(() => {})
    await dead.close()
    const { delays, internal } = fastRetries()
    const client = createApiClient({ baseURL: dead.origin, provider: 'rodin', http: { maxRetries: 2 }, internal })
    cleanup.push(() => client.close())
    const err = await rejection(client.request({ method: 'GET', path: '/', ctx }))
    expect(err.code).toBe('E_HTTP')
    expect(err.message).toMatch(/ECONNREFUSED.*after 3 attempts/)
    expect(delays).toHaveLength(2)
  })

  it('times out on missing headers (retried), then E_TIMEOUT', async () => {
    const { server, client } = await setup(() => {}, { http: { headersTimeoutMs: 150, maxRetries: 1 } })
    const err = await rejection(client.request({ method: 'GET', path: '/', ctx }))
    expect(err.code).toBe('E_TIMEOUT')
    expect(server.requests).toHaveLength(2)
  })

  it('stops at the overall deadline', async () => {
    const { client } = await setup(() => {}, { http: { deadlineMs: 300 } })
    const t0 = Date.now()
    const err = await rejection(client.request({ method: 'GET', path: '/', ctx }))
    expect(err.code).toBe('E_TIMEOUT')
    expect(err.message).toMatch(/deadlineMs/)
    expect(Date.now() - t0).toBeLessThan(5000)
  })

  it("rejects with the caller's abort reason", async () => {
    const { client } = await setup(() => {})
    const ac = new AbortController()
    setTimeout(() => ac.abort(new Error('build cancelled')), 50)
    await expect(client.request({ method: 'GET', path: '/', ctx, signal: ac.signal })).rejects.toThrow(
      'build cancelled',
    )
  })
})

describe('createApiClient: errors that are not retried', () => {
  it('400 → E_HTTP at once', async () => {
    const { server, client } = await setup((_req, res) => json(res, 400, { error: 'INVALID_UUID' }))
    const err = await rejection(client.request({ method: 'POST', path: '/download', json: {}, ctx }))
    expect(err.code).toBe('E_HTTP')
    expect(err.details.status).toBe(400)
    expect(err.message).toContain('INVALID_UUID')
    expect(server.requests).toHaveLength(1)
  })

  it('401 and 403 → E_AUTH with the hint the caller gives (the provider registry says which variable)', async () => {
    for (const status of [401, 403]) {
      const { server, client } = await setup((_req, res) => json(res, status, { error: 'bad key' }), {
        authHint: 'set RODIN_API_KEY to a valid key',
      })
      const err = await rejection(client.request({ method: 'POST', path: '/status', json: {}, ctx }))
      expect(err.code).toBe('E_AUTH')
      expect(err.details.status).toBe(status)
      expect(err.message).toMatch(new RegExp(`HTTP ${status}.*RODIN_API_KEY`))
      expect(server.requests).toHaveLength(1)
    }
  })

  it('caps API bodies at 16 MiB from Content-Length', async () => {
    const { client } = await setup((_req, res) => {
      res.writeHead(200, { 'content-length': String(17 * 1024 * 1024) })
      res.flushHeaders()
    })
    expect((await rejection(client.request({ method: 'GET', path: '/', ctx }))).code).toBe('E_TOO_LARGE')
  })
})

describe('createApiClient: credentials and origins', () => {
  it('rejects an unsafe base URL before any socket', () => {
    expect(() => createApiClient({ baseURL: 'http://example.com/api', provider: 'rodin' })).toThrow(/E_UNSAFE_URL/)
    expect(() => createApiClient({ baseURL: 'ftp://127.0.0.1/api', provider: 'rodin' })).toThrow(/E_UNSAFE_URL/)
  })

  it('never sends credentials to another origin through an absolute path', async () => {
    const dispatcher = new CountingAgent()
    cleanup.push(() => dispatcher.close())
    const client = createApiClient({
      baseURL: 'https://api.example.com/v2',
      provider: 'rodin',
      headers: { Authorization: 'Bearer abc' },
      internal: { dispatcher },
    })
    const err = await rejection(client.request({ method: 'GET', path: 'https://evil.example.net/x', ctx }))
    expect(err.code).toBe('E_UNSAFE_URL')
    expect(dispatcher.origins).toEqual([])
  })

  it('follows a same-origin redirect but refuses a cross-origin one without contacting it', async () => {
    const other = await startServer((_req, res) => json(res, 200, { stolen: true }))
    cleanup.push(() => other.close())
    const { server, client } = await setup(
      (req, res) => {
        if (req.url === '/api/v2/moved') return res.writeHead(307, { location: '/api/v2/here' }).end()
        if (req.url === '/api/v2/away') return res.writeHead(302, { location: `${other.origin}/x` }).end()
        json(res, 200, { here: true })
      },
      { headers: { Authorization: 'Bearer key-123456' } },
    )
    expect((await client.request({ method: 'POST', path: '/moved', json: { a: 1 }, ctx })).body).toEqual({ here: true })
    expect(server.requests[1]).toMatchObject({ method: 'POST', url: '/api/v2/here', body: '{"a":1}' })
    expect(server.requests[1]!.headers.authorization).toBe('Bearer key-123456')
    const err = await rejection(client.request({ method: 'GET', path: '/away', ctx }))
    expect(err.code).toBe('E_UNSAFE_URL')
    expect(err.message).toMatch(/another origin/)
    expect(other.requests).toHaveLength(0)
  })

  it('keeps the key out of error messages even when the server echoes it', async () => {
    const secret = 'sk-sentinel-API-KEY-0123456789'
    registerSecret(secret)
    const { client } = await setup(
      (req, res) => json(res, 400, { echo: req.headers.authorization, key: secret, raw: `key is ${secret}` }),
      { headers: { Authorization: `Bearer ${secret}` } },
    )
    const err = await rejection(client.request({ method: 'POST', path: '/status', json: {}, ctx }))
    expect(err.message).not.toContain(secret)
    expect(err.message).not.toContain('sentinel')
    expect(JSON.stringify(err.details)).not.toContain(secret)
  })

  it('registers bearer tokens it is given, even if the caller forgot to', async () => {
    const token = 'tok-unregistered-987654321'
    const { client } = await setup((_req, res) => json(res, 500, { token }), {
      headers: { Authorization: `Bearer ${token}` },
      http: { maxRetries: 0 },
    })
    const err = await rejection(client.request({ method: 'GET', path: '/', ctx }))
    expect(err.message).not.toContain(token)
  })

  it('close() of one client does not break another', async () => {
    const { client: a } = await setup((_req, res) => json(res, 200, { a: 1 }))
    const { client: b } = await setup((_req, res) => json(res, 200, { b: 1 }))
    await a.request({ method: 'GET', path: '/', ctx })
    await a.close()
    await expect(a.request({ method: 'GET', path: '/', ctx })).rejects.toThrow(/closed/)
    expect((await b.request({ method: 'GET', path: '/', ctx })).body).toEqual({ b: 1 })
  })
})
