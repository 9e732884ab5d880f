import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { Emulator } from '../../../src/emulator/index.js'
import { readLockfile } from '../../../src/manifest/lockfile.js'
import { sha256Hex } from '../../../src/util/hash.js'
import { emulator, fixture, project } from '../../helpers/env.js'

// Every test here runs the pipeline in mode "auto" (the project() default) unless it says otherwise.
const NO_OPT = { optimize: false as const }
const KEY = 'ml-pipeline-secret-4471'

function providers(emu: Emulator) {
  return {
    rodin: { apiKey: emu.apiKey, baseURL: emu.rodinBaseURL },
    modelslab: { apiKey: emu.apiKey, baseURL: emu.modelslabBaseURL },
  }
}

async function setup(
  statuses: string[],
  extra: Record<string, unknown> = {},
  options: Record<string, unknown> = NO_OPT,
  model = 'pmndrs_bunny_draco.glb',
) {
  const emu = await emulator({ assets: [], modelslabTasks: [], apiKey: KEY })
  const bytes = await fixture(model)
  const { id } = emu.addModelslabTask({ files: [{ name: 'e1f2-0.glb', bytes }], statuses, ...extra })
  const p = await project(emu, { statue: { provider: 'modelslab', id } }, { ...options, providers: providers(emu) })
  return { emu, id, bytes, p, entry: p.manifest.byAlias.get('statue')! }
}

