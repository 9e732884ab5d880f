import { describe, expect, it } from 'vitest'
import type { ApiClient } from '../../../src/http/index.js'
import type { AssetEntry } from '../../../src/manifest/manifest.js'
import { rodinProvider } from '../../../src/providers/rodin.js'
import type { ProviderContext } from '../../../src/providers/types.js'

const TASK = '7f3c1a2e-5b6d-4c8e-9f00-1234567890ab'
const entry = (extra: Partial<AssetEntry> = {}): AssetEntry => ({
  alias: 'sword',
  provider: 'rodin',
  task: TASK,
  ids: [],
  optimize: undefined,
  ...extra,
})

/** A scripted API: each call to a path takes the next answer; the last one repeats. */
function scripted(script: Record<string, unknown[]>) {
  const calls: string[] = []
  const api: ApiClient = {
    async request({ path }) {
      calls.push(path)
      const answers = script[path] ?? []
      const n = calls.filter(c => c === path).length - 1
      return { status: 201, headers: {}, body: answers[Math.min(n, answers.length - 1)] }
    },
    async close() {},
  }
  let clock = 0
  const pc: ProviderContext = {
    api,
    ctx: { asset: 'sword', provider: 'rodin', task: TASK },
    wait: { timeoutMs: 10_000, intervalMs: 1_000 },
    sleep: async ms => {
      clock += ms
    },
    now: () => clock,
    warn: () => {},
  }
  return { calls, pc }
}

const list = (...names: string[]) => ({ list: names.map(name => ({ name, url: `https://files.example/${name}` })) })
const jobs = (...statuses: string[]) => ({ jobs: statuses.map((status, i) => ({ uuid: `j${i}`, status })) })

describe('rodinProvider', () => {
  it('polls until every job is Done before asking /download', async () => {
    const { calls, pc } = scripted({
      '/status': [jobs('Waiting', 'Waiting'), jobs('Generating', 'Done'), jobs('Done', 'Done')],
      '/download': [list('preview.webp', 'base_basic_pbr.glb')],
    })
    const files = await rodinProvider.listFiles(entry({ subscriptionKey: 'sub' }), pc)
    expect(calls).toEqual(['/status', '/status', '/status', '/download'])
    expect(files.map(f => f.name)).toEqual(['preview.webp', 'base_basic_pbr.glb'])
  })

  it.each(['Failed', 'Canceled'])('fails with E_TASK_FAILED when a job is %s', async bad => {
    const { calls, pc } = scripted({ '/status': [jobs('Done', bad)] })
    await expect(rodinProvider.listFiles(entry({ subscriptionKey: 'sub' }), pc)).rejects.toMatchObject({
      code: 'E_TASK_FAILED',
      message: expect.stringContaining(bad),
    })
    expect(calls).not.toContain('/download')
  })

  it('gives up with E_TASK_PENDING after the wait budget', async () => {
    const { calls, pc } = scripted({ '/status': [jobs('Generating')] })
    await expect(rodinProvider.listFiles(entry({ subscriptionKey: 'sub' }), pc)).rejects.toMatchObject({
      code: 'E_TASK_PENDING',
      message: expect.stringContaining('Generating'),
    })
    expect(calls.length).toBe(11) // polls at t = 0, 1 s, …, 10 s
  })

  it('re-asks an empty or partial list right after Done', async () => {
    const { calls, pc } = scripted({
      '/status': [jobs('Done')],
      '/download': [list(), list('preview.webp'), list('preview.webp', 'base_basic_pbr.glb')],
    })
    const files = await rodinProvider.listFiles(entry({ subscriptionKey: 'sub' }), pc)
    expect(calls.filter(c => c === '/download')).toHaveLength(3)
    expect(files).toHaveLength(2)
  })

  it('says which names exist when the finished task never lists the wanted file', async () => {
    const { pc } = scripted({ '/status': [jobs('Done')], '/download': [list('preview.webp', 'base.fbx')] })
    await expect(
      rodinProvider.listFiles(entry({ subscriptionKey: 'sub', file: 'base_basic_pbr.glb' }), pc),
    ).rejects.toMatchObject({ code: 'E_NO_FILE', message: expect.stringContaining('preview.webp, base.fbx') })
  })

  it('without a subscription key, waits on /download and hints at subscriptionKey', async () => {
    const { pc } = scripted({ '/download': [list('preview.webp')] })
    await expect(rodinProvider.listFiles(entry(), pc)).rejects.toMatchObject({
      code: 'E_TASK_PENDING',
      message: expect.stringContaining('subscriptionKey'),
    })
  })

  it('tolerates "error": "OK" and rejects a body without a list', async () => {
    const ok = scripted({ '/download': [{ error: 'OK', ...list('a.glb') }] })
    expect(await rodinProvider.listFiles(entry(), ok.pc)).toHaveLength(1)
    const bad = scripted({ '/download': [{ error: 'task not found' }] })
    await expect(rodinProvider.listFiles(entry(), bad.pc)).rejects.toThrow(
      /task not found.*task UUID \(not a job UUID\)/,
    )
  })
})
