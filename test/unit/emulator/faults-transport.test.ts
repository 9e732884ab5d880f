import { afterEach, describe, expect, it } from 'vitest'
import { api, bytes, closeAll, emulator, fileURL, raw, status, task } from './helpers.js'

afterEach(closeAll)

const BODY = 'glTF-model-bytes-0123456789' // the model bytes of helpers.task()

describe('emulator: transport faults', () => {
  it('reset: destroys the connection before any header', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const url = await fileURL(emu, t.uuid)
    emu.addFault({ route: 'file', kind: 'reset' })
    const a = await raw(url)
    expect(a.outcome).toBe('error')
    expect(a.error?.code).toBe('ECONNRESET')
    expect(a.status).toBeUndefined()
    expect(emu.requests.at(-1)).toMatchObject({ route: 'file', file: 'base_basic_pbr.glb' })
    expect(emu.requests.at(-1)!.status).toBeUndefined()
    await expect(fetch(url).then(r => r.text())).resolves.toBe(BODY)
  })

  it('reset on an API route makes fetch fail', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({ route: 'rodin.status', kind: 'reset' })
    await expect(status(emu, t.subscriptionKey)).rejects.toThrow()
    expect(await status(emu, t.subscriptionKey)).toEqual(['Done'])
  })

  it('reset-mid-body: sends the headers and half the body, then resets', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const url = await fileURL(emu, t.uuid)
    emu.addFault({ route: 'file', kind: 'reset-mid-body' })
    const a = await raw(url)
    expect(a.status).toBe(200)
    expect(a.headers['content-length']).toBe(String(BODY.length))
    expect(a.body.toString()).toBe(BODY.slice(0, BODY.length >> 1))
    expect(a.outcome).toBe('error')
    expect(a.error?.code).toBe('ECONNRESET')
  })

  it('truncate: announces the full length, sends half and closes cleanly', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const url = await fileURL(emu, t.uuid)
    emu.addFault({ route: 'file', kind: 'truncate' })
    const a = await raw(url)
    expect(a.outcome).toBe('end')
    expect(a.status).toBe(200)
    expect(a.headers['content-length']).toBe(String(BODY.length))
    expect(a.body.toString()).toBe(BODY.slice(0, BODY.length >> 1))
    emu.addFault({ route: 'file', kind: 'truncate' })
    await expect(fetch(url).then(r => r.arrayBuffer())).rejects.toThrow()
  })

  it('hang: never answers, and close() still returns promptly', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({ route: 'rodin.download', kind: 'hang' })
    const pending = api(emu, 'download', { task_uuid: t.uuid }).then(
      () => 'answered',
      () => 'failed',
    )
    while (emu.requests[0]?.route !== 'rodin.download') await new Promise(r => setTimeout(r, 5))
    const a = await raw(`${emu.rodinBaseURL}/download`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ task_uuid: t.uuid }),
      idleMs: 300,
    })
    // Only the first request hangs (times: 1); the second was answered.
    expect(a.status).toBe(201)
    const started = Date.now()
    await emu.close()
    expect(Date.now() - started).toBeLessThan(10_000) // the hang lasts forever; a busy machine is slow, not that slow
    expect(await pending).toBe('failed')
    expect(emu.requests[0]!.status).toBeUndefined()
  })

  it('hang: a raw request sees nothing at all', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const url = await fileURL(emu, t.uuid)
    emu.addFault({ route: 'file', kind: 'hang' })
    const a = await raw(url, { firstByteMs: 300 })
    expect(a.outcome).toBe('idle')
    expect(a.body.length + Object.keys(a.headers).length).toBe(0)
  })

  it('stall: sends the headers and some bytes, then keeps the socket open without sending more', async () => {
    const emu = await emulator()
    const big = new Uint8Array(200_000).fill(7)
    const t = emu.addTask({ files: [{ name: 'big.glb', bytes: big }] })
    const url = await fileURL(emu, t.uuid, 'big.glb')
    emu.addFault({ route: 'file', kind: 'stall' })
    const a = await raw(url, { idleMs: 300 })
    expect(a.outcome).toBe('idle')
    expect(a.status).toBe(200)
    expect(a.headers['content-length']).toBe('200000')
    expect(a.body.length).toBeGreaterThan(0)
    expect(a.body.length).toBeLessThan(big.length)
    const started = Date.now()
    const controller = AbortSignal.timeout(300)
    emu.addFault({ route: 'file', kind: 'stall' })
    const res = await fetch(url, { signal: controller })
    await expect(res.arrayBuffer()).rejects.toThrow()
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
  })

  it('delay: answers normally after the given time', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({ route: 'rodin.status', kind: 'delay', ms: 150 })
    const started = Date.now()
    expect(await status(emu, t.subscriptionKey)).toEqual(['Done'])
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(emu.requests.at(-1)!.status).toBe(201)
  })

  it('close() also cancels a pending delay', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({ route: 'rodin.status', kind: 'delay', ms: 60_000 })
    const pending = status(emu, t.subscriptionKey).then(
      () => 'answered',
      () => 'failed',
    )
    await new Promise(r => setTimeout(r, 50))
    const started = Date.now()
    await emu.close()
    expect(Date.now() - started).toBeLessThan(10_000) // the hang lasts forever; a busy machine is slow, not that slow
    expect(await pending).toBe('failed')
  })
})

