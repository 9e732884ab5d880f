import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Store } from '../../src/store/store.js'
import { emittedAssets, glbTask, twoAssetProject } from '../helpers/env.js'
import { viteBuildProcess } from '../helpers/processes.js'

/** A warm project: two assets fetched and locked by a first build in mode auto. */
async function warmProject() {
  const project = await twoAssetProject()
  const first = await viteBuildProcess(project.p.root, 'dist-auto', project.env)
  expect(first.code, first.stderr).toBe(0)
  return project
}

describe('modes in real build processes', () => {
  it('offline: a warm cache builds byte-identical files with no server and no key; a missing entry names its alias', async () => {
    const { emu, p, env } = await warmProject()
    await emu.close()
    const offline = { RODIN_CACHE_DIR: env.RODIN_CACHE_DIR, RODIN_MODE: 'offline', RODIN_BASE_URL: env.RODIN_BASE_URL }
    const r = await viteBuildProcess(p.root, 'dist-offline', offline)
    expect(r.code, r.stderr).toBe(0)
    expect(await emittedAssets(join(p.root, 'dist-offline'))).toEqual(await emittedAssets(join(p.root, 'dist-auto')))

    // Drop the bunny's source GLB from the cache: offline must fail and say which asset.
    const lock = JSON.parse(await readFile(p.lockfile, 'utf8'))
    const store = new Store(env.RODIN_CACHE_DIR)
    await rm(store.contentPath(lock.assets.bunny.files['base_basic_pbr.glb'].sha256))
    const miss = await viteBuildProcess(p.root, 'dist-offline2', offline)
    expect(miss.code).not.toBe(0)
    expect(miss.stderr).toMatch(
      /E_OFFLINE_MISS: mode "offline": the cache .* lacks "bunny" \(missing base_basic_pbr\.glb\)/,
    )
    expect(miss.stderr).not.toMatch(/"fox"/)
  })

  it('CI=1: an entry missing from the lockfile fails naming it, and the lockfile stays byte-identical', async () => {
    const { emu, p, env } = await warmProject()
    const extra = await glbTask(emu, 'khr_fox.glb')
    await writeFile(
      join(p.root, 'assets.rodin.json'),
      JSON.stringify({
        assets: {
          fox: p.manifest.byAlias.get('fox')!.task,
          bunny: p.manifest.byAlias.get('bunny')!.task,
          newcomer: extra.uuid,
        },
      }),
    )
    const before = await readFile(p.lockfile)
    const r = await viteBuildProcess(p.root, 'dist-ci', { ...env, RODIN_MODE: undefined, CI: '1' })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/E_LOCK_MISSING: mode "frozen": .* does not pin "newcomer"\. Run "npx rodin-assets lock"/)
    expect(await readFile(p.lockfile)).toEqual(before)
  })

  it('CI=1: a server that returns different bytes for a locked file fails with E_INTEGRITY', async () => {
    const { emu, p, env } = await warmProject()
    emu.addFault({ route: 'file', file: 'base_basic_pbr.glb', kind: 'corrupt', times: Infinity })
    const before = await readFile(p.lockfile)
    const cold = join(p.root, 'cold-cache')
    const r = await viteBuildProcess(p.root, 'dist-ci', {
      ...env,
      RODIN_MODE: undefined,
      CI: '1',
      RODIN_CACHE_DIR: cold,
    })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(
      /E_INTEGRITY: base_basic_pbr\.glb of asset "(fox|bunny)" .*does not match assets\.rodin\.lock\.json/,
    )
    expect(await readFile(p.lockfile)).toEqual(before)
  })

  it('CI=1 with a cold cache warns once and names the directory to persist', async () => {
    const { p, env } = await warmProject()
    const cold = join(p.root, 'cold-cache')
    const r = await viteBuildProcess(p.root, 'dist-ci', {
      ...env,
      RODIN_MODE: undefined,
      CI: 'true',
      RODIN_CACHE_DIR: cold,
    })
    expect(r.code, r.stderr).toBe(0)
    const warnings = `${r.stdout}${r.stderr}`.match(/cache miss in CI.*/g) ?? []
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(cold)
  })
})
