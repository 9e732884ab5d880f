import { describe, expect, it } from 'vitest'
import type { ApiClient, ApiRequest } from '../../../src/http/index.js'
import type { AssetEntry } from '../../../src/manifest/manifest.js'
import { createModelslabProvider } from '../../../src/providers/modelslab.js'
import type { ProviderContext } from '../../../src/providers/types.js'

const KEY = 'ml-unit-secret-key-9981'
const entry = (extra: Partial<AssetEntry> = {}): AssetEntry => ({
  alias: 'statue',
  provider: 'modelslab',
  task: '123456',
  ids: [],
  optimize: undefined,
  ...extra,
})

interface Answer {
  status?: number
  body: unknown
  headers?: Record<string, string>
}

/** A scripted ModelsLab: each fetch takes the next answer (the last repeats); sleeping only moves a fake clock. */
function scripted(answers: Answer[], wait = { timeoutMs: 60_000, intervalMs: 1_000 }) {
  const calls: ApiRequest[] = []
  const sleeps: number[] = []
  const api: ApiClient = {
    async request(req) {
      calls.push(req)
      const a = answers[Math.min(calls.length - 1, answers.length - 1)]!
      const status = a.status ?? 200
      if (!(status >= 200 && status < 300) && !req.acceptStatus?.(status))
        throw new Error(`fake: HTTP ${status} not accepted`)
      return { status, headers: a.headers ?? {}, body: a.body }
    },
    async close() {},
  }
  let clock = 0
  const warnings: string[] = []
  const pc: ProviderContext = {
    api,
    wait,
    ctx: { asset: 'statue', provider: 'modelslab', task: '123456' },
    sleep: async ms => {
      sleeps.push(ms)
      clock += ms
    },
    now: () => clock,
    warn: m => warnings.push(m),
  }
  return { calls, sleeps, pc, warnings }
}

const processing = (eta = 5) => ({
  body: {
    status: 'processing',
    eta,
    id: 123456,
    output: [],
    future_links: ['https://pub.r2.dev/generations/abc-0.glb'],
    fetch_result: 'https://modelslab.com/api/v6/3d/fetch/123456',
  },
})
const success = (output: string[], proxy: string[] = []) => ({
  body: { status: 'success', id: 123456, output, proxy_links: proxy, meta: { output_format: 'glb' } },
})
const provider = createModelslabProvider(KEY)