describe('emulator: status faults', () => {
  it('status: answers the given code with a JSON body by default, without advancing the task', async () => {
    const emu = await emulator()
    const t = emu.addTask(task({ jobs: [['Waiting', 'Done']] }))
    emu.addFault({ route: 'rodin.status', kind: 'status', status: 500, times: 2 })
    for (let i = 0; i < 2; i++) {
      const a = await api(emu, 'status', { subscription_key: t.subscriptionKey })
      expect(a.status).toBe(500)
      expect(a.json).toEqual({ detail: 'Internal Server Error' })
    }
    expect(emu.requests.at(-1)).toMatchObject({ route: 'rodin.status', task: t.uuid, status: 500 })
    expect(await status(emu, t.subscriptionKey)).toEqual(['Waiting'])
  })

  it('status: sends a proxy-style HTML 502 body and custom headers', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>'
    emu.addFault({
      route: 'rodin.download',
      kind: 'status',
      status: 502,
      body: html,
      headers: { 'x-cache': 'Error from cloudfront' },
    })
    const a = await api(emu, 'download', { task_uuid: t.uuid })
    expect(a.status).toBe(502)
    expect(a.text).toBe(html)
    expect(a.headers.get('content-type')).toMatch(/^text\/html/)
    expect(a.headers.get('x-cache')).toBe('Error from cloudfront')
  })

  it('status: 401 mid-session even with the right key', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({
      route: 'rodin.download',
      kind: 'status',
      status: 401,
      body: '{"detail":"Not authenticated"}',
      after: 1,
    })
    expect((await api(emu, 'download', { task_uuid: t.uuid })).status).toBe(201)
    expect((await api(emu, 'download', { task_uuid: t.uuid })).status).toBe(401)
  })

  it('rate-limit: 429 with Retry-After in seconds, or 503 with an HTTP date', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({ route: 'rodin.status', kind: 'rate-limit', retryAfter: '2' })
    const date = new Date(Date.now() + 5000).toUTCString()
    emu.addFault({ route: 'rodin.status', kind: 'rate-limit', status: 503, retryAfter: date })
    emu.addFault({ route: 'rodin.status', kind: 'rate-limit' })
    const a = await api(emu, 'status', { subscription_key: t.subscriptionKey })
    expect(a.status).toBe(429)
    expect(a.headers.get('retry-after')).toBe('2')
    const b = await api(emu, 'status', { subscription_key: t.subscriptionKey })
    expect(b.status).toBe(503)
    expect(b.headers.get('retry-after')).toBe(date)
    const c = await api(emu, 'status', { subscription_key: t.subscriptionKey })
    expect(c.status).toBe(429)
    expect(c.headers.has('retry-after')).toBe(false)
    expect((await api(emu, 'status', { subscription_key: t.subscriptionKey })).status).toBe(201)
  })

  it('redirect: 302 to a fresh URL of the same file by default, or to the given location', async () => {
    const emu = await emulator()
    const t = emu.addTask(
      task({
        files: [
          { name: 'a.glb', bytes: bytes('A') },
          { name: 'b.glb', bytes: bytes('B') },
        ],
      }),
    )
    const url = await fileURL(emu, t.uuid, 'a.glb')
    emu.addFault({ route: 'file', kind: 'redirect' })
    const hop = await fetch(url, { redirect: 'manual' })
    expect(hop.status).toBe(302)
    const location = hop.headers.get('location')!
    expect(location).toMatch(new RegExp(`^${emu.url}/files/rodin/.+/a\\.glb$`))
    expect(await (await fetch(location)).text()).toBe('A')

    emu.addFault({ route: 'file', kind: 'redirect' })
    expect(await (await fetch(url)).text()).toBe('A')
    expect(emu.requests.filter(r => r.route === 'file').map(r => r.status)).toEqual([302, 200, 302, 200])

    const other = await fileURL(emu, t.uuid, 'b.glb')
    emu.addFault({ route: 'file', file: 'a.glb', kind: 'redirect', location: other })
    expect(await (await fetch(url)).text()).toBe('B')
    emu.addFault({ route: 'file', kind: 'redirect', location: 'http://example.invalid/x.glb' })
    expect((await fetch(url, { redirect: 'manual' })).headers.get('location')).toBe('http://example.invalid/x.glb')
  })
})
