import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, vi } from 'vitest'
import { startEmulator } from '../../src/emulator/index.js'
import type { Emulator } from '../../src/emulator/index.js'
import { glbTask } from './env.js'

export const BUNDLERS = ['vite', 'rollup', 'rolldown', 'webpack', 'rspack', 'esbuild'] as const
export type Bundler = (typeof BUNDLERS)[number]

/** The documented configs (docs/bundlers/*.config.js): the tests build exactly these. */
export const SNIPPETS = new URL('../../docs/bundlers/', import.meta.url)

/** Public path each documented config sets; `null`: URLs resolve against the chunk (`import.meta.url`). */
export const PUBLIC_PATH: Record<Bundler, string | null> = {
  vite: '/game/',
  rollup: null,
  rolldown: null,
  webpack: '/static/',
  rspack: '/static/',
  esbuild: '/static/',
}

/** What the app entry exposes (see {@link writeEntry}). */
export interface AppResult {
  url: string
  meta: { sha256: string; bytes: number; kind: string; [k: string]: unknown }
  preview: string | null
  metaOnly: Record<string, unknown>
  raw: string
  rawMeta: { sha256: string }
}

/** `src/main.js` importing one alias every way that emits a file, and exposing the values on `globalThis`. */
export async function writeEntry(root: string, alias: string): Promise<void> {
  await mkdir(join(root, 'src'), { recursive: true })
  await writeFile(
    join(root, 'src/main.js'),
    [
      `import url, { meta, preview } from 'rodin:${alias}'`,
      `import metaOnly from 'rodin:${alias}?meta'`,
      `import raw, { meta as rawMeta } from 'rodin:${alias}?raw'`,
      `globalThis.rodinResult = { url, meta, preview, metaOnly, raw, rawMeta }`,
      '',
    ].join('\n'),
  )
}

/** A documented config, imported afresh: bundler plugins capture the working directory when created. */
export async function loadSnippet<T = Record<string, any>>(bundler: Bundler): Promise<T> {
  const url = new URL(`${bundler}.config.js`, SNIPPETS)
  return (await import(`${url.href}?fresh=${Date.now()}-${Math.random()}`)).default as T
}

/** Runs `fn` with `dir` as the working directory, as a user runs a bundler from the project root. */
export async function inDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = process.cwd()
  process.chdir(dir)
  try {
    return await fn()
  } finally {
    process.chdir(previous)
  }
}

interface WebpackLikeStats {
  hasErrors: () => boolean
  toString: (o?: unknown) => string
  toJson: (o?: unknown) => { modules?: StatsModule[] }
}

interface StatsModule {
  name?: string
  moduleType?: string
  modules?: StatsModule[]
}

const STATS_MODULES = {
  all: false,
  modules: true,
  nestedModules: true,
  orphanModules: true,
  modulesSpace: Infinity,
  nestedModulesSpace: Infinity,
}

/** Production builds concatenate modules; the stats nest the originals. */
function flatModules(list: StatsModule[] = []): BuildResult['modules'] {
  return list.flatMap(m =>
    m.modules ? flatModules(m.modules) : m.name ? [{ name: m.name, type: m.moduleType ?? '' }] : [],
  )
}

function checkStats(stats: WebpackLikeStats | undefined, err: Error | null): void {
  if (err) throw err
  if (!stats || stats.hasErrors()) throw new Error(stats?.toString({ all: false, errors: true }) ?? 'no stats')
}

export interface BuildResult {
  outDir: string
  /** webpack and Rspack: every module's name and type, from the stats. */
  modules: { name: string; type: string }[]
}

/**
 * Builds the project in `root` with the documented config of `bundler`; `extend` may add to it what a project
 * of that kind has anyway (e.g. Rollup's node-resolve for packages in node_modules).
 */