describe('Pipeline × ModelsLab (emulator)', () => {
  it('polls processing → success, never fetches future_links, optimizes the GLB, pins it; a warm run makes 0 requests', async () => {
    const { emu, id, bytes, p, entry } = await setup(['processing', 'processing', 'success'], {}, {}, 'khr_fox.glb')
    const r = await p.pipeline().asset(entry)
    expect(r.primary).toBe('e1f2-0.glb')
    expect(r.files['e1f2-0.glb']).toEqual({ sha256: sha256Hex(bytes), bytes: bytes.byteLength })
    expect(r.optimized?.stats.decoders).toEqual({ meshopt: true, draco: false, ktx2: false })
    expect(r.optimized!.file.bytes).toBeLessThan(bytes.byteLength)
    expect(emu.requests.map(q => q.route)).toEqual(['modelslab.fetch', 'modelslab.fetch', 'modelslab.fetch', 'file'])
    expect(emu.requests.some(q => q.early)).toBe(false)
    expect(
      emu.requests
        .filter(q => q.route === 'modelslab.fetch')
        .every(q => q.bodyKey && !q.authorization && !q.credentialQuery),
    ).toBe(true)
    expect(
      emu.requests
        .filter(q => q.route === 'file')
        .every(q => !q.authorization && !q.apiKeyHeader && !q.credentialQuery),
    ).toBe(true)

    const lock = await readLockfile(p.lockfile)
    expect(lock!.assets.statue).toMatchObject({
      provider: 'modelslab',
      task: String(id),
      primary: 'e1f2-0.glb',
      files: r.files,
      optimized: { sha256: r.optimized!.file.sha256 },
    })
    expect(await readFile(p.lockfile, 'utf8')).not.toContain(KEY)

    emu.clearLog()
    const warm = await p.pipeline({ mode: 'frozen' }).asset(entry)
    expect(warm.hit).toBe(true)
    expect(emu.requests).toHaveLength(0)
    const offline = await p.pipeline({ mode: 'offline', providers: {} }).asset(entry)
    expect(offline.optimized!.file).toEqual(r.optimized!.file)
    expect(emu.requests).toHaveLength(0)
  })

  it('passes OBJ, STL and PLY through unoptimized', async () => {
    const emu = await emulator({ assets: [], modelslabTasks: [], apiKey: KEY })
    const assets: Record<string, unknown> = {}
    for (const ext of ['obj', 'stl', 'ply']) {
      const { id } = emu.addModelslabTask({
        // A PLY must start with its magic line (every file is checked against its declared kind).
        files: [{ name: `m-0.${ext}`, bytes: new TextEncoder().encode(`${ext}\n${ext} data\n`) }],
      })
      assets[ext] = { provider: 'modelslab', id }
    }
    const p = await project(emu, assets, { providers: providers(emu) }) // default optimize: "web"
    for (const ext of ['obj', 'stl', 'ply']) {
      const r = await p.pipeline().asset(p.manifest.byAlias.get(ext)!)
      expect([r.primary, r.optimized]).toEqual([`m-0.${ext}`, null])
    }
  })

  it('maps an HTTP-200 error with the legacy "messege" field to E_TASK_FAILED and stores nothing', async () => {
    const { emu, p, entry } = await setup(['processing', 'error'], {
      error: { message: 'Out of GPU memory', field: 'messege' },
    })
    const err = await p
      .pipeline()
      .asset(entry)
      .catch(e => e)
    expect(err).toMatchObject({
      code: 'E_TASK_FAILED',
      details: { asset: 'statue', provider: 'modelslab', status: 200 },
    })
    expect(err.message).toContain('Out of GPU memory')
    expect(err.message).not.toContain(KEY)
    expect(emu.requests.filter(q => q.route === 'file')).toHaveLength(0)
  })

  it('names the configured manifest when it says where to put the new id', async () => {
    const { p, entry } = await setup(
      ['error'],
      { error: { message: 'Out of GPU memory' } },
      { ...NO_OPT, manifest: 'models.json' },
    )
    const err = await p
      .pipeline()
      .asset(entry)
      .catch(e => e)
    expect(err.code).toBe('E_TASK_FAILED')
    expect(err.message).toMatch(/Generate the model again and put the new id in models\.json\./)
  })

  it('waits the body retry_after of a 429, then succeeds', async () => {
    const { emu, p, entry } = await setup(['success'])
    emu.addFault({
      route: 'modelslab.fetch',
      kind: 'modelslab-error',
      status: 429,
      message: 'queue full',
      retryAfter: 0.05,
    })
    const started = Date.now()
    await p.pipeline().asset(entry)
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    expect(emu.requests.filter(q => q.route === 'modelslab.fetch').map(q => q.status)).toEqual([429, 200])
  })

  it('falls back to proxy_links when output is empty, and to them again when an output URL answers 403', async () => {
    const empty = await setup(['success'], { emptyOutput: true })
    await empty.p.pipeline().asset(empty.entry)
    expect(empty.emu.requests.filter(q => q.route === 'file').map(q => q.path.split('/')[3])).toEqual(['proxy'])

    const expired = await setup(['success'])
    expired.emu.addFault({ route: 'file', kind: 'expire' })
    const r = await expired.p.pipeline().asset(expired.entry)
    expect(r.files['e1f2-0.glb']!.sha256).toBe(sha256Hex(expired.bytes))
    expect(
      expired.emu.requests.filter(q => q.route === 'file').map(q => `${q.path.split('/')[3]} ${q.status}`),
    ).toEqual(['output 403', 'proxy 200'])
  })

  it('fails with E_TASK_PENDING when processing outlasts the wait budget', async () => {
    const { emu, p, entry } = await setup(['processing'])
    await expect(p.pipeline({ wait: { timeoutMs: 60, intervalMs: 10 } }).asset(entry)).rejects.toMatchObject({
      code: 'E_TASK_PENDING',
      message: expect.stringContaining('status "processing"'),
    })
    expect(emu.requests.some(q => q.route === 'file')).toBe(false)
  })

  it('needs MODELSLAB_API_KEY on a cache miss (E_AUTH before any request)', async () => {
    const { emu, p, entry } = await setup(['success'])
    await expect(
      p.pipeline({ providers: { modelslab: { baseURL: emu.modelslabBaseURL } } }).asset(entry),
    ).rejects.toMatchObject({ code: 'E_AUTH', message: expect.stringContaining('MODELSLAB_API_KEY') })
    expect(emu.requests).toHaveLength(0)
  })
})
