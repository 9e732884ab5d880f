import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ViteDevServer } from 'vite'
import rodin from '../../src/vite.js'
import { startEmulator } from '../../src/emulator/index.js'
import type { Emulator } from '../../src/emulator/index.js'
import { writeFileAtomic } from '../../src/util/atomic.js'
import { sha256Hex } from '../../src/util/hash.js'
import { inDir, loadSnippet, runScript, writeEntry } from '../helpers/bundlers.js'
import { FAST_HTTP, glbTask } from '../helpers/env.js'
import { tempDir } from '../helpers/tmp.js'

let emu: Emulator
let cache: string
let fox: Awaited<ReturnType<typeof glbTask>>
let bunny: Awaited<ReturnType<typeof glbTask>>

beforeAll(async () => {
  emu = await startEmulator({ assets: [] })
  cache = await mkdtemp(join(tmpdir(), 'rodin-watch-cache-'))
  fox = await glbTask(emu, 'khr_fox.glb')
  bunny = await glbTask(emu, 'pmndrs_bunny_draco.glb')
})

afterAll(async () => {
  await emu?.close()
  if (cache) await rm(cache, { recursive: true, force: true })
})

// Edits replace the file by rename, as many editors save: a file watcher then sees each edit however soon it
// follows the plugin's own (also renaming) lockfile write.
const writeManifest = (root: string, assets: Record<string, string>) =>
  writeFileAtomic(join(root, 'assets.rodin.json'), `${JSON.stringify({ assets }, null, 2)}\n`)
const tasksAsked = () => new Set(emu.requests.map(r => r.task).filter(Boolean))

/** vi.waitFor gives up after 1 s by default; a busy 2-core machine needs longer to write a lockfile. */
const SLOW_MACHINE = { timeout: 20_000, interval: 25 }

describe('Vite dev server', () => {
  it('a manifest or lockfile edit re-resolves only the changed assets and hot-updates only their importers', async () => {
    const root = await tempDir('rodin-hmr-')
    await writeManifest(root, { a: fox.uuid, b: bunny.uuid })
    await mkdir(join(root, 'src'))
    for (const alias of ['a', 'b']) {
      await writeFile(
        join(root, `src/${alias}.js`),
        `import url from 'rodin:${alias}'\nexport default url\nif (import.meta.hot) import.meta.hot.accept()\n`,
      )
    }
    const { createServer } = await import('vite')
    const server: ViteDevServer = await createServer({
      root,
      configFile: false,
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0 },
      optimizeDeps: { noDiscovery: true, include: [] },
      plugins: [
        rodin({
          mode: 'auto',
          cacheDir: cache,
          providers: { rodin: { apiKey: emu.apiKey, baseURL: emu.rodinBaseURL } },
          http: FAST_HTTP,
          logLevel: 'silent',
          dts: true,
        }),
      ],
    })
    try {
      await server.listen()
      // chokidar drops a change event that follows another one of the same file within 50 ms; the plugin's own
      // lockfile writes are such events, so an edit right after one waits that long (a person would anyway).
      const lastChange = new Map<string, number>()
      server.watcher.on('change', file => lastChange.set(file, Date.now()))
      const quiet = (file: string) =>
        vi.waitFor(() => expect(Date.now() - (lastChange.get(file) ?? 0)).toBeGreaterThan(60), {
          timeout: 20_000,
          interval: 10,
        })
      const client = server.environments.client
      const code = async (alias: string) => {
        await client.transformRequest(`/src/${alias}.js`)
        const id = [...client.moduleGraph.idToModuleMap.keys()].find(k => k.includes(`rodin%3A${alias}/primary.js`))!
        return (await client.transformRequest(client.moduleGraph.getModuleById(id)!.url))!.code
      }
      const before = { a: await code('a'), b: await code('b') }
      expect(before.a).toMatch(/\/a-[0-9a-f]{12}\.glb\?import&url/)
      const updates: { path: string }[][] = []
      const send = vi.spyOn(client.hot, 'send').mockImplementation((payload: unknown) => {
        if ((payload as { type?: string }).type === 'update')
          updates.push((payload as { updates: { path: string }[] }).updates)
      })

      // 1. Manifest: "a" now points at another task and "c" is new; "b" is untouched.
      emu.clearLog()
      await writeManifest(root, { a: bunny.uuid, b: bunny.uuid, c: fox.uuid })
      await vi.waitFor(() => expect(updates).toHaveLength(1), { timeout: 20_000, interval: 25 })
      expect(updates[0]!.map(u => u.path)).toEqual(['/src/a.js'])
      const after = { a: await code('a'), b: await code('b') }
      expect(after.b).toBe(before.b)
      expect(after.a).not.toBe(before.a)
      expect(after.a).toContain(`"task": "${bunny.uuid}"`)
      expect(tasksAsked().has(fox.uuid)).toBe(false) // "b" and the old "a" were not asked for again
      // The declarations follow the manifest.
      await vi.waitFor(
        async () => expect(await readFile(join(root, 'rodin-env.d.ts'), 'utf8')).toContain('declare module "rodin:c"'),
        SLOW_MACHINE,
      )

      // 2. Lockfile: dropping b's pin re-resolves b alone (and the plugin's own re-pin triggers nothing further).
      const lockPath = join(root, 'assets.rodin.lock.json')
      await vi.waitFor(
        async () => expect(Object.keys(JSON.parse(await readFile(lockPath, 'utf8')).assets).sort()).toEqual(['a', 'b']),
        SLOW_MACHINE,
      )
      const lock = JSON.parse(await readFile(lockPath, 'utf8'))
      delete lock.assets.b
      await quiet(lockPath)
      await writeFileAtomic(lockPath, `${JSON.stringify(lock, null, 2)}\n`)
      await vi.waitFor(() => expect(updates).toHaveLength(2), { timeout: 20_000, interval: 25 })
      expect(updates[1]!.map(u => u.path)).toEqual(['/src/b.js'])
      expect(await code('b')).toBe(before.b) // same bytes, re-pinned
      await vi.waitFor(
        async () => expect(JSON.parse(await readFile(lockPath, 'utf8')).assets.b).toBeDefined(),
        SLOW_MACHINE,
      )
      expect(updates).toHaveLength(2)
      send.mockRestore()
    } finally {
      await server.close()
    }
  })
})

