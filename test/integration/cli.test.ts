import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readLockfile } from '../../src/manifest/lockfile.js'
import { Store } from '../../src/store/store.js'
import { DEFAULT_TASK_IDS } from '../../src/emulator/index.js'
import { emulator, glbTask, project } from '../helpers/env.js'
import { cli } from '../helpers/processes.js'

async function setup() {
  const emu = await emulator({ assets: [] })
  const fox = await glbTask(emu, 'khr_fox.glb', { jobs: [['Generating', 'Done']] })
  const bunny = await glbTask(emu, 'pmndrs_bunny_draco.glb')
  const p = await project(emu, { fox: { task: fox.uuid, subscriptionKey: fox.subscriptionKey }, bunny: bunny.uuid })
  const env = {
    RODIN_BASE_URL: emu.rodinBaseURL,
    RODIN_API_KEY: emu.apiKey,
    RODIN_CACHE_DIR: p.options.cacheDir!,
    RODIN_MODE: 'auto',
  }
  return { emu, p, env, fox, bunny }
}

describe('rodin-assets', () => {
  it('pull prints progress lines and a summary table, then everything is a hit', async () => {
    const { emu, p, env } = await setup()
    const r = await cli(['pull', '--root', p.root], env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\[1\/2\] (fox|bunny) fetched/)
    expect(r.stdout).toMatch(/asset +provider +file +before +after +ratio +cache +time/)
    expect(r.stdout).toMatch(/fox +rodin +base_basic_pbr\.glb +[\d.]+ kB +[\d.]+ kB +\d+% +miss/)
    expect(r.stdout).toMatch(/2 of 2 asset\(s\) ready .*0 hit\(s\), 2 miss\(es\)/)
    expect(Object.keys((await readLockfile(p.lockfile))!.assets)).toEqual(['bunny', 'fox'])
    emu.clearLog()
    const again = await cli(['pull', '--root', p.root], env)
    expect(again.stdout).toMatch(/2 hit\(s\), 0 miss\(es\)/)
    expect(emu.requests).toHaveLength(0)
  })

  it('status shows provider state, cache and lock per asset', async () => {
    const { p, env } = await setup()
    await cli(['pull', '--root', p.root], env)
    const r = await cli(['status', '--root', p.root], env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/fox +rodin +\S+ +ready \(2 files\) +yes +yes/)
    const offline = await cli(['status', '--root', p.root, '--mode', 'offline'], env)
    expect(offline.stdout).toMatch(/bunny +rodin +\S+ +not checked \(offline\) +yes +yes/)
  })

  it('verify re-hashes the cache and fails on a damaged entry with a one-line reason', async () => {
    const { p, env } = await setup()
    await cli(['pull', '--root', p.root], env)
    const ok = await cli(['verify', '--root', p.root], env)
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/all 6 pinned file\(s\) match the lockfile/)
    const lock = (await readLockfile(p.lockfile))!
    const path = new Store(env.RODIN_CACHE_DIR).contentPath(lock.assets.fox!.optimized!.sha256)
    const bytes = await readFile(path)
    bytes[0]! ^= 1
    await writeFile(path, bytes)
    const bad = await cli(['verify', '--root', p.root], env)
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/fox +base_basic_pbr\.glb \(optimized\) +[0-9a-f]{16} +CORRUPT \(removed\)/)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(bad.stderr).toMatch(/^rodin-assets: E_INTEGRITY: 1 cache entry does not match assets\.rodin\.lock\.json/)
  })

  it('lock --update accepts changed bytes; without it the change is a security error', async () => {
    const { emu, p, env, bunny } = await setup()
    await cli(['lock', '--root', p.root], env)
    const before = await readFile(p.lockfile, 'utf8')
    const fox = await readFile(new URL('../../fixtures/khr_fox.glb', import.meta.url))
    const preview = await readFile(new URL('../../fixtures/preview.webp', import.meta.url))
    emu.addTask({
      uuid: bunny.uuid,
      files: [
        { name: 'base_basic_pbr.glb', bytes: fox },
        { name: 'preview.webp', bytes: preview },
      ],
    }) // the task now serves other bytes
    const cold = { ...env, RODIN_CACHE_DIR: join(p.root, 'other-cache') }
    const refused = await cli(['pull', '--root', p.root], cold)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/E_INTEGRITY: base_basic_pbr\.glb of asset "bunny"/)
    expect(await readFile(p.lockfile, 'utf8')).toBe(before)
    const updated = await cli(['lock', '--root', p.root, '--update', 'bunny'], env)
    expect(updated.code, updated.stderr).toBe(0)
    expect(updated.stdout).toMatch(/updated bunny/)
    const lock = (await readLockfile(p.lockfile))!
    expect(lock.assets.bunny!.files['base_basic_pbr.glb']!.bytes).toBe(fox.byteLength)
    expect(lock.assets.fox).toEqual(JSON.parse(before).assets.fox)
  })

  it('lock drops pins of assets no longer in the manifest; gc drops their cache entries', async () => {
    const { p, env, fox } = await setup()
    await cli(['pull', '--root', p.root], env)
    await writeFile(
      join(p.root, 'assets.rodin.json'),
      JSON.stringify({ assets: { fox: { task: fox.uuid, subscriptionKey: fox.subscriptionKey } } }),
    )
    const r = await cli(['lock', '--root', p.root], env)
    expect(r.stdout).toMatch(/removed bunny/)
    const store = new Store(env.RODIN_CACHE_DIR)
    const before = (await readdir(join(store.root, 'content'), { recursive: true })).length
    const dry = await cli(['gc', '--root', p.root, '--dry-run'], env)
    expect(dry.stdout).toMatch(/would remove [1-9]\d* cache entr/)
    expect((await readdir(join(store.root, 'content'), { recursive: true })).length).toBe(before)
    const gc = await cli(['gc', '--root', p.root], env)
    expect(gc.code, gc.stderr).toBe(0)
    const verify = await cli(['verify', '--root', p.root], env)
    expect(verify.code, verify.stdout).toBe(0)
    const offline = await cli(['pull', '--root', p.root, '--mode', 'offline'], env)
    expect(offline.code, offline.stderr).toBe(0)
  })

  it('has --help on each command and exits non-zero with one line on bad input', async () => {
    for (const cmd of ['pull', 'lock', 'status', 'verify', 'gc', 'emulator']) {
      const h = await cli([cmd, '--help'], {})
      expect(h.code).toBe(0)
      expect(h.stdout).toContain(`rodin-assets ${cmd}`)
    }
    const { p, env } = await setup()
    await writeFile(join(p.root, 'assets.rodin.json'), '{"assets": {"x": "nope"}}')
    const bad = await cli(['pull', '--root', p.root], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(bad.stderr).toMatch(
      /rodin-assets: E_CONFIG: assets\.rodin\.json is invalid: at \$\.assets\.x: expected a Rodin task UUID/,
    )
    const unknown = await cli(['frobnicate'], {})
    expect(unknown.code).toBe(1)
  })

  it('emulator serves until SIGTERM', async () => {
    let kill = () => {}
    const out: string[] = []
    const { spawn } = await import('node:child_process')
    const child = spawn(
      process.execPath,
      [new URL('../../bin/rodin-assets.js', import.meta.url).pathname, 'emulator', '--port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    kill = () => child.kill('SIGTERM')
    const url = await new Promise<string>(resolve => {
      child.stdout.on('data', d => {
        out.push(String(d))
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.join(''))
        if (m) resolve(m[1]!)
      })
    })
    const res = await fetch(`${url}/rodin/api/v2/download`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer emulator-key' },
      body: JSON.stringify({ task_uuid: DEFAULT_TASK_IDS['rodin-pbr'] }),
    })
    expect(res.status).toBeLessThan(300)
    const list = ((await res.json()) as { list: { name: string }[] }).list
    expect(list.map(f => f.name)).toEqual(['base_basic_pbr.glb', 'preview.webp']) // the generated default task
    kill()
    expect(await new Promise(r => child.on('close', r))).toBe(0)
  })
})
