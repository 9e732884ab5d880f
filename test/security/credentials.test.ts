// Issue 13 point 5: one request loop, credentials an explicit per-request input. A sentinel key goes through
// every path that can reach a file host; a recorder on another origin proves it never arrives there.
// Mode: the pipelines here run in mode "auto".
import { afterAll, describe, expect, it } from 'vitest'
import { poster } from '../../src/emulator/provider-defaults.js'
import { errors } from '../../src/catalogue/index.js'
import { isRodinError, type RodinErrorDetails } from '../../src/errors.js'
import { createAgent } from '../../src/http/agents.js'
import { exchange } from '../../src/http/exchange.js'
import { closeFileAgents, createApiClient, downloadFile, resolveHttpOptions } from '../../src/http/index.js'
import { emulator, FAST_HTTP, fixture, project } from '../helpers/env.js'
import type { Recorder } from './servers.js'
import { recorder } from './servers.js'

afterAll(() => closeFileAgents())

const SENTINEL = 'SENTINEL-api-key-7d1f0c2b9e'
const SECRET = 'SENTINEL-client-secret-44aa91'
const ctx = { asset: 'a', provider: 'rodin', task: 't' }

/** A file host on another origin that serves a real file for each extension and records every byte it gets. */
async function fileHost(): Promise<Recorder> {
  const glb = Buffer.from(await fixture('pmndrs_bunny_draco.glb'))
  const webp = Buffer.from(await fixture('preview.webp'))
  const jpg = Buffer.from(await poster(0, 32))
  return recorder((req, res) => {
    const path = (req.url ?? '').split('?')[0]!
    const body = path.endsWith('.glb') ? glb : path.endsWith('.webp') ? webp : path.endsWith('.jpg') ? jpg : null
    if (!body) return res.writeHead(404).end()
    res.writeHead(200, { 'content-length': body.byteLength }).end(body)
  })
}

function expectNoSecret(host: Recorder): void {
  for (const r of host.requests) {
    for (const part of [r.url, r.head, r.body]) {
      expect(part).not.toContain(SENTINEL)
      expect(part).not.toContain(SECRET)
    }
    expect(r.head).not.toMatch(/^(?:authorization|api-key|cookie):/im)
  }
}

