import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Lockfile } from '../../src/manifest/lockfile.js'
import { Store } from '../../src/store/store.js'
import { sha256Hex } from '../../src/util/hash.js'
import { emittedAssets, twoAssetProject } from '../helpers/env.js'
import { cli, viteBuildProbe, viteBuildProcess } from '../helpers/processes.js'
import { BUCKET, startS3 } from '../helpers/s3.js'
import { tempDir } from '../helpers/tmp.js'

type Kind = 's3' | 'fs'

/** A team store of either kind, with the env a machine needs for it and a view into its objects. */
async function teamStore(kind: Kind) {
  if (kind === 's3') {
    const s3 = await startS3()
    const client = await s3.client()
    const env = { RODIN_REMOTE: `s3://${BUCKET}/proj`, RODIN_REMOTE_ENDPOINT: s3.endpoint, ...s3.env() }
    return {
      env,
      s3,
      /** `sha256/<hex>` of every object. */
      keys: async () => (await client.keys()).map(k => k.replace(/^proj\//, '')),
      read: (key: string) => client.get(`proj/${key}`),
      write: (key: string, bytes: Uint8Array) => client.put(`proj/${key}`, bytes),
      wipe: async () => {
        for (const k of await client.keys()) await client.remove(k)
      },
    }
  }
  const dir = join(await tempDir('rodin-team-'), 'mnt')
  await mkdir(dir)
  const keys = async () =>
    (await readdir(join(dir, 'sha256')).catch(() => [] as string[]))
      .filter(n => !n.startsWith('.'))
      .map(n => `sha256/${n}`)
      .sort()
  return {
    env: { RODIN_REMOTE: `file://${dir}` } as Record<string, string>,
    s3: null,
    keys,
    read: (key: string) => readFile(join(dir, key)).then(b => new Uint8Array(b)),
    write: (key: string, bytes: Uint8Array) => writeFile(join(dir, key), bytes),
    wipe: () => rm(join(dir, 'sha256'), { recursive: true, force: true }),
  }
}

function pins(lock: Lockfile) {
  const sources: { sha256: string; bytes: number; name: string }[] = []
  const optimized: { sha256: string; bytes: number }[] = []
  for (const entry of Object.values(lock.assets)) {
    for (const [name, f] of Object.entries(entry.files)) sources.push({ ...f, name })
    if (entry.optimized) optimized.push(entry.optimized)
  }
  return { sources, optimized, all: [...sources, ...optimized] }
}

const readLock = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Lockfile
const keysOf = (files: { sha256: string }[]) => [...new Set(files.map(f => `sha256/${f.sha256}`))].sort()

/** Machine A: a developer with a provider key builds in mode auto and fills the team store. */
async function machineA(kind: Kind) {
  const team = await teamStore(kind)
  const project = await twoAssetProject()
  const a = await viteBuildProcess(project.p.root, 'dist-a', { ...project.env, ...team.env })
  expect(a.code, a.stderr).toBe(0)
  expect(`${a.stdout}${a.stderr}`).not.toMatch(/could not upload/)
  const lock = await readLock(project.p.lockfile)
  return { ...project, team, lock }
}

/** Machine B: a cold CI runner with the lockfile and read credentials only: no provider key, CI=1. */
function machineBEnv(env: Record<string, string>, team: { env: Record<string, string> }, cache: string) {
  return {
    ...team.env,
    CI: '1',
    RODIN_CACHE_DIR: cache,
    RODIN_BASE_URL: env.RODIN_BASE_URL,
    // The optimizer must not run: this kills the build if it does.
    RODIN_FAILPOINT: 'after-optimize',
  }
}

describe.each(['s3', 'fs'] as const)('team store (%s)', kind => {
  it('machine A fills the store; machine B (fresh cache, no key, provider down, CI=1) builds byte-identical output from optimized blobs', async () => {
    const { emu, p, env, team, lock } = await machineA(kind)
    const { sources, optimized, all } = pins(lock)
    expect(await team.keys()).toEqual(keysOf(all))
    for (const f of all) expect(sha256Hex(await team.read(`sha256/${f.sha256}`))).toBe(f.sha256)

    await emu.close()
    team.s3?.log.splice(0)
    const cacheB = join(p.root, 'cache-b')
    const b = await viteBuildProbe(p.root, 'dist-b', machineBEnv(env, team, cacheB))
    expect(b.code, b.stderr).toBe(0)
    expect(b.stdout).toContain(`aws-sdk-loaded=${kind === 's3'}`)
    expect(await emittedAssets(join(p.root, 'dist-b'))).toEqual(await emittedAssets(join(p.root, 'dist-a')))

    // Only what the page emits came over: the optimized models and the previews, never a source model.
    // (An optimized model that came out no smaller is the source itself: the Draco bunny.)
    const glbs = sources.filter(s => s.name.endsWith('.glb') && !optimized.some(o => o.sha256 === s.sha256))
    expect(glbs.length).toBeGreaterThan(0)
    const previews = sources.filter(s => s.name === 'preview.webp')
    const storeB = new Store(cacheB)
    for (const f of [...optimized, ...previews]) expect(await storeB.has(f.sha256, f.bytes)).toBe(true)
    for (const f of glbs) expect(await storeB.has(f.sha256, f.bytes)).toBe(false)
    if (team.s3) {
      const requests = team.s3.log.map(r => `${r.method} ${r.key}`).sort()
      expect(requests).toEqual(keysOf([...optimized, ...previews]).map(k => `GET proj/${k}`))
    }
    expect(await readFile(p.lockfile)).toEqual(Buffer.from(`${JSON.stringify(lock, null, 2)}\n`))

    // Warm now: B's next build asks the remote nothing and never loads the AWS SDK.
    team.s3?.log.splice(0)
    const warm = await viteBuildProbe(p.root, 'dist-b2', machineBEnv(env, team, cacheB))
    expect(warm.code, warm.stderr).toBe(0)
    expect(warm.stdout).toContain('aws-sdk-loaded=false')
    expect(team.s3?.log ?? []).toEqual([])
  })

  it('a tampered object fails the build with E_INTEGRITY and is never used', async () => {
    const { emu, p, env, team, lock } = await machineA(kind)
    await emu.close()
    const fox = lock.assets.fox!.optimized!
    await team.write(`sha256/${fox.sha256}`, new TextEncoder().encode('not the optimized fox'))
    const cacheB = join(p.root, 'cache-b')
    const b = await viteBuildProcess(p.root, 'dist-b', machineBEnv(env, team, cacheB))
    expect(b.code).not.toBe(0)
    expect(b.stderr).toMatch(
      /E_INTEGRITY: the team store .* holds sha256\/[0-9a-f]{64} for the optimized output of asset "fox", but its bytes do not match the pin/,
    )
    expect(await new Store(cacheB).has(fox.sha256, fox.bytes)).toBe(false)
  })

  it('two machines with cold caches upload the same blobs at once: both succeed, one intact object each', async () => {
    const team = await teamStore(kind)
    const { p, env } = await twoAssetProject()
    const lockOnly = await viteBuildProcess(p.root, 'dist-0', env) // pins, without a team store
    expect(lockOnly.code, lockOnly.stderr).toBe(0)
    const both = await Promise.all(
      ['one', 'two'].map(m =>
        viteBuildProcess(p.root, `dist-${m}`, {
          ...env,
          ...team.env,
          RODIN_MODE: undefined,
          CI: '1',
          RODIN_CACHE_DIR: join(p.root, `cache-${m}`),
        }),
      ),
    )
    for (const r of both) {
      expect(r.code, r.stderr).toBe(0)
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/could not upload/)
    }
    const { all } = pins(await readLock(p.lockfile))
    expect(await team.keys()).toEqual(keysOf(all))
    for (const f of all) expect(sha256Hex(await team.read(`sha256/${f.sha256}`))).toBe(f.sha256)
  })

  it('push restores a wiped store from the local cache, and B builds again', async () => {
    const { emu, p, env, team, lock } = await machineA(kind)
    await team.wipe()
    expect(await team.keys()).toEqual([])
    const before = await cli(['status', '--root', p.root, '--mode', 'auto'], { ...env, ...team.env })
    expect(before.code, before.stderr).toBe(0)
    expect(before.stdout).toMatch(/ +cached +locked +remote\n/)
    expect(before.stdout).toMatch(/fox +rodin +\S+ +ready \(2 files\) +yes +yes +no\n/)
    const push = await cli(['push', '--root', p.root], { ...env, ...team.env })
    expect(push.code, push.stderr).toBe(0)
    const { all } = pins(lock)
    expect(push.stdout).toContain(`${keysOf(all).length} uploaded, 0 already there, 0 failed`)
    expect(await team.keys()).toEqual(keysOf(all))
    const again = await cli(['push', '--root', p.root], { ...env, ...team.env })
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain(`0 uploaded, ${keysOf(all).length} already there, 0 failed`)
    const after = await cli(['status', '--root', p.root, '--mode', 'auto'], { ...env, ...team.env })
    expect(after.stdout).toMatch(/fox +rodin +\S+ +ready \(2 files\) +yes +yes +yes\n/)

    // verify restores a lost cache entry from the team store (verified), instead of failing.
    const fox = lock.assets.fox!.optimized!
    await rm(new Store(env.RODIN_CACHE_DIR).contentPath(fox.sha256))
    const verify = await cli(['verify', '--root', p.root], { ...env, ...team.env })
    expect(verify.code, verify.stderr).toBe(0)
    expect(verify.stdout).toMatch(
      /fox +base_basic_pbr\.glb \(optimized\) +[0-9a-f]{16} +missing, restored from the team store/,
    )
    expect(await new Store(env.RODIN_CACHE_DIR).get(fox.sha256)).not.toBeNull()

    await emu.close()
    const b = await viteBuildProcess(p.root, 'dist-b', machineBEnv(env, team, join(p.root, 'cache-b')))
    expect(b.code, b.stderr).toBe(0)
    expect(await emittedAssets(join(p.root, 'dist-b'))).toEqual(await emittedAssets(join(p.root, 'dist-a')))

    // A blob neither the store nor the local cache has: the others are pushed, and the command fails naming it.
    await team.wipe()
    const preview = lock.assets.bunny!.files['preview.webp']!
    await rm(new Store(env.RODIN_CACHE_DIR).contentPath(preview.sha256))
    const partial = await cli(['push', '--root', p.root], { ...env, ...team.env })
    expect(partial.code).toBe(1)
    expect(partial.stdout).toContain(`${keysOf(all).length - 1} uploaded, 0 already there, 1 failed`)
    expect(partial.stderr).toMatch(
      /(fox|bunny)\/preview\.webp: E_OFFLINE_MISS: not in the local cache .*rodin-assets pull/,
    )
    expect(partial.stderr).toMatch(/E_REMOTE: 1 of \d+ blob\(s\) were not pushed/)
  })
})

describe('team store on S3: credentials, read-only, offline', () => {
  it('wrong credentials: E_REMOTE naming the remote and the credential to check, never the secret', async () => {
    const { emu, p, env, team } = await machineA('s3')
    await emu.close()
    team.s3!.log.splice(0)
    const secret = 'not-the-secret-8c1f2a9b7e'
    const b = await viteBuildProcess(p.root, 'dist-b', {
      ...machineBEnv(env, team, join(p.root, 'cache-b')),
      AWS_SECRET_ACCESS_KEY: secret,
    })
    expect(b.code).not.toBe(0)
    const out = `${b.stdout}${b.stderr}`
    expect(out).toMatch(
      /E_REMOTE: asset "(fox|bunny)" is not in the cache, the team store failed, and there is no provider key to fall back on; the cache lacks "fox", "bunny"\./,
    )
    expect(out).toMatch(
      /team store s3:\/\/team-assets\/proj .*access denied .*check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    )
    expect(out).not.toContain(secret)
    expect(team.s3!.log.some(r => r.method === 'PUT')).toBe(false)
  })

  it('a read-only remote gets no write, even from a build that fetched from the provider', async () => {
    const team = await teamStore('s3')
    const { p, env } = await twoAssetProject()
    const a = await viteBuildProcess(p.root, 'dist-a', { ...env, ...team.env, RODIN_REMOTE_READONLY: '1' })
    expect(a.code, a.stderr).toBe(0)
    // Second build: lockfile present, cold cache, empty store: it asks the store, then the provider.
    const c = await viteBuildProcess(p.root, 'dist-c', {
      ...env,
      ...team.env,
      RODIN_REMOTE_READONLY: 'true',
      RODIN_CACHE_DIR: join(p.root, 'cache-c'),
    })
    expect(c.code, c.stderr).toBe(0)
    const methods = new Set(team.s3!.log.map(r => r.method))
    expect(methods).toEqual(new Set(['GET']))
    expect(await team.keys()).toEqual([])
  })

  it('offline never contacts the remote (warm cache builds; a cold one fails without asking it)', async () => {
    const { emu, p, env, team } = await machineA('s3')
    await emu.close()
    team.s3!.log.splice(0)
    const offline = { ...team.env, RODIN_MODE: 'offline', RODIN_CACHE_DIR: env.RODIN_CACHE_DIR }
    const warm = await viteBuildProcess(p.root, 'dist-off', offline)
    expect(warm.code, warm.stderr).toBe(0)
    const cold = await viteBuildProcess(p.root, 'dist-cold', { ...offline, RODIN_CACHE_DIR: join(p.root, 'cold') })
    expect(cold.code).not.toBe(0)
    expect(cold.stderr).toMatch(/E_OFFLINE_MISS/)
    expect(team.s3!.log).toEqual([])
  })
})
