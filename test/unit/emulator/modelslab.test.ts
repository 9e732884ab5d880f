import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_MODELSLAB_TASK_ID } from '../../../src/emulator/index.js'
import { bytes, closeAll, emulator } from './helpers.js'
import { mlFetch } from './provider-helpers.js'

afterEach(closeAll)

const glb = { name: 'a1b2c3-0.glb', bytes: bytes('glTF-modelslab-model-0123456789') }

describe('emulator: ModelsLab 3D', () => {
  it('moves processing → success one step per fetch, with eta, fetch_result and future_links, then output and proxy_links', async () => {
    const emu = await emulator()
    const { id } = emu.addModelslabTask({ files: [glb], statuses: ['processing', 'processing', 'success'], eta: 12 })
    expect(typeof id).toBe('number')
    const first = await mlFetch(emu, id)
    expect(first.status).toBe(200)
    expect(first.json).toMatchObject({
      status: 'processing',
      eta: 12,
      id,
      output: [],
      fetch_result: `${emu.modelslabBaseURL}/3d/fetch/${id}`,
    })
    expect(first.json.future_links).toEqual([`${emu.url}/files/modelslab/output/${id}/a1b2c3-0.glb`])
    expect((await mlFetch(emu, id)).json.status).toBe('processing')
    const done = await mlFetch(emu, id)
    expect(done.json).toMatchObject({
      status: 'success',
      id,
      output: first.json.future_links,
      meta: { output_format: 'glb' },
    })
    expect(done.json.proxy_links).toEqual([`${emu.url}/files/modelslab/proxy/${id}/a1b2c3-0.glb`])
    for (const url of [...done.json.output, ...done.json.proxy_links]) {
      const res = await fetch(url)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('model/gltf-binary')
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(glb.bytes)
    }
    expect((await mlFetch(emu, id)).json.status).toBe('success') // the last status sticks
    const fetches = emu.requests.filter(r => r.route === 'modelslab.fetch')
    expect(fetches).toHaveLength(4)
    expect(
      fetches.every(
        r =>
          r.provider === 'modelslab' &&
          r.task === String(id) &&
          r.bodyKey &&
          !r.authorization &&
          !r.apiKeyHeader &&
          !r.credentialQuery,
      ),
    ).toBe(true)
    expect(emu.requests.filter(r => r.route === 'file').every(r => r.provider === 'modelslab' && !r.early)).toBe(true)
  })

  it('echoes string ids as strings and accepts the undocumented { key, request_id } body', async () => {
    const emu = await emulator()
    emu.addModelslabTask({ id: 'req_abc-1', files: [glb] })
    expect((await mlFetch(emu, 'req_abc-1')).json).toMatchObject({ status: 'success', id: 'req_abc-1' })
    const res = await fetch(`${emu.modelslabBaseURL}/3d/fetch`, {
      method: 'POST',
      body: JSON.stringify({ key: emu.apiKey, request_id: 'req_abc-1' }),
    })
    expect((await res.json()).id).toBe('req_abc-1')
  })

  it('answers future_links fetched before success with 404 (or half the bytes) and flags them early', async () => {
    const emu = await emulator()
    const { id } = emu.addModelslabTask({ files: [glb], statuses: ['processing', 'success'] })
    const url = (await mlFetch(emu, id)).json.future_links[0]
    expect((await fetch(url)).status).toBe(404)
    expect(emu.requests.at(-1)).toMatchObject({
      route: 'file',
      file: 'a1b2c3-0.glb',
      task: String(id),
      early: true,
      status: 404,
    })
    await mlFetch(emu, id)
    expect((await fetch(url)).status).toBe(200)
    expect(emu.requests.at(-1)!.early).toBeUndefined()

    const partial = emu.addModelslabTask({ files: [glb], statuses: ['processing', 'success'], futureLinks: 'partial' })
    const early = await fetch((await mlFetch(emu, partial.id)).json.future_links[0])
    expect(early.status).toBe(200)
    expect((await early.arrayBuffer()).byteLength).toBe(glb.bytes.length >> 1)
    expect(emu.requests.at(-1)!.early).toBe(true)
  })

  it('answers error and failed with the scripted transport and field name', async () => {
    const emu = await emulator()
    const a = emu.addModelslabTask({
      files: [glb],
      statuses: ['processing', 'error'],
      error: { message: 'GPU fell over', field: 'messege' },
    })
    await mlFetch(emu, a.id)
    const typo = await mlFetch(emu, a.id)
    expect(typo.status).toBe(200)
    expect(typo.json).toEqual({ status: 'error', messege: 'GPU fell over', id: a.id })
    const b = emu.addModelslabTask({
      files: [glb],
      statuses: ['failed'],
      error: { message: 'bad prompt', httpStatus: 400 },
    })
    const failed = await mlFetch(emu, b.id)
    expect(failed.status).toBe(400)
    expect(failed.json).toEqual({ status: 'failed', message: 'bad prompt', id: b.id })
    // A failed task's files never become available.
    expect((await fetch(`${emu.url}/files/modelslab/output/${b.id}/${glb.name}`)).status).toBe(404)
  })

  it('checks the body key, knows its ids and methods', async () => {
    const emu = await emulator({ apiKey: 'ml-secret-key-000' })
    const { id } = emu.addModelslabTask({ files: [glb], statuses: ['processing', 'success'] })
    for (const key of [null, 'wrong', 'ml-secret-key-0001']) {
      const a = await mlFetch(emu, id, key)
      expect(a.status).toBe(401)
      expect(a.json).toEqual({ status: 'error', message: 'Invalid API key' })
    }
    expect((await mlFetch(emu, 999_999_999)).status).toBe(404)
    expect((await mlFetch(emu, id, null, 'GET')).status).toBe(405)
    // Rejected calls never moved the task.
    expect((await mlFetch(emu, id)).json.status).toBe('processing')
    expect(JSON.stringify(emu.requests)).not.toContain('ml-secret-key')
  })

  it('faults: a 429 with retry_after in the body, and a 200 error, answer in place of the task', async () => {
    const emu = await emulator()
    const { id } = emu.addModelslabTask({ files: [glb], statuses: ['processing', 'success'] })
    emu.addFault({
      route: 'modelslab.fetch',
      kind: 'modelslab-error',
      status: 429,
      message: 'Rate limit exceeded',
      retryAfter: 2,
    })
    emu.addFault({ route: 'modelslab.fetch', kind: 'modelslab-error', field: 'messege', message: 'Server busy' })
    const limited = await mlFetch(emu, id)
    expect(limited.status).toBe(429)
    expect(limited.json).toEqual({ status: 'error', message: 'Rate limit exceeded', retry_after: 2 })
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(limited.headers.get('retry-after')).toBeNull()
    const busy = await mlFetch(emu, id)
    expect([busy.status, busy.json]).toEqual([200, { status: 'error', messege: 'Server busy' }])
    expect((await mlFetch(emu, id)).json.status).toBe('processing')
    expect(() => emu.addFault({ route: 'rodin.status', kind: 'modelslab-error' })).toThrow(/modelslab\.fetch only/)
  })

  it('serves the default task and rejects malformed tasks', async () => {
    const emu = await emulator()
    const done = await mlFetch(emu, DEFAULT_MODELSLAB_TASK_ID)
    expect(done.json).toMatchObject({ status: 'success', id: DEFAULT_MODELSLAB_TASK_ID })
    const res = await fetch(done.json.output[0])
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).toBe('glTF')
    expect(() => emu.addModelslabTask({ files: [glb], statuses: [] })).toThrow(/at least one status/)
    expect(() => emu.addModelslabTask({ files: [glb], id: 'a/b' })).toThrow(/id must be/)
    expect(() => emu.addModelslabTask({ files: [{ name: 'x.glb', bytes: 'no' as never }] })).toThrow(TypeError)
  })

  it('lets another process add tasks through POST /__emu/modelslab-tasks', async () => {
    const emu = await emulator()
    const res = await fetch(`${emu.url}/__emu/modelslab-tasks`, {
      method: 'POST',
      body: JSON.stringify({
        id: 77,
        statuses: ['processing', 'success'],
        eta: 1,
        files: [{ name: 'm-0.glb', base64: Buffer.from('glTF!').toString('base64') }],
      }),
    })
    expect(await res.json()).toEqual({ id: 77 })
    expect((await mlFetch(emu, 77)).json).toMatchObject({ status: 'processing', eta: 1 })
  })
})
