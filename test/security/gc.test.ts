import { lstat, mkdir, readFile, readdir, readlink, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { STORE_MARKER, Store } from '../../src/store/store.js'
import { emulator, glbTask, project } from '../helpers/env.js'
import { cli } from '../helpers/processes.js'
import { tempDir } from '../helpers/tmp.js'

/** A pulled project (mode auto) whose cache is `<root>/.cache`; the CLI runs as a real process. */
async function pulled() {
  const emu = await emulator({ assets: [] })
  const bunny = await glbTask(emu, 'pmndrs_bunny_draco.glb')
  const p = await project(emu, { bunny: bunny.uuid })
  const env = {
    RODIN_BASE_URL: emu.rodinBaseURL,
    RODIN_API_KEY: emu.apiKey,
    RODIN_CACHE_DIR: p.options.cacheDir!,
    RODIN_MODE: 'auto',
  }
  const r = await cli(['pull', '--root', p.root], env)
  expect(r.code, r.stderr).toBe(0)
  return { p, env, cacheDir: p.options.cacheDir!, store: new Store(p.options.cacheDir!) }
}

/** Every path under `dir` with what it holds (file bytes as base64, or a link's target); links are not followed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (rel: string) => {
    for (const name of await readdir(join(dir, rel))) {
      const path = rel ? `${rel}/${name}` : name
      const st = await lstat(join(dir, path))
      if (st.isSymbolicLink()) out[path] = `link -> ${await readlink(join(dir, path))}`
      else if (st.isDirectory()) {
        out[path] = 'dir'
        await walk(path)
      } else out[path] = (await readFile(join(dir, path))).toString('base64')
    }
  }
  await walk('')
  return out
}

/** The paths a gc run printed, in order. */
const listed = (stdout: string, verb: string) =>
  stdout
    .split('\n')
    .map(l => new RegExp(`^${verb} (\\S+)(?: \\(link only\\))?$`).exec(l)?.[1])
    .filter((p): p is string => !!p)

describe('rodin-assets gc deletes only what the store created (issue 11.1)', () => {
  it('refuses a project folder as cache dir, deletes nothing and exits non-zero', async () => {
    const { p, env } = await pulled()
    await mkdir(join(p.root, 'src'))
    await writeFile(join(p.root, 'src', 'main.ts'), 'import bunny from "rodin:bunny"\n')
    await mkdir(join(p.root, '.git'))
    await writeFile(join(p.root, '.git', 'HEAD'), 'ref: refs/heads/main\n')
    await writeFile(join(p.root, 'notes.txt'), 'mine')
    const before = await snapshot(p.root)
    for (const extra of [['--dry-run'], []]) {
      const r = await cli(['gc', '--root', p.root, '--cache-dir', '.', ...extra], env)
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(/^rodin-assets: E_CONFIG: refusing to gc /)
      expect(r.stderr).toContain(p.root)
      expect(r.stderr).toMatch(/--cache-dir/)
      expect(r.stdout).not.toMatch(/remove/)
    }
    // Without .git the manifest (and lockfile) alone make it a project folder too.
    const { rm } = await import('node:fs/promises')
    await rm(join(p.root, '.git'), { recursive: true })
    const r = await cli(['gc', '--root', p.root, '--cache-dir', '.'], env)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/E_CONFIG: .*holds assets\.rodin\.json/)
    delete before['.git']
    delete before['.git/HEAD']
    expect(await snapshot(p.root)).toEqual(before)
  })

  it("keeps other tools' files in a shared cache dir, and older layouts without the store's marker", async () => {
    const { p, env, cacheDir } = await pulled()
    await mkdir(join(cacheDir, 'pip', 'http'), { recursive: true })
    await writeFile(join(cacheDir, 'pip', 'http', 'wheel'), 'pip data')
    await writeFile(join(cacheDir, 'notes.txt'), 'mine')
    await mkdir(join(cacheDir, 'v0'))
    await writeFile(join(cacheDir, 'v0', 'data'), 'not the store: no marker')
    await writeFile(join(cacheDir, 'v1', 'README'), 'somebody put this here')
    await mkdir(join(cacheDir, 'v1', 'content', 'ab'), { recursive: true })
    await writeFile(join(cacheDir, 'v1', 'content', 'ab', 'notes.txt'), 'not a content address')
    // An older layout the store wrote itself (it carries the marker): that one goes.
    await mkdir(join(cacheDir, 'v00', 'content'), { recursive: true })
    await writeFile(join(cacheDir, 'v00', 'content', 'x'), 'old')
    await writeFile(join(cacheDir, 'v00', STORE_MARKER), await readFile(join(cacheDir, 'v1', STORE_MARKER)))
    const before = await snapshot(cacheDir)
    const r = await cli(['gc', '--root', p.root], env)
    expect(r.code, r.stderr).toBe(0)
    const after = await snapshot(cacheDir)
    const expected = Object.fromEntries(Object.entries(before).filter(([k]) => !k.startsWith('v00')))
    expect(after).toEqual(expected)
    expect(listed(r.stdout, 'removed')).toEqual(['v00'])
  })

  it('never follows a symlink: linked shards, entries and copies lose only the link', async () => {
    const { p, env, cacheDir } = await pulled()
    const outside = await tempDir('rodin-outside-')
    const sha = (c: string) => c.repeat(64)
    await writeFile(join(outside, sha('a')), 'precious a')
    await writeFile(join(outside, sha('b')), 'precious b')
    await writeFile(join(outside, 'doc.txt'), 'precious doc')
    const content = join(cacheDir, 'v1', 'content')
    await symlink(outside, join(content, 'zz')) // not a shard name: not the store's
    await symlink(outside, join(content, 'aa')) // a shard name: the link goes, nothing behind it
    await mkdir(join(content, 'cc'), { recursive: true })
    await symlink(join(outside, 'doc.txt'), join(content, 'cc', sha('c')))
    await mkdir(join(cacheDir, 'v1', 'out'), { recursive: true })
    await symlink(join(outside, 'doc.txt'), join(cacheDir, 'v1', 'out', 'evil-0123456789ab.glb'))
    const outsideBefore = await snapshot(outside)
    const r = await cli(['gc', '--root', p.root], env)
    expect(r.code, r.stderr).toBe(0)
    expect(await snapshot(outside)).toEqual(outsideBefore)
    expect(listed(r.stdout, 'removed').sort()).toEqual(
      ['v1/content/aa', `v1/content/cc/${sha('c')}`, 'v1/out/evil-0123456789ab.glb'].sort(),
    )
    expect(r.stdout).toMatch(/removed v1\/content\/aa \(link only\)/)
    await expect(lstat(join(content, 'aa'))).rejects.toThrow()
    expect((await lstat(join(content, 'zz'))).isSymbolicLink()).toBe(true)
    // The store itself still works: the pinned asset is all there.
    const verify = await cli(['verify', '--root', p.root], env)
    expect(verify.code, verify.stdout).toBe(0)
  })

  it('--dry-run lists exactly what a real run then deletes', async () => {
    const { p, env, cacheDir, store } = await pulled()
    const orphan = await store.put(new TextEncoder().encode('nobody needs this'))
    await store.materialize(orphan, `gone-${orphan.sha256.slice(0, 12)}.bin`, async () => {
      throw new Error('unreachable')
    })
    await store.writeJson('tasks', 'rodin-00000000-0000-4000-8000-000000000000', { files: {} })
    await store.writeJson('derived', 'f'.repeat(64), { sha256: orphan.sha256 })
    await writeFile(join(store.root, 'tmp', `${process.pid}-0123456789ab`), 'killed build')
    await writeFile(join(store.root, 'tmp', `${process.pid}-ba9876543210`), 'running build')
    const old = new Date(Date.now() - 2 * 3_600_000)
    await utimes(join(store.root, 'tmp', `${process.pid}-0123456789ab`), old, old)
    await mkdir(join(cacheDir, 'v0', 'out'), { recursive: true })
    await writeFile(join(cacheDir, 'v0', 'out', 'x.glb'), 'old layout')
    await writeFile(join(cacheDir, 'v0', STORE_MARKER), await readFile(join(store.root, STORE_MARKER)))

    const before = await snapshot(cacheDir)
    const dry = await cli(['gc', '--root', p.root, '--dry-run'], env)
    expect(dry.code, dry.stderr).toBe(0)
    expect(await snapshot(cacheDir)).toEqual(before)
    const wouldRemove = listed(dry.stdout, 'would remove')
    expect(wouldRemove.sort()).toEqual(
      [
        'v0',
        `v1/content/${orphan.sha256.slice(0, 2)}/${orphan.sha256}`,
        `v1/out/gone-${orphan.sha256.slice(0, 12)}.bin`,
        'v1/index/tasks/rodin-00000000-0000-4000-8000-000000000000.json',
        `v1/index/derived/${'f'.repeat(64)}.json`,
        `v1/tmp/${process.pid}-0123456789ab`,
      ].sort(),
    )
    expect(dry.stdout).toMatch(new RegExp(`would remove ${wouldRemove.length} cache entries`))

    const real = await cli(['gc', '--root', p.root], env)
    expect(real.code, real.stderr).toBe(0)
    expect(listed(real.stdout, 'removed')).toEqual(listed(dry.stdout, 'would remove'))
    const after = await snapshot(cacheDir)
    const deleted = Object.keys(before).filter(k => !(k in after))
    const covered = (path: string) => wouldRemove.some(l => path === l || path.startsWith(`${l}/`))
    expect(deleted.filter(k => !covered(k))).toEqual([])
    expect(wouldRemove.filter(l => l in after)).toEqual([])
    const verify = await cli(['verify', '--root', p.root], env)
    expect(verify.code, verify.stdout).toBe(0)
  })
})