export async function build(
  bundler: Bundler,
  root: string,
  extend: (config: Record<string, any>) => Record<string, any> = c => c,
): Promise<BuildResult> {
  return inDir(root, async () => {
    let modules: BuildResult['modules'] = []
    const config = extend(await loadSnippet(bundler))
    if (bundler === 'vite') {
      const vite = await import('vite')
      await vite.build({
        ...config,
        root,
        configFile: false,
        logLevel: 'silent',
        build: { outDir: 'dist', emptyOutDir: true, rollupOptions: { input: 'src/main.js' } },
      })
    } else if (bundler === 'rollup') {
      const { rollup } = await import('rollup')
      const bundle = await rollup(config)
      await bundle.write(config.output)
      await bundle.close()
    } else if (bundler === 'rolldown') {
      const { build } = await import('rolldown')
      await build(config as import('rolldown').BuildOptions)
    } else if (bundler === 'webpack' || bundler === 'rspack') {
      const create = bundler === 'webpack' ? (await import('webpack')).default : (await import('@rspack/core')).rspack
      const compiler = (create as (c: unknown) => any)({ mode: 'production', ...config })
      await new Promise<void>((done, fail) =>
        compiler.run((err: Error | null, stats: WebpackLikeStats) => {
          compiler.close(() => {
            try {
              checkStats(stats, err)
              const all = flatModules(stats.toJson(STATS_MODULES).modules)
              modules = [...new Map(all.map(m => [m.name, m])).values()]
              done()
            } catch (e) {
              fail(e)
            }
          })
        }),
      )
    } else {
      const esbuild = await import('esbuild')
      await esbuild.build({ ...config, logLevel: 'silent' })
    }
    return { outDir: join(root, 'dist'), modules }
  })
}

/** Runs the built entry and returns what it exposed. ES chunks are imported; browser bundles run in a VM. */
export async function runEntry(bundler: Bundler, outDir: string): Promise<AppResult> {
  const js = await entryFile(bundler, outDir)
  if (bundler === 'vite' || bundler === 'rollup' || bundler === 'rolldown') {
    const g = globalThis as { rodinResult?: AppResult }
    delete g.rodinResult
    await import(`${pathToFileURL(js).href}?run=${Math.random()}`)
    const result = g.rodinResult!
    delete g.rodinResult
    return result
  }
  return runScript(await readFile(js, 'utf8'))
}

/** Evaluates a browser bundle with no DOM at all (generated code must not need one). */
export function runScript(code: string): AppResult {
  const sandbox: Record<string, unknown> = {}
  sandbox.self = sandbox
  runInNewContext(code, sandbox)
  return sandbox.rodinResult as AppResult
}

/** The built entry chunk. */
export async function entryFile(bundler: Bundler, outDir: string): Promise<string> {
  if (bundler !== 'vite') return join(outDir, 'main.js')
  const names = await readdir(join(outDir, 'assets'))
  return join(outDir, 'assets', names.find(n => n.endsWith('.js'))!)
}

/** Where an emitted URL points to in the output directory. */
export function fileOfUrl(bundler: Bundler, outDir: string, url: string): string {
  const base = PUBLIC_PATH[bundler]
  if (base === null) return fileURLToPath(url)
  if (!url.startsWith(base)) throw new Error(`${url} does not start with the public path ${base}`)
  return join(outDir, url.slice(base.length))
}

/**
 * One emulator serving a fox task and one temp cache for a whole test file. The documented configs take no
 * options, so the environment carries them, as in CI. Fields are filled in by the file's first beforeAll.
 */
export function useEmulatorEnv(cachePrefix: string) {
  const suite = {} as { emu: Emulator; cache: string; task: Awaited<ReturnType<typeof glbTask>> }
  beforeAll(async () => {
    suite.emu = await startEmulator({ assets: [] })
    suite.cache = await mkdtemp(join(tmpdir(), cachePrefix))
    suite.task = await glbTask(suite.emu, 'khr_fox.glb')
    vi.stubEnv('RODIN_MODE', 'auto')
    vi.stubEnv('RODIN_BASE_URL', suite.emu.rodinBaseURL)
    vi.stubEnv('RODIN_API_KEY', suite.emu.apiKey)
    vi.stubEnv('RODIN_CACHE_DIR', suite.cache)
    vi.spyOn(console, 'log').mockImplementation(() => {})
  })
  afterAll(async () => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
    await suite.emu?.close()
    if (suite.cache) await rm(suite.cache, { recursive: true, force: true })
  })
  return suite
}
