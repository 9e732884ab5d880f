import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { Emulator, EmulatorGettyGeneration } from '../../../src/emulator/index.js'
import { poster } from '../../../src/emulator/provider-defaults.js'
import { readLockfile } from '../../../src/manifest/lockfile.js'
import { moduleData } from '../../../src/pipeline/module.js'
import { sha256Hex } from '../../../src/util/hash.js'
import { emulator, project } from '../../helpers/env.js'

// Every test here runs the pipeline in mode "auto" (the project() default) unless it says otherwise.
const API_KEY = 'getty-pipeline-api-key-8812'
const CLIENT_SECRET = 'getty-pipeline-client-secret-3319'

function providers(emu: Emulator) {
  return {
    rodin: { apiKey: emu.apiKey, baseURL: emu.rodinBaseURL },
    getty: {
      apiKey: emu.apiKey,
      clientId: emu.gettyClientId,
      clientSecret: emu.gettyClientSecret,
      baseURL: emu.gettyBaseURL,
      tokenURL: emu.gettyTokenURL,
    },
  }
}

async function setup(gen: Partial<EmulatorGettyGeneration> = {}, entry: Record<string, unknown> = {}) {
  const emu = await emulator({ assets: [], gettyGenerations: [], apiKey: API_KEY, gettyClientSecret: CLIENT_SECRET })
  const images = [
    { name: 'img-0.jpg', bytes: await poster(0, 96), contentType: 'image/jpeg' },
    { name: 'img-1.jpg', bytes: await poster(1, 64), contentType: 'image/jpeg' },
  ]
  const { id } = emu.addGettyGeneration({ images, ...gen })
  const p = await project(
    emu,
    {
      poster: { provider: 'getty', generation: id, index: 0, ...entry },
      thumb: { provider: 'getty', generation: id, index: 1, size: '4k' },
    },
    { providers: providers(emu) },
  )
  return { emu, id, images, p, poster: p.manifest.byAlias.get('poster')!, thumb: p.manifest.byAlias.get('thumb')! }
}

const routes = (emu: Emulator) =>
  emu.requests.map(q => (q.route === 'getty.download' ? `${q.method} ${q.status}` : `${q.route} ${q.status}`))

