import { afterEach, describe, expect, it } from 'vitest'
import { api, closeAll, emulator, fileURL, status, task } from './helpers.js'

afterEach(closeAll)

describe('emulator: authentication', () => {
  it('answers 401 {"detail":"Not authenticated"} without a key, with a wrong key or a non-Bearer scheme', async () => {
    const emu = await emulator()
    const t = emu.addTask(task({ jobs: [['Waiting', 'Done']] }))
    for (const route of ['status', 'download'] as const) {
      const body: Record<string, string> =
        route === 'status' ? { subscription_key: t.subscriptionKey } : { task_uuid: t.uuid }
      for (const key of [null, 'wrong-key', `${emu.apiKey}x`]) {
        const a = await api(emu, route, body, key)
        expect(a.status).toBe(401)
        expect(a.text).toBe('{"detail":"Not authenticated"}')
        expect(a.headers.get('www-authenticate')).toBe('Bearer')
      }
      const basic = await fetch(`${emu.rodinBaseURL}/${route}`, {
        method: 'POST',
        headers: { authorization: `Basic ${emu.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      expect(basic.status).toBe(401)
    }
    // Rejected polls do not move the timeline.
    expect(await status(emu, t.subscriptionKey)).toEqual(['Waiting'])
  })

  it('accepts the key given in options', async () => {
    const emu = await emulator({ apiKey: 'rk-custom-123456' })
    const t = emu.addTask(task())
    expect(emu.apiKey).toBe('rk-custom-123456')
    expect((await api(emu, 'status', { subscription_key: t.subscriptionKey }, 'emulator-key')).status).toBe(401)
    expect((await api(emu, 'status', { subscription_key: t.subscriptionKey })).status).toBe(201)
  })
})

describe('emulator: request log', () => {
  it('records every request in order with route, task, file, status and credential-header presence', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    await status(emu, t.subscriptionKey)
    const url = await fileURL(emu, t.uuid)
    await (await fetch(url)).arrayBuffer()
    await (
      await fetch(url, { headers: { authorization: 'Bearer leaked-key-123', 'api-key': 'leaked-key-456' } })
    ).arrayBuffer()
    const before = Date.now()
    expect(emu.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/rodin/api/v2/status',
        route: 'rodin.status',
        task: t.uuid,
        authorization: true,
        apiKeyHeader: false,
        status: 201,
      }),
      expect.objectContaining({
        method: 'POST',
        path: '/rodin/api/v2/download',
        route: 'rodin.download',
        task: t.uuid,
        authorization: true,
        status: 201,
      }),
      expect.objectContaining({
        method: 'GET',
        route: 'file',
        task: t.uuid,
        file: 'base_basic_pbr.glb',
        authorization: false,
        apiKeyHeader: false,
        status: 200,
      }),
      expect.objectContaining({
        method: 'GET',
        route: 'file',
        file: 'base_basic_pbr.glb',
        authorization: true,
        apiKeyHeader: true,
        status: 200,
      }),
    ])
    for (const r of emu.requests) expect(r.time).toBeLessThanOrEqual(before)
    expect(emu.requests[2]!.path).toBe(new URL(url).pathname)
  })

  it('never holds the API key, the subscription key or any header value', async () => {
    const emu = await emulator({ apiKey: 'super-secret-api-key' })
    const t = emu.addTask(task({ subscriptionKey: 'sub-secret-subscription' }))
    await status(emu, t.subscriptionKey)
    await api(emu, 'status', { subscription_key: t.subscriptionKey }, 'wrong-but-secret-key')
    const url = await fileURL(emu, t.uuid)
    await (await fetch(url, { headers: { 'api-key': 'getty-secret-key' } })).arrayBuffer()
    const served = await (await fetch(`${emu.url}/__emu/log`)).text()
    for (const text of [JSON.stringify(emu.requests), served]) {
      for (const secret of [
        'super-secret-api-key',
        'sub-secret-subscription',
        'wrong-but-secret-key',
        'getty-secret-key',
      ])
        expect(text).not.toContain(secret)
    }
  })

  it('drops the query string from logged paths', async () => {
    const emu = await emulator()
    await fetch(`${emu.url}/nope?key=secret-in-query`)
    expect(emu.requests[0]).toMatchObject({ path: '/nope', route: 'unknown', status: 404 })
  })

  it('serves the log at GET /__emu/log and clears it in place', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    await status(emu, t.subscriptionKey)
    const log = await (await fetch(`${emu.url}/__emu/log`)).json()
    expect(log).toEqual([
      expect.objectContaining({ route: 'rodin.status', status: 201 }),
      expect.objectContaining({ route: 'control', path: '/__emu/log', method: 'GET' }),
    ])
    const live = emu.requests
    emu.clearLog()
    expect(emu.requests).toBe(live)
    expect(live).toHaveLength(0)
    await status(emu, t.subscriptionKey)
    expect(live).toHaveLength(1)
    expect((await fetch(`${emu.url}/__emu/log`, { method: 'DELETE' })).status).toBe(204)
    expect(live).toHaveLength(0)
  })

  it('lets another process script tasks and faults through /__emu/tasks and /__emu/faults', async () => {
    const emu = await emulator()
    const added = await (
      await fetch(`${emu.url}/__emu/tasks`, {
        method: 'POST',
        body: JSON.stringify({
          uuid: 'remote-1',
          subscriptionKey: 'sub-remote',
          jobs: [['Waiting', 'Done']],
          files: [{ name: 'm.glb', base64: Buffer.from('glTF!').toString('base64') }],
        }),
      })
    ).json()
    expect(added).toEqual({ uuid: 'remote-1', subscriptionKey: 'sub-remote' })
    const res = await fetch(`${emu.url}/__emu/faults`, {
      method: 'POST',
      body: JSON.stringify([
        { route: 'file', kind: 'different-bytes', bytes: Buffer.from('other').toString('base64'), times: null },
        { route: 'rodin.status', kind: 'status', status: 503 },
      ]),
    })
    expect(await res.json()).toEqual({ added: 2 })
    expect((await api(emu, 'status', { subscription_key: 'sub-remote' })).status).toBe(503)
    expect(await status(emu, 'sub-remote')).toEqual(['Waiting'])
    expect(await status(emu, 'sub-remote')).toEqual(['Done'])
    const url = await fileURL(emu, 'remote-1', 'm.glb')
    for (let i = 0; i < 3; i++) expect(await (await fetch(url)).text()).toBe('other')
    const bad = await fetch(`${emu.url}/__emu/faults`, {
      method: 'POST',
      body: JSON.stringify({ route: 'file', kind: 'nope' }),
    })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error).toMatch(/unknown kind/)
  })
})
