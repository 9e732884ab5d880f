import { afterEach, describe, expect, it } from 'vitest'
import { isRodinError } from '../../../src/errors.js'
import { submitGeneration } from '../../../src/providers/rodin-generate.js'
import type { GenerationParts } from '../../../src/providers/rodin-generate.js'
import { closeAll, emulator } from './helpers.js'

afterEach(closeAll)

const post = (url: string, form: FormData, key: string | null = 'emulator-key') =>
  fetch(url, { method: 'POST', body: form, headers: key ? { authorization: `Bearer ${key}` } : {} })

const prompt = (text: string, more: Record<string, string> = {}) => {
  const form = new FormData()
  form.append('prompt', text)
  for (const [k, v] of Object.entries(more)) form.append(k, v)
  return form
}

describe('emulator: generation and balance', () => {
  it('bills 0.5 credit per generation and 1 more for HighPack; /check_balance follows', async () => {
    const emu = await emulator({ balance: 2 })
    const balance = async () =>
      (await fetch(`${emu.rodinBaseURL}/check_balance`, { headers: { authorization: 'Bearer emulator-key' } })).json()
    expect(await balance()).toEqual({ balance: 2 })
    const res = await post(`${emu.rodinBaseURL}/rodin`, prompt('a crate'))
    expect(res.status).toBe(201)
    const body = (await res.json()) as { uuid: string; jobs: { uuids: string[]; subscription_key: string } }
    expect(body.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect(body.jobs.uuids).toHaveLength(2)
    expect(await balance()).toEqual({ balance: 1.5 })
    expect((await post(`${emu.rodinBaseURL}/rodin`, prompt('a crate', { addons: 'HighPack' }))).status).toBe(201)
    expect(emu.balance).toBe(0)
    // The created task is a real task: /status and /download serve it.
    const status = await fetch(`${emu.rodinBaseURL}/status`, {
      method: 'POST',
      headers: { authorization: 'Bearer emulator-key', 'content-type': 'application/json' },
      body: JSON.stringify({ subscription_key: body.jobs.subscription_key }),
    })
    expect(((await status.json()) as { jobs: unknown[] }).jobs).toEqual([
      { uuid: body.jobs.uuids[0], status: 'Waiting' },
      { uuid: body.jobs.uuids[1], status: 'Generating' },
    ])
  })

  it('answers 402 INSUFFICIENT_FUND without creating a task, 401 without the key, 400 on bad fields', async () => {
    const emu = await emulator({ balance: 0.25 })
    const poor = await post(`${emu.rodinBaseURL}/rodin`, prompt('a crate'))
    expect(poor.status).toBe(402)
    expect(await poor.json()).toMatchObject({ error: 'INSUFFICIENT_FUND' })
    expect((await post(`${emu.rodinBaseURL}/rodin`, prompt('a crate'), null)).status).toBe(401)
    expect((await post(`${emu.rodinBaseURL}/rodin`, prompt('a crate', { tier: 'Nope' }))).status).toBe(400)
    expect((await post(`${emu.rodinBaseURL}/rodin`, new FormData())).status).toBe(400)
    expect(emu.submissions.map(s => [s.status, s.task])).toEqual([
      [402, undefined],
      [400, undefined],
      [400, undefined],
    ])
    expect(emu.balance).toBe(0.25)
  })

  it('the client reports a refusal as "no task was created", and a lost answer as E_SUBMIT_LOST', async () => {
    const parts: GenerationParts = { route: '/rodin', fields: [['prompt', 'a crate']], files: [] }
    const poor = await emulator({ balance: 0 })
    const conf = { baseURL: poor.rodinBaseURL, apiKey: poor.apiKey }
    const refused = await submitGeneration(conf, parts, { asset: 'crate' }).catch(e => e)
    expect(isRodinError(refused, 'E_HTTP')).toBe(true)
    expect(refused.message).toMatch(/refused the request with HTTP 402 \(server says: INSUFFICIENT_FUND: .*\); no task/)

    const lossy = await emulator({ faults: [{ route: 'rodin.generate', kind: 'lost-answer' }] })
    const lost = await submitGeneration({ baseURL: lossy.rodinBaseURL, apiKey: lossy.apiKey }, parts, {
      asset: 'crate',
    }).catch(e => e)
    expect(isRodinError(lost, 'E_SUBMIT_LOST')).toBe(true)
    expect(lossy.submissions).toHaveLength(1)
    expect(lossy.submissions[0]!.task).toBeDefined()
    expect(lossy.balance).toBe(9.5)
    const created = await submitGeneration({ baseURL: lossy.rodinBaseURL, apiKey: lossy.apiKey }, parts, {
      asset: 'crate',
    })
    expect(created.task).toBe(lossy.submissions[1]!.task)
  })
})

describe('emulator: control plane for generation', () => {
  it('reads and sets the balance, and lists submissions without their bytes', async () => {
    const emu = await emulator()
    const control = (path: string, init?: RequestInit) => fetch(`${emu.url}/__emu/${path}`, init)
    expect(await (await control('balance')).json()).toEqual({ balance: 10 })
    const put = await control('balance', { method: 'PUT', body: JSON.stringify({ balance: 0.5 }) })
    expect(put.status).toBe(200)
    expect(emu.balance).toBe(0.5)
    expect((await control('balance', { method: 'PUT', body: '{"balance": -1}' })).status).toBe(400)
    const form = prompt('a crate')
    form.append('images', new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }), 'a.png')
    expect((await post(`${emu.rodinBaseURL}/rodin`, form)).status).toBe(201)
    const [listed] = (await (await control('submissions')).json()) as Record<string, unknown>[]
    expect(listed).toMatchObject({ route: 'rodin', status: 201, fields: { prompt: ['a crate'] } })
    expect(listed!.files).toEqual([
      { field: 'images', name: 'a.png', type: 'image/png', size: 3, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ])
    expect(emu.balance).toBe(0)
  })
})