describe('Pipeline × Getty (emulator)', () => {
  it('PUT 202 → GET polls → 200, stores the image unoptimized with image meta, pins it; warm runs make 0 requests', async () => {
    const { emu, id, images, p, poster: entry } = await setup({ pendingPolls: 3 })
    const pipeline = p.pipeline()
    const r = await pipeline.asset(entry)
    expect(r.primary).toBe(`${id}-0-1k.jpg`)
    expect(r.optimized).toBeNull()
    expect(r.files[r.primary]).toEqual({ sha256: sha256Hex(images[0]!.bytes), bytes: images[0]!.bytes.byteLength })
    expect(routes(emu)).toEqual(['getty.token 200', 'PUT 202', 'GET 202', 'GET 202', 'GET 200', 'file 200'])
    const file = emu.requests.find(q => q.route === 'file')!
    expect([file.authorization, file.apiKeyHeader, file.credentialQuery]).toEqual([false, false, false])
    expect(emu.requests.filter(q => q.route === 'getty.download').every(q => q.authorization && q.apiKeyHeader)).toBe(
      true,
    )
    expect(emu.requests.find(q => q.route === 'getty.token')).toMatchObject({
      authorization: false,
      apiKeyHeader: false,
    })

    const { meta, file: emitted } = await moduleData(pipeline, r, { kind: 'primary' })
    expect(meta).toMatchObject({
      id: 'poster',
      provider: 'getty',
      task: id,
      kind: 'image',
      width: 96,
      height: 96,
      format: 'jpeg',
      file: r.primary,
    })
    expect(sha256Hex(await readFile(emitted!))).toBe(meta.sha256)

    const lock = await readLockfile(p.lockfile)
    expect(lock!.assets.poster).toEqual({ provider: 'getty', task: id, primary: r.primary, files: r.files })
    for (const secret of [API_KEY, CLIENT_SECRET]) expect(await readFile(p.lockfile, 'utf8')).not.toContain(secret)

    emu.clearLog()
    expect((await p.pipeline({ mode: 'frozen' }).asset(entry)).hit).toBe(true)
    expect((await p.pipeline({ mode: 'offline', providers: {} }).asset(entry)).hit).toBe(true)
    expect(emu.requests).toHaveLength(0)
  })

  it('reuses one token for every asset of the build, and keys the cache by index and size', async () => {
    const { emu, id, p, poster: a, thumb: b } = await setup()
    const pipeline = p.pipeline()
    const [ra, rb] = await Promise.all([pipeline.asset(a), pipeline.asset(b)])
    expect([ra.primary, rb.primary]).toEqual([`${id}-0-1k.jpg`, `${id}-1-4k.jpg`])
    expect(emu.gettyTokensIssued).toBe(1)
    expect(emu.requests.filter(q => q.route === 'getty.token')).toHaveLength(1)
  })

  it('after a revoked token (401) fetches exactly one new token and goes on', async () => {
    const { emu, p, poster: entry } = await setup({ pendingPolls: 2 })
    emu.addFault({ route: 'getty.download', kind: 'revoke-token', after: 1 })
    await p.pipeline().asset(entry)
    // The 401 answered in place of the poll, so Getty's own count of 202s is still to come.
    expect(routes(emu)).toEqual([
      'getty.token 200',
      'PUT 202',
      'GET 401',
      'getty.token 200',
      'GET 202',
      'GET 200',
      'file 200',
    ])
    expect(emu.gettyTokensIssued).toBe(2)
  })

  it('a 409 on the PUT (a download already in flight) is followed with GET, never another PUT', async () => {
    const { emu, p, poster: entry } = await setup({ pendingPolls: 2 })
    emu.addFault({ route: 'getty.download', kind: 'status', status: 409, body: '{"ErrorCode":"DownloadInProgress"}' })
    const err = await p
      .pipeline()
      .asset(entry)
      .catch(e => e)
    // The emulator had no download in flight, so its GET says so: what matters is that no second PUT was sent.
    expect(err).toMatchObject({ code: 'E_HTTP', details: { status: 404 } })
    expect(routes(emu)).toEqual(['getty.token 200', 'PUT 409', 'GET 404'])
  })

  it.each([
    ['an unknown generation', 'E_HTTP', 404, {}, { generation: 'NO-SUCH-GENERATION' }],
    ['an unknown index', 'E_HTTP', 404, {}, { index: 7 }],
    ['an aged-out generation (410)', 'E_TASK_FAILED', 410, { gone: true }, {}],
    ['a size the product lacks (400)', 'E_CONFIG', 400, { sizes: ['4k'] }, {}],
  ])('maps %s to %s', async (_, code, status, gen, entryExtra) => {
    const { emu, p, poster: entry } = await setup(gen, entryExtra)
    await expect(p.pipeline().asset(entry)).rejects.toMatchObject({
      code,
      details: { status, asset: 'poster', provider: 'getty' },
    })
    expect(emu.requests.filter(q => q.route === 'getty.download')).toHaveLength(1)
    expect(emu.requests.some(q => q.route === 'file')).toBe(false)
  })

  it('maps 403 (quota) to E_AUTH and a lasting 429 to a clear E_HTTP', async () => {
    const quota = await setup()
    quota.emu.addFault({
      route: 'getty.download',
      kind: 'status',
      status: 403,
      body: '{"ErrorCode":"ProductQuotaExceeded"}',
    })
    await expect(quota.p.pipeline().asset(quota.poster)).rejects.toMatchObject({
      code: 'E_AUTH',
      message: expect.stringMatching(/ProductQuotaExceeded.*quota is used up/),
    })
    const busy = await setup()
    busy.emu.addFault({ route: 'getty.download', kind: 'rate-limit', retryAfter: '0', times: Infinity })
    await expect(busy.p.pipeline().asset(busy.poster)).rejects.toMatchObject({
      code: 'E_HTTP',
      details: { status: 429 },
      message: expect.stringContaining('Lower "concurrency"'),
    })
    expect(busy.emu.requests.filter(q => q.route === 'getty.download').map(q => q.method)).toEqual([
      'PUT',
      'PUT',
      'PUT',
      'PUT',
      'PUT',
    ])
  })

  it('asks for a fresh delivery URL (a new PUT) when the old one expired', async () => {
    const { emu, p, poster: entry } = await setup()
    emu.addFault({ route: 'file', kind: 'expire' })
    await p.pipeline().asset(entry)
    expect(routes(emu)).toEqual(['getty.token 200', 'PUT 200', 'file 403', 'PUT 200', 'file 200'])
  })

  it('parses the download answer as JSON when it comes as text/plain', async () => {
    const { p, poster: entry } = await setup({ contentType: 'text/plain' })
    expect((await p.pipeline().asset(entry)).primary).toMatch(/-0-1k\.jpg$/)
  })

  it('needs complete client credentials on a cache miss (E_AUTH before any request), and reports a wrong secret', async () => {
    const { emu, p, poster: entry } = await setup()
    const partial = p.pipeline({
      providers: { getty: { apiKey: API_KEY, clientId: 'x', baseURL: emu.gettyBaseURL, tokenURL: emu.gettyTokenURL } },
    })
    await expect(partial.asset(entry)).rejects.toMatchObject({
      code: 'E_AUTH',
      message: expect.stringContaining('GETTY_CLIENT_SECRET'),
    })
    expect(emu.requests).toHaveLength(0)
    const wrong = p.pipeline({ providers: { getty: { ...providers(emu).getty, clientSecret: 'not-the-secret-1234' } } })
    const err = await wrong.asset(entry).catch(e => e)
    expect(err).toMatchObject({ code: 'E_AUTH', details: { status: 401 } })
    expect(err.message).not.toContain('not-the-secret-1234')
    expect(routes(emu)).toEqual(['getty.token 401'])
  })
})
