import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import type {
  Emulator,
  EmulatorFault,
  EmulatorGettyGeneration,
  EmulatorModelslabTask,
} from '../../src/emulator/index.js'
import { poster } from '../../src/emulator/provider-defaults.js'
import type { RodinOptions } from '../../src/options.js'
import { sha256Hex } from '../../src/util/hash.js'
import { emulator, fixture, project } from '../helpers/env.js'
import { viteBuild, writeApp } from '../helpers/vite-app.js'

// Every build here runs the plugin in mode "auto" (the project() default) unless a test says otherwise.
const API_KEY = 'prov-integration-api-key-5521'
const CLIENT_SECRET = 'prov-integration-client-secret-7703'

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name))
  return out
}

function providers(emu: Emulator): RodinOptions['providers'] {
  return {
    rodin: { apiKey: emu.apiKey, baseURL: emu.rodinBaseURL },
    modelslab: { apiKey: emu.apiKey, baseURL: emu.modelslabBaseURL },
    getty: {
      apiKey: emu.apiKey,
      clientId: emu.gettyClientId,
      clientSecret: emu.gettyClientSecret,
      baseURL: emu.gettyBaseURL,
      tokenURL: emu.gettyTokenURL,
    },
  }
}

const start = () =>
  emulator({ assets: [], modelslabTasks: [], gettyGenerations: [], apiKey: API_KEY, gettyClientSecret: CLIENT_SECRET })

