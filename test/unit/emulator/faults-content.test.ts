import { afterEach, describe, expect, it } from 'vitest'
import { api, bytes, closeAll, download, emulator, fileURL, raw, status, task } from './helpers.js'

afterEach(closeAll)

const BODY = 'glTF-model-bytes-0123456789' // the model bytes of helpers.task()

describe('emulator: /download list faults', () => {
  it('empty-list: answers { list: [] } for a finished task, then recovers', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({ route: 'rodin.download', task: t.uuid, kind: 'empty-list', times: 2 })
    const a = await api(emu, 'download', { task_uuid: t.uuid })
    expect(a.status).toBe(201)
    expect(a.json).toEqual({ list: [] })
    expect(await download(emu, t.uuid)).toEqual([])
    expect((await download(emu, t.uuid)).length).toBe(2)
    expect(emu.requests.some(r => r.early)).toBe(false)
  })

  it('partial-list: lists only preview.webp', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({ route: 'rodin.download', kind: 'partial-list' })
    expect((await download(emu, t.uuid)).map(f => f.name)).toEqual(['preview.webp'])
    expect((await download(emu, t.uuid)).map(f => f.name)).toEqual(['base_basic_pbr.glb', 'preview.webp'])
  })

  it("odd-names: adds the given names, each serving the task's first file", async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const names = ['../evil.glb', 'a/b.glb', 'C:\\x.glb', '/etc/passwd', 'base_basic_pbr.glb', 'preview.webp']
    emu.addFault({ route: 'rodin.download', kind: 'odd-names', names })
    const list = await download(emu, t.uuid)
    expect(list.map(f => f.name)).toEqual(['base_basic_pbr.glb', 'preview.webp', ...names])
    expect(list[2]!.url).toMatch(/\/\.\.%2Fevil\.glb$/)
    expect(list[4]!.url).toMatch(/\/C%3A%5Cx\.glb$/)
    for (const entry of list.slice(2)) {
      const res = await fetch(entry.url)
      expect(res.status, entry.name).toBe(200)
      expect(await res.text(), entry.name).toBe(BODY)
    }
    expect(emu.requests.filter(r => r.route === 'file').map(r => r.file)).toEqual(names)
  })

  it('odd-names: a name made only of dots gets a URL that leads to a 403/404, not to a crash', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({ route: 'rodin.download', kind: 'odd-names', names: ['..', '.'] })
    const list = await download(emu, t.uuid)
    for (const entry of list.slice(2)) expect([403, 404]).toContain((await fetch(entry.url)).status)
  })

  it('error-field: adds "error" to an otherwise normal /status or /download answer', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({ route: 'rodin.status', kind: 'error-field', value: 'OK' })
    emu.addFault({ route: 'rodin.download', kind: 'error-field', value: 'OK' })
    const s = await api(emu, 'status', { subscription_key: t.subscriptionKey })
    expect(s.status).toBe(201)
    expect(s.json).toEqual({ error: 'OK', jobs: [{ uuid: expect.any(String), status: 'Done' }] })
    const d = await api(emu, 'download', { task_uuid: t.uuid })
    expect(d.json.error).toBe('OK')
    expect(d.json.list).toHaveLength(2)
    expect((await api(emu, 'status', { subscription_key: t.subscriptionKey })).json).not.toHaveProperty('error')
  })

  it('list faults leave other tasks alone when scoped by task', async () => {
    const emu = await emulator()
    const a = emu.addTask(task())
    const b = emu.addTask(task())
    emu.addFault({ route: 'rodin.download', task: a.uuid, kind: 'empty-list', times: Infinity })
    expect(await download(emu, b.uuid)).toHaveLength(2)
    expect(await download(emu, a.uuid)).toEqual([])
    expect(await download(emu, a.uuid)).toEqual([])
  })
})

describe('emulator: file-host faults', () => {
  it('expire: a fresh URL answers 403 XML as if expired, once', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const url = await fileURL(emu, t.uuid)
    emu.addFault({ route: 'file', kind: 'expire' })
    const res = await fetch(url)
    expect(res.status).toBe(403)
    expect(res.headers.get('content-type')).toBe('application/xml')
    expect(await res.text()).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>')
    expect((await fetch(url)).status).toBe(200)
  })

  it('corrupt: same length, exactly one byte flipped', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const url = await fileURL(emu, t.uuid)
    emu.addFault({ route: 'file', kind: 'corrupt' })
    const res = await fetch(url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe(String(BODY.length))
    const got = Buffer.from(await res.arrayBuffer())
    const want = Buffer.from(BODY)
    expect(got.length).toBe(want.length)
    expect([...got].filter((b, i) => b !== want[i])).toHaveLength(1)
    expect(await (await fetch(url)).text()).toBe(BODY)
  })

  it("corrupt does not alter the task's own bytes", async () => {
    const emu = await emulator()
    const model = bytes(BODY)
    const t = emu.addTask({ files: [{ name: 'm.glb', bytes: model }] })
    emu.addFault({ route: 'file', kind: 'corrupt' })
    await (await fetch(await fileURL(emu, t.uuid, 'm.glb'))).arrayBuffer()
    expect(Buffer.from(model).toString()).toBe(BODY)
  })

  it('different-bytes: serves the given bytes instead, with a matching Content-Length', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const url = await fileURL(emu, t.uuid)
    emu.addFault({ route: 'file', file: 'base_basic_pbr.glb', kind: 'different-bytes', bytes: bytes('drifted!') })
    const res = await fetch(url)
    expect(res.headers.get('content-length')).toBe('8')
    expect(res.headers.get('content-type')).toBe('model/gltf-binary')
    expect(await res.text()).toBe('drifted!')
    expect(await (await fetch(url)).text()).toBe(BODY)
  })

  it('file faults can target one file of a task', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({ route: 'file', file: 'preview.webp', kind: 'status', status: 404, times: Infinity })
    const list = await download(emu, t.uuid)
    expect((await fetch(list[0]!.url)).status).toBe(200)
    expect((await fetch(list[1]!.url)).status).toBe(404)
  })

  it('transport faults apply to API answers too (truncated JSON)', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    emu.addFault({ route: 'rodin.status', kind: 'truncate' })
    const a = await raw(`${emu.rodinBaseURL}/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subscription_key: t.subscriptionKey }),
    })
    expect(a.outcome).toBe('end')
    expect(a.status).toBe(201)
    expect(a.body.length).toBeLessThan(Number(a.headers['content-length']))
    expect(() => JSON.parse(a.body.toString())).toThrow()
    expect(await status(emu, t.subscriptionKey)).toEqual(['Done'])
  })
})
