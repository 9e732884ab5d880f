import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { readLockfile } from '../../../src/manifest/lockfile.js'
import { resolveOptions } from '../../../src/options.js'
import type { RodinOptions } from '../../../src/options.js'
import { moduleData } from '../../../src/pipeline/module.js'
import { Pipeline } from '../../../src/pipeline/pipeline.js'
import { emulator, glbTask, project } from '../../helpers/env.js'
import { tempDir } from '../../helpers/tmp.js'

afterEach(() => {
  vi.unstubAllEnvs()
})

/** Resolves every asset the way a build does (primary import), then ends the build; returns the warnings. */
async function build(root: string, options: RodinOptions) {
  const warnings: string[] = []
  const pipeline = new Pipeline(resolveOptions(options, root, {}), { info() {}, warn: m => warnings.push(m) })
  try {
    await pipeline.preflight()
    for (const entry of (await pipeline.getManifest()).entries)
      await moduleData(pipeline, await pipeline.asset(entry), { kind: 'primary' })
  } finally {
    await pipeline.close()
  }
  return { warnings, pipeline }
}

/** An S3 endpoint that fails every request with `status`, counting them. */
async function failingS3(status: number) {
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url?.split('?')[0]}`)
    req.resume()
    req.on('end', () => {
      res.statusCode = status
      res.setHeader('content-type', 'application/xml')
      res.end(`<?xml version="1.0"?><Error><Code>InternalError</Code><Message>boom</Message></Error>`)
    })
  })
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done))
  onTestFinished(() => new Promise<void>(done => server.close(() => done())))
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE')
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-example-123')
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true')
  return { requests, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

describe('Pipeline with a team store', () => {
  it('5xx from the remote: bounded retries, one warning, and the provider serves the build', async () => {
    const emu = await emulator({ assets: [] })
    const fox = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { fox: fox.uuid }, { optimize: false })
    await build(p.root, p.options) // pins, without a remote
    const s3 = await failingS3(503)
    emu.clearLog()
    const { warnings } = await build(p.root, {
      ...p.options,
      cacheDir: join(p.root, 'cold'),
      remote: { url: 's3://bucket-z/p', endpoint: s3.endpoint },
    })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /^E_REMOTE: team store s3:\/\/bucket-z\/p \(endpoint http:\/\/127\.0\.0\.1:\d+\): the server failed GET p\/sha256\/[0-9a-f]{64} with HTTP 503 .*after retries.* Falling back to the provider/,
    )
    // The SDK's bounded retries (3 attempts) for each of the two reads already under way; then nothing more.
    const perKey = new Map<string, number>()
    for (const r of s3.requests) perKey.set(r, (perKey.get(r) ?? 0) + 1)
    expect([...perKey.values()]).toEqual([3, 3])
    expect(emu.requests.filter(q => q.route === 'file')).toHaveLength(2)
  })

  it('a failed upload is one warning naming the remote and the blob count; the build succeeds', async () => {
    const emu = await emulator({ assets: [] })
    const fox = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { fox: fox.uuid })
    const team = join(await tempDir(), 'team')
    await mkdir(team)
    await writeFile(join(team, 'sha256'), 'a file where the blob directory should be')
    const { warnings } = await build(p.root, { ...p.options, remote: team })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      new RegExp(
        `^could not upload 3 blob\\(s\\) to the team store file://${team}: E_REMOTE: .*cannot write .*rodin-assets push`,
      ),
    )
    expect((await readLockfile(p.lockfile))!.assets.fox!.optimized).toBeDefined()
  })

  it('uploads what a build fetched and produced, before the build ends, and reads it back on a cold cache', async () => {
    const emu = await emulator({ assets: [] })
    const fox = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { fox: fox.uuid })
    const team = await tempDir()
    const a = await build(p.root, { ...p.options, remote: `file://${team}` })
    expect(a.warnings).toEqual([])
    const lock = (await readLockfile(p.lockfile))!.assets.fox!
    const pinned = [...Object.values(lock.files), lock.optimized!].map(f => f.sha256).sort()
    expect((await readdir(join(team, 'sha256'))).sort()).toEqual(pinned)
    expect(a.pipeline.remote!.counts).toEqual({ fetched: 0, uploaded: 3 })

    emu.clearLog()
    const b = await build(p.root, {
      ...p.options,
      mode: 'frozen',
      cacheDir: join(p.root, 'cold'),
      providers: {},
      remote: team,
    })
    expect(b.warnings).toEqual([])
    expect(emu.requests).toEqual([])
    // The optimized model and the preview; the source GLB stays on the remote.
    expect(b.pipeline.remote!.counts).toEqual({ fetched: 2, uploaded: 0 })
  })

  it('serves LOD levels from the team store too: a cold frozen build needs neither the source nor the optimizer', async () => {
    const emu = await emulator({ assets: [] })
    const fox = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { fox: fox.uuid }, { optimize: { lods: [0.5] } })
    const team = await tempDir()
    const a = await build(p.root, { ...p.options, remote: team })
    expect(a.warnings).toEqual([])
    const lock = (await readLockfile(p.lockfile))!.assets.fox!
    const [pin] = lock.optimized!.lods!
    expect(pin!.error).toBeGreaterThan(0)
    const warm = await a.pipeline.asset((await a.pipeline.getManifest()).entries[0]!)

    emu.clearLog()
    const cold = join(p.root, 'cold')
    const b = await build(p.root, { ...p.options, mode: 'frozen', cacheDir: cold, providers: {}, remote: team })
    expect(b.warnings).toEqual([])
    expect(emu.requests).toEqual([])
    // The optimized model, its LOD level and the preview; the source GLB stays on the remote.
    expect(b.pipeline.remote!.counts).toEqual({ fetched: 3, uploaded: 0 })
    const record = await b.pipeline.asset((await b.pipeline.getManifest()).entries[0]!)
    expect(record.optimized!.lods).toEqual(warm.optimized!.lods)
    // No source, so no optimizer run made the level: it came from the team store.
    expect(await b.pipeline.store.has(lock.files[lock.primary]!.sha256, lock.files[lock.primary]!.bytes)).toBe(false)
    expect(await b.pipeline.store.has(pin!.sha256, pin!.bytes)).toBe(true)
  })

  it('pull fills the cache with every pinned blob from the remote, so offline builds work afterwards', async () => {
    const emu = await emulator({ assets: [] })
    const fox = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { fox: fox.uuid })
    const team = await tempDir()
    await build(p.root, { ...p.options, remote: team })
    await emu.close()
    const cold = join(p.root, 'cold')
    const puller = new Pipeline(
      resolveOptions({ ...p.options, cacheDir: cold, providers: {}, remote: team }, p.root, {}),
    )
    puller.completeCache = true
    await puller.asset((await puller.getManifest()).entries[0]!)
    await puller.close()
    expect(puller.remote!.counts.fetched).toBe(3)
    const offline = await build(p.root, { ...p.options, cacheDir: cold, mode: 'offline', remote: team })
    expect(offline.warnings).toEqual([])
    expect(offline.pipeline.remote).toBeNull()
  })
})