describe('modelslab provider', () => {
  it('POSTs /3d/fetch/{id} with the key in the JSON body only, and names files after the URL path', async () => {
    const { calls, pc } = scripted([success(['https://pub-1.r2.dev/generations/abc-0.glb?sig=x'])])
    const files = await provider.listFiles(entry(), pc)
    expect(files).toEqual([{ name: 'abc-0.glb', url: 'https://pub-1.r2.dev/generations/abc-0.glb?sig=x' }])
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/3d/fetch/123456', json: { key: KEY } })
    expect(calls[0]!.headers).toBeUndefined()
    expect(calls[0]!.path).not.toContain(KEY)
  })

  it('accepts string ids and escapes them in the path', async () => {
    const { calls, pc } = scripted([success(['https://x.dev/a.glb'])])
    await provider.listFiles(entry({ task: 'req_ab-12' }), pc)
    expect(calls[0]!.path).toBe('/3d/fetch/req_ab-12')
  })

  it('polls processing at the pace of eta (never below wait.intervalMs) and never touches future_links', async () => {
    const { calls, sleeps, pc } = scripted([
      processing(5),
      processing(0),
      processing(0.2),
      success(['https://x.dev/generations/abc-0.glb']),
    ])
    const files = await provider.listFiles(entry(), pc)
    expect(files.map(f => f.name)).toEqual(['abc-0.glb'])
    expect(sleeps).toEqual([5_000, 1_000, 1_000])
    expect(calls).toHaveLength(4)
    expect(files.some(f => f.url.includes('pub.r2.dev'))).toBe(false)
  })

  it('gives up with E_TASK_PENDING after the wait budget, quoting the status and the estimate', async () => {
    const { calls, pc } = scripted([processing(30)], { timeoutMs: 100_000, intervalMs: 1_000 })
    await expect(provider.listFiles(entry(), pc)).rejects.toMatchObject({
      code: 'E_TASK_PENDING',
      message: expect.stringMatching(/not finished after 100 s \(status "processing", ModelsLab estimates 30 s more\)/),
    })
    expect(calls.length).toBe(5) // t = 0, 30, 60, 90, then a last look at 100 s
  })

  it('keeps polling unknown states (e.g. queued)', async () => {
    const { calls, pc } = scripted([{ body: { status: 'queued' } }, success(['https://x.dev/a.stl'])])
    expect((await provider.listFiles(entry(), pc)).map(f => f.name)).toEqual(['a.stl'])
    expect(calls).toHaveLength(2)
  })

  it('falls back to proxy_links when output is empty', async () => {
    const { pc } = scripted([success([], ['https://proxy.modelslab.com/generations/abc-0.glb'])])
    expect(await provider.listFiles(entry(), pc)).toEqual([
      { name: 'abc-0.glb', url: 'https://proxy.modelslab.com/generations/abc-0.glb' },
    ])
  })

  it('refreshFiles prefers proxy_links (the output copy answered 403/410)', async () => {
    const { pc } = scripted([success(['https://r2.dev/a-0.glb'], ['https://proxy.dev/a-0.glb'])])
    expect(await provider.refreshFiles!(entry(), pc)).toEqual([{ name: 'a-0.glb', url: 'https://proxy.dev/a-0.glb' }])
  })

  it('re-asks a success without files a few times, then E_NO_FILE', async () => {
    const { calls, pc } = scripted([success([]), success([]), success(['https://x.dev/a.glb'])])
    expect(await provider.listFiles(entry(), pc)).toHaveLength(1)
    expect(calls).toHaveLength(3)
    const never = scripted([success(['https://x.dev/preview.png'])])
    await expect(provider.listFiles(entry(), never.pc)).rejects.toMatchObject({
      code: 'E_NO_FILE',
      message: expect.stringContaining('preview.png'),
    })
    expect(never.calls).toHaveLength(3)
  })

  it('honours "file" and drops unsafe names', async () => {
    const { pc, warnings } = scripted([
      success(['https://x.dev/a.obj', 'https://x.dev/a.glb', 'https://x.dev/%2E%2E', 'https://x.dev/a%2Fb.glb']),
    ])
    expect((await provider.listFiles(entry({ file: 'a.obj' }), pc)).map(f => f.name)).toEqual(['a.obj', 'a.glb'])
    expect(warnings.join('\n')).toMatch(/unsafe name/)
  })

  it.each([
    [
      'HTTP 200, "message"',
      { status: 200, body: { status: 'error', message: 'Generation failed: NSFW content' } },
      'NSFW content',
    ],
    [
      'HTTP 200, legacy "messege"',
      { status: 200, body: { status: 'error', messege: 'Model crashed' } },
      'Model crashed',
    ],
    [
      'HTTP 200, webhook-style "failed"',
      { status: 200, body: { status: 'failed', id: 1, message: 'timed out in queue' } },
      'timed out in queue',
    ],
    [
      'HTTP 400 with a ModelsLab body',
      { status: 400, body: { status: 'error', message: 'mesh extraction failed' } },
      'mesh extraction failed',
    ],
  ])('maps %s to E_TASK_FAILED with the provider message', async (_, answer, text) => {
    const { pc } = scripted([processing(0), answer])
    const err = await provider.listFiles(entry(), pc).catch(e => e)
    expect(err).toMatchObject({
      code: 'E_TASK_FAILED',
      details: { asset: 'statue', provider: 'modelslab', task: '123456', status: answer.status },
    })
    expect(err.message).toContain(text)
    expect(err.message).toMatch(/asset "statue" \(modelslab task 123456\).*Generate the model again/)
  })

  it.each([
    [{ status: 401, body: { status: 'error', message: 'Invalid API key' } }, 'E_AUTH', /MODELSLAB_API_KEY/],
    [{ status: 200, body: { status: 'error', messege: 'Invalid Api Key' } }, 'E_AUTH', /MODELSLAB_API_KEY/],
    [{ status: 402, body: { status: 'error', message: 'Insufficient credits' } }, 'E_HTTP', /no credits left.*Top up/],
    [
      { status: 404, body: { status: 'error', message: 'Request not found' } },
      'E_HTTP',
      /does not know this id.*"id" in the manifest/,
    ],
    [{ status: 400, body: '<html>Bad Request</html>' }, 'E_HTTP', /refused \/3d\/fetch.*Bad Request/],
    [{ status: 200, body: '<html>maintenance</html>' }, 'E_HTTP', /not ModelsLab JSON.*MODELSLAB_BASE_URL/],
  ])('maps %j to %s', async (answer, code, message) => {
    const { pc } = scripted([answer])
    await expect(provider.listFiles(entry(), pc)).rejects.toMatchObject({
      code,
      message: expect.stringMatching(message),
    })
  })

  it('waits retry_after from a 429 body (or a 200 error that carries one), within the budget', async () => {
    const { calls, sleeps, pc } = scripted([
      { status: 429, body: { status: 'error', message: 'queue full', retry_after: 7 } },
      { status: 200, body: { status: 'error', message: 'rate limited', retry_after: 2 } },
      { status: 429, body: { status: 'error', message: 'no hint' }, headers: { 'retry-after': '3' } },
      success(['https://x.dev/a.glb']),
    ])
    await provider.listFiles(entry(), pc)
    expect(sleeps).toEqual([7_000, 2_000, 3_000])
    expect(calls).toHaveLength(4)
  })

  it('fails clearly when retry_after goes beyond the budget', async () => {
    const { calls, pc } = scripted(
      [{ status: 429, body: { status: 'error', message: 'queue full', retry_after: 600 } }],
      { timeoutMs: 60_000, intervalMs: 1_000 },
    )
    await expect(provider.listFiles(entry(), pc)).rejects.toMatchObject({
      code: 'E_HTTP',
      details: { status: 429 },
      message: expect.stringMatching(/rate limiting.*600 s.*lower "concurrency"/),
    })
    expect(calls).toHaveLength(1)
  })

  it('never puts the key in an error message, even when the server echoes it', async () => {
    const { pc } = scripted([
      { status: 200, body: { status: 'error', message: `bad request {"key":"${KEY}"} key=${KEY}` } },
    ])
    const err = await provider.listFiles(entry(), pc).catch(e => e)
    expect(err.code).toBe('E_TASK_FAILED')
    expect(err.message).not.toContain(KEY)
  })
})
