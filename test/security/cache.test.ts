import { spawnSync } from 'node:child_process'
import { chmod, lstat, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readLockfile } from '../../src/manifest/lockfile.js'
import { Store } from '../../src/store/store.js'
import { emittedAssets, emulator, glbTask, project } from '../helpers/env.js'
import { cli, viteBuildProcess } from '../helpers/processes.js'
import { writeApp } from '../helpers/vite-app.js'

/** One asset (a small Draco model with a preview) and the env a real process needs; mode auto. */
async function bunnyProject() {
  const emu = await emulator({ assets: [] })
  const bunny = await glbTask(emu, 'pmndrs_bunny_draco.glb')
  const p = await project(emu, { bunny: bunny.uuid })
  const env = {
    RODIN_BASE_URL: emu.rodinBaseURL,
    RODIN_API_KEY: emu.apiKey,
    RODIN_CACHE_DIR: p.options.cacheDir!,
    RODIN_MODE: 'auto',
  }
  return { emu, p, env, store: new Store(p.options.cacheDir!) }
}

describe('the cache under hostile or unusual conditions (issue 11)', () => {
  it('7: after `pull`, a user who cannot write the cache can build (no out/ copies exist yet)', async () => {
    const { p, env, store } = await bunnyProject()
    await writeApp(p.root, { bunny: 'rodin:bunny', raw: 'rodin:bunny?raw', preview: 'rodin:bunny/preview.webp' })
    const pulled = await cli(['pull', '--root', p.root], env)
    expect(pulled.code, pulled.stderr).toBe(0)
    await expect(lstat(store.outDir)).rejects.toThrow() // pull made no named copies: the build must
    // Root ignores file modes, so the build runs as "nobody", who can read the cache but not write it.
    const asNobody = process.getuid?.() === 0
    await chmod(p.root, 0o777)
    spawnSync('chmod', ['-R', 'a-w,a+rX', env.RODIN_CACHE_DIR])
    let readOnly: Awaited<ReturnType<typeof viteBuildProcess>>
    try {
      readOnly = await viteBuildProcess(
        p.root,
        'dist-ro',
        { ...env, RODIN_MODE: 'frozen' },
        { uid: asNobody ? 65534 : undefined },
      )
    } finally {
      spawnSync('chmod', ['-R', 'u+w', env.RODIN_CACHE_DIR])
    }
    expect(readOnly.code, readOnly.stderr).toBe(0)
    expect(readOnly.stderr).not.toMatch(/EACCES|EROFS|EPERM/)
    await expect(lstat(store.outDir)).rejects.toThrow() // nothing was written into the cache
    const writable = await viteBuildProcess(p.root, 'dist', { ...env, RODIN_MODE: 'frozen' })
    expect(writable.code, writable.stderr).toBe(0)
    const emitted = await emittedAssets(join(p.root, 'dist-ro'))
    expect(Object.keys(emitted).some(n => n.endsWith('.glb'))).toBe(true)
    expect(Object.keys(emitted).some(n => n.endsWith('.webp'))).toBe(true)
    expect(emitted).toEqual(await emittedAssets(join(p.root, 'dist')))
  })

  it('10: `pull` does not call a same-size, byte-flipped cache entry a hit; it refetches the real bytes', async () => {
    const { emu, p, env, store } = await bunnyProject()
    expect((await cli(['pull', '--root', p.root], env)).code).toBe(0)
    const pin = (await readLockfile(p.lockfile))!.assets.bunny!.files['base_basic_pbr.glb']!
    const path = store.contentPath(pin.sha256)
    const good = await readFile(path)
    const flipped = Buffer.from(good)
    flipped[100]! ^= 1
    await writeFile(path, flipped)
    emu.clearLog()
    const again = await cli(['pull', '--root', p.root], env)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toMatch(/0 hit\(s\), 1 miss\(es\)/)
    expect(emu.requests.filter(r => r.route === 'file' && r.file === 'base_basic_pbr.glb')).toHaveLength(1)
    expect(await readFile(path)).toEqual(good)
  })

  it('10: a kill during the lockfile write leaves a temp file that the next write removes', async () => {
    const { p, env } = await bunnyProject()
    const temps = async () => (await readdir(p.root)).filter(n => /^\.assets\.rodin\.lock\.json\..*\.tmp$/.test(n))
    const killed = await cli(['pull', '--root', p.root], { ...env, RODIN_FAILPOINT: 'lockfile-temp-written' })
    expect(killed.signal).toBe('SIGKILL')
    expect(await temps()).toHaveLength(1)
    const again = await cli(['pull', '--root', p.root], env)
    expect(again.code, again.stderr).toBe(0)
    expect(Object.keys((await readLockfile(p.lockfile))!.assets)).toEqual(['bunny'])
    expect(await temps()).toEqual([])
  })
})