describe('the sentinel key never leaves for a non-API host', () => {
  it('pipeline downloads of all three providers, redirected to another origin', async () => {
    const files = await fileHost()
    const emu = await emulator({
      assets: [],
      modelslabTasks: [],
      gettyGenerations: [],
      apiKey: SENTINEL,
      gettyClientSecret: SECRET,
    })
    const model = await fixture('pmndrs_bunny_draco.glb')
    const preview = await fixture('preview.webp')
    const rodin = emu.addTask({
      files: [
        { name: 'base_basic_pbr.glb', bytes: model },
        { name: 'preview.webp', bytes: preview },
      ],
    })
    const ml = emu.addModelslabTask({ files: [{ name: 'm-0.glb', bytes: model }] })
    const getty = emu.addGettyGeneration({
      images: [{ name: 'img-0.jpg', bytes: await poster(0, 32), contentType: 'image/jpeg' }],
    })
    // Every file request is answered with a redirect to the recorder on another origin.
    for (const name of ['base_basic_pbr.glb', 'preview.webp', 'm-0.glb', 'img-0.jpg'])
      emu.addFault({ route: 'file', file: name, kind: 'redirect', location: `${files.origin}/${name}?sig=1`, times: 9 })
    const p = await project(
      emu,
      {
        r: rodin.uuid,
        m: { provider: 'modelslab', id: ml.id },
        g: { provider: 'getty', generation: getty.id, index: 0 },
      },
      {
        mode: 'auto',
        optimize: false,
        providers: {
          rodin: { apiKey: SENTINEL, baseURL: emu.rodinBaseURL },
          modelslab: { apiKey: SENTINEL, baseURL: emu.modelslabBaseURL },
          getty: {
            apiKey: SENTINEL,
            clientId: emu.gettyClientId,
            clientSecret: SECRET,
            baseURL: emu.gettyBaseURL,
            tokenURL: emu.gettyTokenURL,
          },
        },
      },
    )
    const pipeline = p.pipeline()
    for (const alias of ['r', 'm', 'g']) await pipeline.asset(p.manifest.byAlias.get(alias)!)

    // The API hosts did get the key (the paths really ran with credentials)...
    expect(emu.requests.some(q => q.route === 'rodin.download' && q.authorization)).toBe(true)
    expect(emu.requests.some(q => q.route === 'modelslab.fetch' && q.bodyKey)).toBe(true)
    expect(emu.requests.some(q => q.route === 'getty.download' && q.apiKeyHeader)).toBe(true)
    // ...and every file went through the other origin without it.
    expect(files.requests.map(r => r.url.split('?')[0]).sort()).toEqual(
      ['/base_basic_pbr.glb', '/img-0.jpg', '/m-0.glb', '/preview.webp'].sort(),
    )
    expect(emu.requests.filter(q => q.route === 'file').every(q => !q.authorization && !q.apiKeyHeader)).toBe(true)
    expectNoSecret(files)
  })

  it('API calls redirected to a file host (302 GET, 307 POST with the key in the body) are refused unsent', async () => {
    const files = await fileHost()
    const api = await recorder((req, res) => {
      const code = req.url?.startsWith('/api/post') ? 307 : 302
      res.writeHead(code, { location: `${files.origin}/base.glb` }).end()
    })
    for (const [headers, json] of [
      [{ Authorization: `Bearer ${SENTINEL}` }, undefined],
      [{ 'Api-Key': SENTINEL }, undefined],
      [{}, { key: SENTINEL }],
    ] as const) {
      const client = createApiClient({ baseURL: `${api.origin}/api`, headers, provider: 'rodin', http: FAST_HTTP })
      for (const req of [
        { method: 'GET' as const, path: '/get' },
        { method: 'POST' as const, path: '/post', json: json ?? {} },
      ]) {
        const err = await client.request({ ...req, ctx }).catch(e => e)
        expect(isRodinError(err, 'E_UNSAFE_URL'), String(err)).toBe(true)
      }
      // A "path" that is really a URL to the file host is refused before anything is sent.
      const abs = await client.request({ method: 'GET', path: `${files.origin}/base.glb`, ctx }).catch(e => e)
      expect(isRodinError(abs, 'E_UNSAFE_URL')).toBe(true)
      await client.close()
    }
    expect(api.requests.length).toBe(6)
    expect(files.requests).toEqual([])
  })

  it('the request loop attaches credentials only on their own origin, at every hop', async () => {
    const files = await fileHost()
    const http = resolveHttpOptions(FAST_HTTP)
    const agent = createAgent(http)
    const base = {
      method: 'GET' as const,
      headers: {},
      credentials: { origin: 'http://127.0.0.1:1', headers: { authorization: `Bearer ${SENTINEL}` } },
      target: { kind: 'file' as const, policy: { allowLoopback: true } },
      maxBytes: 1024 ** 2,
      http,
      dispatcher: agent,
      ctx,
      describe: (m: string, u: URL) => `${m} ${u.href}`,
      nextStep: 'n/a',
      redirectHint: 'n/a',
      tooLargeHint: 'n/a',
      meaning: (status: number, said: string, request: string, details: RodinErrorDetails) =>
        errors.E_HTTP('fileStatus', { ...details, request, status, said, expired: false }),
      read: async () => undefined,
    }
    try {
      // Credentials for one origin and a URL on another: refused before any socket opens.
      const err = await exchange({ ...base, url: new URL(`${files.origin}/base.glb`) }).catch(e => e)
      expect(isRodinError(err, 'E_UNSAFE_URL')).toBe(true)
      // A file download has no credentials input at all, even when the URL is the API's own origin.
      await downloadFile(`${files.origin}/base.glb`, { ctx, http: FAST_HTTP, policy: { allowLoopback: true } })
      expect(files.requests).toHaveLength(1)
      expectNoSecret(files)
    } finally {
      await agent.close()
    }
  })
})