describe('webpack watch mode', () => {
  it('rebuilds with the new asset when the manifest changes', async () => {
    const root = await tempDir('rodin-watch-')
    await writeManifest(root, { hero: fox.uuid })
    await writeEntry(root, 'hero')
    vi.stubEnv('RODIN_MODE', 'auto')
    vi.stubEnv('RODIN_BASE_URL', emu.rodinBaseURL)
    vi.stubEnv('RODIN_API_KEY', emu.apiKey)
    vi.stubEnv('RODIN_CACHE_DIR', cache)
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const webpack = (await import('webpack')).default
    const compiler = await inDir(root, async () =>
      webpack({ mode: 'development', devtool: false, ...(await loadSnippet('webpack')) }),
    )
    const errors: string[] = []
    const watching = compiler.watch({ aggregateTimeout: 20 }, (err, stats) => {
      if (err || stats?.hasErrors()) errors.push(String(err ?? stats?.toString({ all: false, errors: true })))
    })
    try {
      const app = async () => runScript(await readFile(join(root, 'dist/main.js'), 'utf8'))
      await vi.waitFor(async () => expect((await app()).meta.task).toBe(fox.uuid), { timeout: 30_000, interval: 50 })
      await writeManifest(root, { hero: bunny.uuid })
      await vi.waitFor(async () => expect((await app()).meta.task).toBe(bunny.uuid), { timeout: 30_000, interval: 50 })
      const { url, meta } = await app()
      expect(sha256Hex(await readFile(join(root, 'dist', url.slice('/static/'.length))))).toBe(meta.sha256)
      expect(errors).toEqual([])
    } finally {
      await new Promise<void>(done => (watching ? watching.close(() => compiler.close(() => done())) : done()))
      vi.unstubAllEnvs()
      log.mockRestore()
    }
  })
})
