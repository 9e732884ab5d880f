import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readLockfile } from '../../src/manifest/lockfile.js'
import { Store } from '../../src/store/store.js'
import { emittedAssets, twoAssetProject } from '../helpers/env.js'
import { cannotWrite, cli, expectUnwritable, viteBuildProcess } from '../helpers/processes.js'

/** After a crash, the next run must just work: pull, verify, and a build that is byte-identical to a clean one. */
async function expectHealthy(p: Awaited<ReturnType<typeof twoAssetProject>>['p'], env: Record<string, string>) {
  const pull = await cli(['pull', '--root', p.root], env)
  expect(pull.code, pull.stderr).toBe(0)
  const verify = await cli(['verify', '--root', p.root], env)
  expect(verify.code, verify.stdout + verify.stderr).toBe(0)
  expect(Object.keys((await readLockfile(p.lockfile))!.assets).sort()).toEqual(['bunny', 'fox'])
  const build = await viteBuildProcess(p.root, 'dist', { ...env, RODIN_MODE: 'offline' })
  expect(build.code, build.stderr).toBe(0)
}

describe('crash safety (SIGKILL at each step, real processes)', () => {
  it.each([
    'after-download',
    'store-after-temp-write',
    'before-task-record',
    'mid-optimize',
    'after-optimize',
    'before-lockfile-write',
    'lockfile-temp-written',
  ])('killed at %s: the next build uses the cache and lockfile without error', async failpoint => {
    const { p, env } = await twoAssetProject()
    const killed = await cli(['pull', '--root', p.root], { ...env, RODIN_FAILPOINT: failpoint })
    expect(killed.signal, `${failpoint} was reached`).toBe('SIGKILL')
    await expectHealthy(p, env)
  })

  it('killed mid-download (the file stalls after its first bytes)', async () => {
    const { emu, p, env } = await twoAssetProject()
    emu.addFault({ route: 'file', file: 'base_basic_pbr.glb', kind: 'stall' })
    let kill = () => {}
    const running = cli(['pull', '--root', p.root], env, {
      onSpawn: k => {
        kill = k
      },
    })
    while (!emu.requests.some(r => r.route === 'file' && r.file === 'base_basic_pbr.glb'))
      await new Promise(r => setTimeout(r, 20))
    await new Promise(r => setTimeout(r, 100))
    kill()
    expect((await running).signal).toBe('SIGKILL')
    await expectHealthy(p, env)
  })
})

describe('concurrency and damaged caches', () => {
  it('four builds in separate processes on one empty cache all succeed with identical outputs', async () => {
    const { p, env } = await twoAssetProject()
    const results = await Promise.all([1, 2, 3, 4].map(i => viteBuildProcess(p.root, `dist-${i}`, env)))
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    const outputs = await Promise.all([1, 2, 3, 4].map(i => emittedAssets(join(p.root, `dist-${i}`))))
    for (const o of outputs.slice(1)) expect(o).toEqual(outputs[0])
    expect(Object.keys((await readLockfile(p.lockfile))!.assets).sort()).toEqual(['bunny', 'fox'])
  })

  it('a bit-flipped or truncated cache file is dropped and refetched, or reported in offline mode', async () => {
    const { emu, p, env } = await twoAssetProject()
    expect((await viteBuildProcess(p.root, 'dist', env)).code).toBe(0)
    const lock = (await readLockfile(p.lockfile))!
    const store = new Store(env.RODIN_CACHE_DIR)
    const foxGlb = store.contentPath(lock.assets.fox!.files['base_basic_pbr.glb']!.sha256)
    const foxOut = store.contentPath(lock.assets.fox!.optimized!.sha256)
    await writeFile(foxGlb, (await readFile(foxGlb)).subarray(0, 50)) // truncated download
    const flipped = await readFile(foxOut)
    flipped[100]! ^= 0xff
    await writeFile(foxOut, flipped) // bit-flipped optimized output
    for (const f of await readdir(join(store.root, 'out'))) await writeFile(join(store.root, 'out', f), 'x') // damaged named copies too

    const offline = await viteBuildProcess(p.root, 'dist-offline', { ...env, RODIN_MODE: 'offline' })
    expect(offline.code).not.toBe(0)
    expect(offline.stderr).toMatch(/E_OFFLINE_MISS.*lacks "fox" \(missing base_basic_pbr\.glb\)/)

    emu.clearLog()
    const healed = await viteBuildProcess(p.root, 'dist-healed', env)
    expect(healed.code, healed.stderr).toBe(0)
    expect(emu.requests.filter(r => r.route === 'file' && r.file === 'base_basic_pbr.glb')).toHaveLength(1) // only the fox was refetched
    expect(await emittedAssets(join(p.root, 'dist-healed'))).toEqual(await emittedAssets(join(p.root, 'dist')))
  })

  it('a read-only cache directory works when everything is a hit', async () => {
    const { p, env } = await twoAssetProject()
    expect((await viteBuildProcess(p.root, 'dist', env)).code).toBe(0)
    const cacheDir = env.RODIN_CACHE_DIR!
    const ro = cannotWrite(cacheDir)
    try {
      await expectUnwritable(cacheDir, ro.opts)
      const r = await viteBuildProcess(p.root, 'dist-ro', { ...env, RODIN_MODE: 'frozen' }, ro.opts)
      expect(r.code, r.stderr).toBe(0)
      expect(await emittedAssets(join(p.root, 'dist-ro'))).toEqual(await emittedAssets(join(p.root, 'dist')))
    } finally {
      ro.restore()
    }
  })
})
