import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readLockfile } from '../../src/manifest/lockfile.js'
import { derivedKey } from '../../src/pipeline/derive.js'
import { Store } from '../../src/store/store.js'
import { sha256Hex } from '../../src/util/hash.js'
import { emulator, fixture, glbTask, project } from '../helpers/env.js'
import { cli } from '../helpers/processes.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * Issue 11.3: a restored cache plants a task record (and a derived record) that point at other bytes it
 * also planted. No lockfile pins the asset. Every CLI run here is mode auto, with its own RODIN_STATE_DIR.
 */
async function poisoned() {
  const emu = await emulator({ assets: [] })
  const bunny = await glbTask(emu, 'pmndrs_bunny_draco.glb')
  const p = await project(emu, { bunny: bunny.uuid })
  const stateDir = await tempDir('rodin-state-')
  const env = {
    RODIN_BASE_URL: emu.rodinBaseURL,
    RODIN_API_KEY: emu.apiKey,
    RODIN_CACHE_DIR: p.options.cacheDir!,
    RODIN_MODE: 'auto',
    RODIN_STATE_DIR: stateDir,
  }
  // The attacker's bytes sit in the content store under their own (valid) hashes, as a restored cache's would.
  const store = new Store(p.options.cacheDir!, { stateDir: await tempDir('rodin-attacker-state-') })
  const evil = await store.put(await fixture('khr_fox.glb'))
  const evilPreview = await store.put(new TextEncoder().encode('not the preview'))
  const index = join(store.root, 'index')
  await mkdir(join(index, 'tasks'), { recursive: true })
  await writeFile(
    join(index, 'tasks', `rodin-${bunny.uuid}.json`),
    JSON.stringify({
      provider: 'rodin',
      task: bunny.uuid,
      files: { 'base_basic_pbr.glb': evil, 'preview.webp': evilPreview },
    }),
  )
  // And, for the real source bytes, a derived record that names the attacker's bytes as the optimized output.
  const pipeline = p.pipeline()
  const entry = p.manifest.byAlias.get('bunny')!
  const key = derivedKey(sha256Hex(bunny.bytes), pipeline.optimizeFor(entry)!)
  await mkdir(join(index, 'derived'), { recursive: true })
  await writeFile(
    join(index, 'derived', `${key}.json`),
    JSON.stringify({ ...evil, stats: { vertices: 1, triangles: 1, meshes: 1, materials: 1, textures: 0 } }),
  )
  return { emu, p, env, bunny, evil }
}

describe('a poisoned restored cache cannot choose the bytes of an unpinned asset (issue 11.3)', () => {
  it('pull ignores planted task and derived records: it asks the provider and pins the real bytes', async () => {
    const { emu, p, env, bunny, evil } = await poisoned()
    const r = await cli(['pull', '--root', p.root], env)
    expect(r.code, r.stderr).toBe(0)
    expect(emu.requests.filter(q => q.route === 'file' && q.file === 'base_basic_pbr.glb')).toHaveLength(1)
    const pin = (await readLockfile(p.lockfile))!.assets.bunny!
    expect(pin.files['base_basic_pbr.glb']).toEqual({ sha256: sha256Hex(bunny.bytes), bytes: bunny.bytes.byteLength })
    expect(pin.files['preview.webp']!.sha256).toBe(sha256Hex(await fixture('preview.webp')))
    expect(pin.optimized!.sha256).not.toBe(evil.sha256)
  })

  it("the store's own records still make warm runs free; another key's records are ignored", async () => {
    const { emu, p, env } = await poisoned()
    const { rm, stat } = await import('node:fs/promises')
    const pull = ['pull', '--root', p.root]
    const first = await cli(pull, env)
    expect(first.code, first.stderr).toBe(0)
    // Without the lockfile, only the cache's records can make the next run a hit.
    await rm(p.lockfile)
    emu.clearLog()
    const warm = await cli(pull, env)
    expect(warm.stdout).toMatch(/1 hit\(s\), 0 miss\(es\)/)
    expect(emu.requests).toHaveLength(0)
    const key = (await readFile(join(env.RODIN_STATE_DIR, 'record-key'), 'utf8')).trim()
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect((await stat(join(env.RODIN_STATE_DIR, 'record-key'))).mode & 0o077).toBe(0)
    // The same cache restored on a machine with another key: its records are not trusted there.
    const elsewhere = { ...env, RODIN_STATE_DIR: await tempDir('rodin-other-state-') }
    await rm(p.lockfile)
    const cold = await cli(pull, elsewhere)
    expect(cold.stdout).toMatch(/0 hit\(s\), 1 miss\(es\)/)
    expect(emu.requests.some(q => q.route === 'rodin.download')).toBe(true)
  })
})