describe('vite build with ModelsLab and Getty assets (emulator)', () => {
  it('imports a ModelsLab model and a Getty image by alias and by provider id, with exact meta; a warm rebuild makes 0 requests', async () => {
    const emu = await start()
    const model = await fixture('khr_fox.glb')
    const image = await poster(2, 160)
    const ml = emu.addModelslabTask({
      id: 987654,
      files: [{ name: 'b7c1-0.glb', bytes: model }],
      statuses: ['processing', 'processing', 'success'],
      eta: 0,
    })
    const gen = emu.addGettyGeneration({
      images: [{ name: 'ai-0.jpg', bytes: image, contentType: 'image/jpeg' }],
      pendingPolls: 2,
    })
    const p = await project(
      emu,
      {
        statue: { provider: 'modelslab', id: ml.id },
        poster: { provider: 'getty', generation: gen.id, index: 0, size: '1k' },
      },
      { providers: providers(emu) },
    )
    await writeApp(p.root, {
      statue: 'rodin:statue',
      statueById: `modelslab:${ml.id}`,
      poster: 'rodin:poster',
      posterById: `getty:${gen.id}/0`,
      posterMeta: 'rodin:poster?meta',
    })

    await viteBuild(p.root, p.options, { base: '/game/', build: { outDir: 'dist' } })
    await viteBuild(p.root, p.options, {
      build: { outDir: 'dist-ssr', ssr: 'src/entry.js', rollupOptions: { output: { entryFileNames: 'entry.mjs' } } },
    })
    const { all } = await import(pathToFileURL(join(p.root, 'dist-ssr/entry.mjs')).href)
    const client = await listFiles(join(p.root, 'dist'))
    const emitted = async (url: string) => {
      const file = client.find(x => x.endsWith(url.replace(/^\/(?:game\/)?/, '/')))
      expect(file, `${url} is emitted`).toBeDefined()
      return readFile(file!)
    }

    // ModelsLab: an optimized GLB, the same module by alias and by id.
    expect(all.statue.default).toBe(all.statue.url)
    expect(all.statue.url).toMatch(/^\/assets\/statue-[0-9a-f]{12}-[\w-]{8}\.glb$/)
    expect(all.statueById.meta).toEqual(all.statue.meta)
    const glb = await emitted(all.statue.url)
    expect(all.statue.meta).toMatchObject({
      id: 'statue',
      provider: 'modelslab',
      task: '987654',
      file: 'b7c1-0.glb',
      kind: 'model',
      sha256: sha256Hex(glb),
      bytes: glb.byteLength,
      sourceSha256: sha256Hex(model),
      sourceBytes: model.byteLength,
    })
    expect(all.statue.meta.decoders).toEqual({ meshopt: true, draco: false, ktx2: false })
    expect(all.statue.meta.animations).toHaveLength(3)

    // Getty: the image as downloaded, with its size and format.
    expect(all.poster.default).toBe(all.poster.url)
    expect(all.poster.url).toMatch(/\.jpg$/)
    expect(all.posterById.meta).toEqual(all.poster.meta)
    const jpg = await emitted(all.poster.url)
    expect(sha256Hex(jpg)).toBe(sha256Hex(image))
    expect(all.poster.meta).toMatchObject({
      id: 'poster',
      provider: 'getty',
      task: gen.id,
      file: `${gen.id}-0-1k.jpg`,
      kind: 'image',
      width: 160,
      height: 160,
      format: 'jpeg',
      sha256: sha256Hex(image),
      sourceSha256: sha256Hex(image),
    })
    expect(await sharp(jpg).metadata()).toMatchObject({ width: 160, height: 160 })
    expect(all.posterMeta.default).toEqual(all.poster.meta)
    expect(all.poster.preview).toBeNull()

    // Polling as the request log shows it: ModelsLab fetched until success, its files only after; Getty one
    // token, one PUT, then GETs.
    const log = emu.requests.map(q => `${q.route} ${q.method} ${q.status}`)
    expect(log.filter(l => l.startsWith('modelslab.fetch'))).toHaveLength(3)
    expect(log.filter(l => l.startsWith('getty.'))).toEqual([
      'getty.token POST 200',
      'getty.download PUT 202',
      'getty.download GET 202',
      'getty.download GET 200',
    ])
    const files = emu.requests.filter(q => q.route === 'file')
    expect(files.map(q => q.provider).sort()).toEqual(['getty', 'modelslab'])
    expect(emu.requests.some(q => q.early)).toBe(false)
    expect(emu.requests.indexOf(files.find(q => q.provider === 'modelslab')!)).toBeGreaterThan(
      emu.requests.findLastIndex(q => q.route === 'modelslab.fetch'),
    )

    // Keys: never on a file host, never in a URL, never on disk.
    expect(files.every(q => !q.authorization && !q.apiKeyHeader && !q.credentialQuery)).toBe(true)
    expect(emu.requests.every(q => !q.credentialQuery)).toBe(true)
    for (const file of [
      ...client,
      ...(await listFiles(join(p.root, 'dist-ssr'))),
      ...(await listFiles(join(p.root, '.cache'))),
      p.lockfile,
    ]) {
      const text = await readFile(file)
      for (const secret of [API_KEY, CLIENT_SECRET]) expect(text.includes(secret), file).toBe(false)
    }
    const lock = JSON.parse(await readFile(p.lockfile, 'utf8'))
    expect(Object.keys(lock.assets)).toEqual(['poster', 'statue'])
    expect(lock.assets.statue).toMatchObject({
      provider: 'modelslab',
      task: '987654',
      primary: 'b7c1-0.glb',
      optimized: { sha256: all.statue.meta.sha256 },
    })
    expect(lock.assets.poster).toMatchObject({ provider: 'getty', task: gen.id, primary: `${gen.id}-0-1k.jpg` })

    emu.clearLog()
    await viteBuild(
      p.root,
      { ...p.options, mode: 'frozen', providers: {} },
      { base: '/game/', build: { outDir: 'dist' } },
    )
    expect(emu.requests).toHaveLength(0)
  })

  it('fails the build when a provider id is not in the manifest', async () => {
    const emu = await start()
    const p = await project(emu, { statue: { provider: 'modelslab', id: 1 } }, { providers: providers(emu) })
    await writeApp(p.root, { x: 'getty:ABC/0' })
    await expect(viteBuild(p.root, p.options)).rejects.toThrow(/"getty:ABC\/0" is not in assets\.rodin\.json/)
    expect(emu.requests).toHaveLength(0)
  })

  const glb = { name: 'm-0.glb', bytes: new Uint8Array(0) }
  const img = { name: 'i.jpg', bytes: new Uint8Array(0) }
  type Case = [
    string,
    {
      ml?: Partial<EmulatorModelslabTask>
      getty?: Partial<EmulatorGettyGeneration>
      fault?: EmulatorFault
      entry?: Record<string, unknown>
      options?: Partial<RodinOptions>
    },
    RegExp,
  ]
  const SHORT_WAIT = { wait: { timeoutMs: 80, intervalMs: 10 } }
  const cases: Case[] = [
    [
      'ModelsLab HTTP-200 error with "messege"',
      { ml: { statuses: ['processing', 'error'], error: { message: 'CUDA out of memory', field: 'messege' } } },
      /E_TASK_FAILED.*modelslab task .*HTTP 200, status "error".*CUDA out of memory.*Generate the model again/,
    ],
    [
      'ModelsLab "failed" as HTTP 400',
      { ml: { statuses: ['failed'], error: { message: 'prompt rejected', httpStatus: 400 } } },
      /E_TASK_FAILED.*HTTP 400, status "failed".*prompt rejected/,
    ],
    [
      'ModelsLab rejected key (HTTP 200)',
      { fault: { route: 'modelslab.fetch', kind: 'modelslab-error', message: 'Invalid Api Key' } },
      /E_AUTH.*Invalid Api Key.*MODELSLAB_API_KEY/,
    ],
    [
      'ModelsLab 429 retry_after beyond the budget',
      {
        fault: {
          route: 'modelslab.fetch',
          kind: 'modelslab-error',
          status: 429,
          message: 'queue full',
          retryAfter: 60,
        },
      },
      /E_HTTP.*rate limiting \(HTTP 429.*wait 60 s.*lower "concurrency"/,
    ],
    ['ModelsLab unknown id', { entry: { id: 5 } }, /E_HTTP.*does not know this id.*HTTP 404/],
    [
      'ModelsLab still processing',
      { ml: { statuses: ['processing'] }, options: SHORT_WAIT },
      /E_TASK_PENDING.*not finished after 80 ms \(status "processing"\)/,
    ],
    [
      'Getty unknown generation',
      { entry: { generation: 'NOPE' } },
      /E_HTTP.*getty generation NOPE.*HTTP 404.*GenerationRequestIdNotFound/,
    ],
    [
      'Getty aged out',
      { getty: { gone: true } },
      /E_TASK_FAILED.*aged out at Getty \(HTTP 410: "GenerationRequestGone.*Generate the image again/,
    ],
    [
      'Getty quota',
      { fault: { route: 'getty.download', kind: 'status', status: 403, body: '{"ErrorCode":"ProductQuotaExceeded"}' } },
      /E_AUTH.*HTTP 403.*quota is used up/,
    ],
    [
      'Getty rate limit',
      { fault: { route: 'getty.download', kind: 'rate-limit', retryAfter: '0', times: Infinity } },
      /E_HTTP.*kept answering HTTP 429.*Lower "concurrency"/,
    ],
    [
      'Getty 401 with a fresh token too',
      {
        fault: {
          route: 'getty.download',
          kind: 'status',
          status: 401,
          body: '{"message":"Unauthorized"}',
          times: Infinity,
        },
      },
      /E_AUTH.*401 even with a fresh access token.*GETTY_API_KEY/,
    ],
    ['Getty bad size', { getty: { sizes: ['4k'] } }, /E_CONFIG.*HTTP 400.*InvalidSize.*"size"/],
    ['Getty blocked image', { getty: { images: [{ ...img, blocked: true }] } }, /E_NO_FILE.*url is null.*is_blocked/],
    [
      'Getty still preparing',
      { getty: { pendingPolls: 1000 }, options: SHORT_WAIT },
      /E_TASK_PENDING.*still preparing the download/,
    ],
    [
      'Getty wrong client secret',
      { options: { providers: { getty: { clientSecret: 'wrong-secret-666' } } } },
      /E_AUTH.*asset "asset" \(getty task .*\): the Getty token endpoint refused the client credentials \(HTTP 401: "invalid_client: Client authentication failed/,
    ],
  ]

  it.each(cases)('maps %s to a clear build error', async (name, c, message) => {
    const emu = await start()
    const isGetty = name.startsWith('Getty')
    const ml = emu.addModelslabTask({ files: [glb], ...c.ml })
    const gen = emu.addGettyGeneration({ images: [img], ...c.getty })
    if (c.fault) emu.addFault(c.fault)
    const entry = isGetty
      ? { provider: 'getty', generation: gen.id, ...c.entry }
      : { provider: 'modelslab', id: ml.id, ...c.entry }
    const base = providers(emu)!
    const extra = c.options?.providers?.getty
      ? { providers: { ...base, getty: { ...base.getty, ...c.options.providers.getty } } }
      : c.options
    const p = await project(
      emu,
      { asset: entry },
      { providers: base, http: { minRetryDelayMs: 1, maxRetryDelayMs: 5, maxRetries: 2 }, ...extra },
    )
    await writeApp(p.root, { a: 'rodin:asset' })
    const err = await viteBuild(p.root, p.options).catch(e => e)
    expect(err).toBeInstanceOf(Error)
    expect(String(err.message)).toMatch(message)
    expect(String(err.message)).toMatch(/asset "asset"/)
    for (const secret of [API_KEY, CLIENT_SECRET, 'wrong-secret-666']) expect(String(err.message)).not.toContain(secret)
    expect(emu.requests.some(q => q.early)).toBe(false)
    // One PUT per build; only the http layer's own retries (429) and the one retry with a fresh token add more.
    const puts = { 'Getty rate limit': 3, 'Getty 401 with a fresh token too': 2 }[name] ?? 1
    expect(emu.requests.filter(q => q.route === 'getty.download' && q.method === 'PUT').length).toBeLessThanOrEqual(
      puts,
    )
  })
})
