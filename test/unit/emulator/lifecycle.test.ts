import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator } from '../../../src/emulator/index.js'
import { api, closeAll, download, emulator, status, task } from './helpers.js'

afterEach(closeAll)

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('emulator: task lifecycle', () => {
  it('binds 127.0.0.1 on a random port and exposes the base URLs', async () => {
    const emu = await emulator()
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(emu.url).not.toMatch(/:0$/)
    expect(emu.rodinBaseURL).toBe(`${emu.url}/rodin/api/v2`)
    expect(emu.modelslabBaseURL).toBe(`${emu.url}/modelslab/api/v6`)
    expect(emu.gettyBaseURL).toBe(`${emu.url}/getty`)
    expect(emu.gettyTokenURL).toBe(`${emu.url}/getty/oauth2/token`)
    expect(emu.apiKey).toBe('emulator-key')
  })

  it('moves a job Waiting → Generating → Done, one step per /status call, and the last status sticks', async () => {
    const emu = await emulator()
    const t = emu.addTask(task({ jobs: [['Waiting', 'Generating', 'Done']] }))
    const seen = []
    for (let i = 0; i < 5; i++) seen.push((await status(emu, t.subscriptionKey))[0])
    expect(seen).toEqual(['Waiting', 'Generating', 'Done', 'Done', 'Done'])
  })

  it('answers /status with 201 and { jobs: [{ uuid, status }] }, job uuids stable across polls', async () => {
    const emu = await emulator()
    const t = emu.addTask(task({ jobs: [['Generating', 'Done'], ['Done']] }))
    const a = await api(emu, 'status', { subscription_key: t.subscriptionKey })
    const b = await api(emu, 'status', { subscription_key: t.subscriptionKey })
    expect(a.status).toBe(201)
    expect(a.headers.get('content-type')).toBe('application/json')
    expect(a.json).toEqual({
      jobs: [
        { uuid: expect.stringMatching(UUID_V4), status: 'Generating' },
        { uuid: expect.stringMatching(UUID_V4), status: 'Done' },
      ],
    })
    expect(a.json).not.toHaveProperty('error')
    expect(b.json.jobs.map((j: { uuid: string }) => j.uuid)).toEqual(a.json.jobs.map((j: { uuid: string }) => j.uuid))
    expect(a.json.jobs[0].uuid).not.toBe(t.uuid)
  })

  it('reports every job of a multi-job task; the task is downloadable only when all are Done', async () => {
    const emu = await emulator()
    const t = emu.addTask(
      task({
        jobs: [
          ['Waiting', 'Done'],
          ['Waiting', 'Generating', 'Generating', 'Done'],
        ],
      }),
    )
    expect(await status(emu, t.subscriptionKey)).toEqual(['Waiting', 'Waiting'])
    expect(await status(emu, t.subscriptionKey)).toEqual(['Done', 'Generating'])
    expect((await download(emu, t.uuid)).map(f => f.name)).toEqual(['preview.webp'])
    expect(await status(emu, t.subscriptionKey)).toEqual(['Done', 'Generating'])
    expect(await status(emu, t.subscriptionKey)).toEqual(['Done', 'Done'])
    expect((await download(emu, t.uuid)).map(f => f.name)).toEqual(['base_basic_pbr.glb', 'preview.webp'])
    const downloads = emu.requests.filter(r => r.route === 'rodin.download')
    expect(downloads.map(r => r.early)).toEqual([true, undefined])
  })

  it('passes Failed, Canceled and unknown statuses through and never finishes such a task', async () => {
    const emu = await emulator()
    const t = emu.addTask(task({ jobs: [['Generating', 'Failed'], ['Done'], ['Waiting', 'Canceled'], ['Queued']] }))
    await status(emu, t.subscriptionKey)
    expect(await status(emu, t.subscriptionKey)).toEqual(['Failed', 'Done', 'Canceled', 'Queued'])
    expect(await status(emu, t.subscriptionKey)).toEqual(['Failed', 'Done', 'Canceled', 'Queued'])
    expect((await download(emu, t.uuid)).map(f => f.name)).toEqual(['preview.webp'])
    expect(emu.requests.at(-1)).toMatchObject({ route: 'rodin.download', early: true, status: 201 })
  })

  it('flags an early /download and lists only preview.webp (the real API\'s "incomplete list")', async () => {
    const emu = await emulator()
    const t = emu.addTask(task({ jobs: [['Waiting', 'Done']] }))
    const a = await api(emu, 'download', { task_uuid: t.uuid })
    expect(a.status).toBe(201)
    expect(a.json.list).toEqual([{ name: 'preview.webp', url: expect.stringContaining('/files/rodin/') }])
    expect(emu.requests.at(-1)).toMatchObject({ route: 'rodin.download', task: t.uuid, early: true })
  })

  it('lists nothing when called early for a task that has no preview', async () => {
    const emu = await emulator()
    const t = emu.addTask({ files: [{ name: 'base.fbx', bytes: new Uint8Array([1]) }], jobs: [['Generating']] })
    expect(await download(emu, t.uuid)).toEqual([])
  })

  it('serves a task scripted [["Done"]] without any /status call (manifests may hold only the uuid)', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    expect((await download(emu, t.uuid)).map(f => f.name)).toEqual(['base_basic_pbr.glb', 'preview.webp'])
    expect(emu.requests.at(-1)!.early).toBeUndefined()
  })

  it('accepts form-urlencoded bodies like the vendor Python client sends', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    for (const [route, field, value] of [
      ['status', 'subscription_key', t.subscriptionKey],
      ['download', 'task_uuid', t.uuid],
    ] as const) {
      const res = await fetch(`${emu.rodinBaseURL}/${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${emu.apiKey}` },
        body: new URLSearchParams({ [field]: value }),
      })
      expect(res.status).toBe(201)
    }
  })

  it('answers unknown keys and tasks with 404 { error }, a missing field with 422, other methods with 405', async () => {
    const emu = await emulator()
    const unknownKey = await api(emu, 'status', { subscription_key: 'sub-nope' })
    expect(unknownKey.status).toBe(404)
    expect(unknownKey.json.error).toEqual(expect.any(String))
    const unknownTask = await api(emu, 'download', { task_uuid: '00000000-0000-4000-8000-000000000000' })
    expect(unknownTask.status).toBe(404)
    expect(unknownTask.json.error).toEqual(expect.any(String))
    expect(emu.requests.at(-1)).toMatchObject({ task: '00000000-0000-4000-8000-000000000000', status: 404 })
    expect((await api(emu, 'download', { uuid: 'x' })).status).toBe(422)
    const get = await fetch(`${emu.rodinBaseURL}/status`, { headers: { authorization: `Bearer ${emu.apiKey}` } })
    expect(get.status).toBe(405)
  })

  it('creates uuids and subscription keys when not given, and replaces a task re-added under the same uuid', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    expect(t.uuid).toMatch(UUID_V4)
    expect(t.subscriptionKey).toMatch(/^sub-./)
    const again = emu.addTask(task({ uuid: t.uuid, subscriptionKey: 'sub-new', jobs: [['Generating']] }))
    expect(again).toEqual({ uuid: t.uuid, subscriptionKey: 'sub-new' })
    expect((await api(emu, 'status', { subscription_key: t.subscriptionKey })).status).toBe(404)
    expect(await status(emu, 'sub-new')).toEqual(['Generating'])
  })

  it('serves tasks given in options.assets and rejects malformed tasks', async () => {
    const emu = await startEmulator({ assets: [task({ uuid: 'u-1', subscriptionKey: 'sub-1', jobs: [['Waiting']] })] })
    try {
      expect(await status(emu, 'sub-1')).toEqual(['Waiting'])
      expect(() => emu.addTask({ files: [{ name: 'a.glb', bytes: 'nope' as never }] })).toThrow(TypeError)
      expect(() => emu.addTask(task({ jobs: [] }))).toThrow(/at least one job/)
      expect(() => emu.addTask(task({ jobs: [[]] }))).toThrow(/at least one status/)
    } finally {
      await emu.close()
    }
  })

  it('answers unknown routes under every provider prefix with 404 JSON, and logs them as unknown', async () => {
    const emu = await emulator()
    for (const url of [
      `${emu.modelslabBaseURL}/3d/nope`,
      `${emu.gettyBaseURL}/v3/ai/image-generations/x`,
      `${emu.gettyBaseURL}/oauth2/nope`,
      `${emu.url}/nope`,
    ]) {
      const res = await fetch(url, { method: 'POST' })
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toBe('application/json')
      expect((await res.json()).error).toEqual(expect.any(String))
    }
    expect(emu.requests.map(r => r.route)).toEqual(['unknown', 'unknown', 'unknown', 'unknown'])
  })
})
