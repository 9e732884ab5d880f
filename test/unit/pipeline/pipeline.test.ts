import { readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { readLockfile } from '../../../src/manifest/lockfile.js'
import { resolveOptions } from '../../../src/options.js'
import { Pipeline } from '../../../src/pipeline/pipeline.js'
import { sha256Hex } from '../../../src/util/hash.js'
import { emulator, glbTask, project } from '../../helpers/env.js'

const NO_OPT = { optimize: false as const }

describe('Pipeline against the emulator', () => {
  it('fetches, stores, pins, and serves the second run from the cache with 0 requests', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'khr_fox.glb', {
      jobs: [
        ['Waiting', 'Generating', 'Done'],
        ['Generating', 'Done'],
      ],
    })
    const p = await project(emu, { fox: { task: t.uuid, subscriptionKey: t.subscriptionKey } }, NO_OPT)
    const entry = p.manifest.byAlias.get('fox')!
    const r = await p.pipeline().asset(entry)
    expect(r.primary).toBe('base_basic_pbr.glb')
    expect(r.preview).toBe('preview.webp')
    expect(r.files['base_basic_pbr.glb']).toEqual({ sha256: sha256Hex(t.bytes), bytes: t.bytes.byteLength })
    expect(r.hit).toBe(false)
    const routes = emu.requests.map(q => q.route)
    expect(routes.filter(x => x === 'rodin.status')).toHaveLength(3)
    expect(routes.indexOf('rodin.download')).toBeGreaterThan(routes.lastIndexOf('rodin.status'))
    expect(emu.requests.some(q => q.early)).toBe(false)
    expect(emu.requests.filter(q => q.route === 'file').every(q => !q.authorization && !q.apiKeyHeader)).toBe(true)

    const lock = await readLockfile(p.lockfile)
    expect(lock!.assets.fox).toEqual({ provider: 'rodin', task: t.uuid, primary: 'base_basic_pbr.glb', files: r.files })

    emu.clearLog()
    const again = await p.pipeline().asset(entry)
    expect(again.hit).toBe(true)
    expect(emu.requests).toHaveLength(0)
  })

  it('recovers from 5xx, 429 + Retry-After, resets and truncated bodies', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'pmndrs_bunny_draco.glb')
    emu.addFault({ route: 'rodin.download', kind: 'status', status: 502, body: '<html>bad gateway</html>' })
    emu.addFault({ route: 'rodin.download', kind: 'rate-limit', retryAfter: '0' })
    emu.addFault({ route: 'file', file: 'base_basic_pbr.glb', kind: 'reset-mid-body' })
    emu.addFault({ route: 'file', file: 'base_basic_pbr.glb', kind: 'truncate' })
    emu.addFault({ route: 'file', file: 'preview.webp', kind: 'reset' })
    const p = await project(emu, { bunny: t.uuid }, NO_OPT)
    const r = await p.pipeline().asset(p.manifest.byAlias.get('bunny')!)
    expect(r.files['base_basic_pbr.glb']!.sha256).toBe(sha256Hex(t.bytes))
    const files = emu.requests.filter(q => q.route === 'file' && q.file === 'base_basic_pbr.glb')
    expect(files).toHaveLength(3)
  })

  it('asks /download once more when a signed URL expired', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'pmndrs_bunny_draco.glb')
    emu.addFault({ route: 'file', file: 'base_basic_pbr.glb', kind: 'expire' })
    const p = await project(emu, { bunny: t.uuid }, NO_OPT)
    await p.pipeline().asset(p.manifest.byAlias.get('bunny')!)
    expect(emu.requests.filter(q => q.route === 'rodin.download')).toHaveLength(2)
  })

  it('re-asks an empty and a partial list after Done', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'pmndrs_bunny_draco.glb')
    emu.addFault({ route: 'rodin.download', kind: 'empty-list' })
    emu.addFault({ route: 'rodin.download', kind: 'partial-list' })
    const p = await project(emu, { bunny: { task: t.uuid, subscriptionKey: t.subscriptionKey } }, NO_OPT)
    const r = await p.pipeline().asset(p.manifest.byAlias.get('bunny')!)
    expect(Object.keys(r.files)).toEqual(['base_basic_pbr.glb', 'preview.webp'])
    expect(emu.requests.filter(q => q.route === 'rodin.download')).toHaveLength(3)
  })

  it('ignores unsafe server file names and never writes outside the cache', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'pmndrs_bunny_draco.glb')
    emu.addFault({ route: 'rodin.download', kind: 'odd-names', names: ['../evil.glb', 'a/b.glb', 'C:\\x.glb', '..'] })
    const p = await project(emu, { bunny: t.uuid }, NO_OPT)
    const r = await p.pipeline().asset(p.manifest.byAlias.get('bunny')!)
    expect(Object.keys(r.files)).toEqual(['base_basic_pbr.glb', 'preview.webp'])
    expect((await readdir(p.root)).sort()).toEqual(['.cache', 'assets.rodin.json', 'assets.rodin.lock.json'])
  })

  it('fails with E_AUTH on a wrong key, without the key in the message', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'pmndrs_bunny_draco.glb')
    const p = await project(
      emu,
      { bunny: t.uuid },
      { ...NO_OPT, providers: { rodin: { apiKey: 'wrong-secret-key-42', baseURL: emu.rodinBaseURL } } },
    )
    const err = await p
      .pipeline()
      .asset(p.manifest.byAlias.get('bunny')!)
      .catch(e => e)
    expect(err.code).toBe('E_AUTH')
    expect(err.message).toContain('bunny')
    expect(err.message).not.toContain('wrong-secret-key-42')
    expect(JSON.stringify(err.details)).not.toContain('wrong-secret-key-42')
  })

  it('fails with E_TASK_FAILED and never calls /download when a job failed', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'pmndrs_bunny_draco.glb', {
      jobs: [
        ['Generating', 'Done'],
        ['Generating', 'Failed'],
      ],
    })
    const p = await project(emu, { bunny: { task: t.uuid, subscriptionKey: t.subscriptionKey } }, NO_OPT)
    await expect(p.pipeline().asset(p.manifest.byAlias.get('bunny')!)).rejects.toMatchObject({ code: 'E_TASK_FAILED' })
    expect(emu.requests.some(q => q.route === 'rodin.download')).toBe(false)
  })

  it('fails with E_INTEGRITY when the server sends other bytes than the lockfile pins, and leaves the lockfile alone', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'pmndrs_bunny_draco.glb')
    const p = await project(emu, { bunny: t.uuid }, NO_OPT)
    await p.pipeline().asset(p.manifest.byAlias.get('bunny')!)
    const lockBefore = await readFile(p.lockfile, 'utf8')
    emu.addFault({ route: 'file', file: 'base_basic_pbr.glb', kind: 'corrupt', times: Infinity })
    const other = p.pipeline({ cacheDir: join(p.root, 'cold-cache') })
    const err = await other.asset(p.manifest.byAlias.get('bunny')!).catch(e => e)
    expect(err.code).toBe('E_INTEGRITY')
    expect(err.message).toMatch(
      /E_INTEGRITY: base_basic_pbr\.glb of asset "bunny" .*does not match assets\.rodin\.lock\.json/,
    )
    expect(await readFile(p.lockfile, 'utf8')).toBe(lockBefore)
    expect(emu.requests.filter(q => q.route === 'file' && q.file === 'base_basic_pbr.glb')).toHaveLength(2) // no retry of the bad one
  })

  it('names the configured lockfile, not the default name, in its errors', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'pmndrs_bunny_draco.glb')
    const p = await project(emu, { bunny: t.uuid }, { ...NO_OPT, lockfile: 'models.lock.json' })
    const bunny = p.manifest.byAlias.get('bunny')!
    const frozen = await p
      .pipeline({ mode: 'frozen' })
      .asset(bunny)
      .catch(e => e)
    expect(frozen.code).toBe('E_LOCK_MISSING')
    expect(frozen.message).toMatch(/mode "frozen": models\.lock\.json does not pin asset "bunny"/)
    await p.pipeline().asset(bunny) // mode "auto" pins it in models.lock.json
    emu.addFault({ route: 'file', file: 'base_basic_pbr.glb', kind: 'corrupt', times: Infinity })
    const err = await p
      .pipeline({ cacheDir: join(p.root, 'cold-cache') })
      .asset(bunny)
      .catch(e => e)
    expect(err.code).toBe('E_INTEGRITY')
    expect(err.message).toMatch(/base_basic_pbr\.glb of asset "bunny" .*does not match models\.lock\.json/)
    expect(err.message).not.toMatch(/assets\.rodin\.lock\.json/)
  })

  it('optimizes GLBs once and reuses the derived entry', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { fox: t.uuid })
    const r = await p.pipeline().asset(p.manifest.byAlias.get('fox')!)
    expect(r.optimized!.stats.decoders.meshopt).toBe(true)
    expect(r.optimized!.stats.animations).toHaveLength(3)
    const lock = await readLockfile(p.lockfile)
    expect(lock!.assets.fox!.optimized).toEqual({ key: r.optimized!.key, ...r.optimized!.file })
    const again = await p.pipeline().asset(p.manifest.byAlias.get('fox')!)
    expect(again.hit).toBe(true)
    expect(again.optimized).toEqual(r.optimized)
  })

  it('a warm build reads no source: with the optimized output cached, a lost source is neither checked nor fetched until something reads it', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { fox: t.uuid })
    const entry = p.manifest.byAlias.get('fox')!
    const first = await p.pipeline().asset(entry)
    const source = first.files['base_basic_pbr.glb']!
    await rm(p.pipeline().store.contentPath(source.sha256))
    emu.clearLog()

    const offline = p.pipeline({ mode: 'offline' })
    await offline.preflight()
    const warm = await offline.asset(entry)
    expect(warm.hit).toBe(true)
    expect(warm.optimized).toEqual(first.optimized)
    expect(emu.requests).toHaveLength(0)
    expect(await offline.store.has(source.sha256, source.bytes)).toBe(false)

    // Reading it (a LOD level, a `rodin:fox/base_basic_pbr.glb` import) recovers it from the provider, verified.
    const auto = p.pipeline()
    const bytes = await auto.sourceBytes(await auto.asset(entry), 'base_basic_pbr.glb')
    expect(sha256Hex(bytes)).toBe(source.sha256)
    expect(emu.requests.some(q => q.route === 'file' && q.file === 'base_basic_pbr.glb')).toBe(true)
  })

  it("with a debug logger (logLevel 'debug'), says what the optimizer did to each model", async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { fox: t.uuid })
    const debug: string[] = []
    const pipeline = new Pipeline(resolveOptions({ ...p.options, logLevel: 'debug' }, p.root, {}), {
      info() {},
      warn() {},
      debug: m => debug.push(m),
    })
    onTestFinished(() => pipeline.close())
    const r = await pipeline.asset(p.manifest.byAlias.get('fox')!)
    expect(debug.length).toBeGreaterThan(8)
    for (const line of debug) expect(line).toMatch(/^asset "fox" \(base_basic_pbr\.glb\): /)
    expect(debug).toContain('asset "fox" (base_basic_pbr.glb): compressGeometry: meshopt')
    expect(debug.at(-1)).toBe(
      `asset "fox" (base_basic_pbr.glb): optimize: ${t.bytes.byteLength} → ${r.optimized!.file.bytes} bytes`,
    )
  })

  it('times out on a server that never answers, naming the asset', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'pmndrs_bunny_draco.glb')
    emu.addFault({ route: 'rodin.download', kind: 'hang', times: Infinity })
    const p = await project(
      emu,
      { bunny: t.uuid },
      { ...NO_OPT, http: { headersTimeoutMs: 1_000, maxRetries: 1, minRetryDelayMs: 1, maxRetryDelayMs: 5 } },
    )
    const err = await p
      .pipeline()
      .asset(p.manifest.byAlias.get('bunny')!)
      .catch(e => e)
    expect(err.code).toBe('E_TIMEOUT')
    expect(err.message).toContain('bunny')
  })

  it('discards a restored derived entry that does not match the pinned optimized sha256, and recomputes it', async () => {
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { fox: t.uuid })
    const first = await p.pipeline().asset(p.manifest.byAlias.get('fox')!)
    // A poisoned CI cache: the derived record for the same key now points at other (valid, stored) bytes.
    const store = p.pipeline().store
    const recordPath = join(store.root, 'index', 'derived', `${first.optimized!.key}.json`)
    const record = JSON.parse(await readFile(recordPath, 'utf8'))
    const source = first.files['base_basic_pbr.glb']!
    await writeFile(recordPath, JSON.stringify({ ...record, sha256: source.sha256, bytes: source.bytes }))
    const again = await p.pipeline().asset(p.manifest.byAlias.get('fox')!)
    expect(again.hit).toBe(false)
    expect(again.optimized!.file).toEqual(first.optimized!.file)
    expect(JSON.parse(await readFile(recordPath, 'utf8')).sha256).toBe(first.optimized!.file.sha256)
  })
})
