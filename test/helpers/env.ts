import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { startEmulator } from '../../src/emulator/index.js'
import type { Emulator, EmulatorOptions, EmulatorRodinTask } from '../../src/emulator/index.js'
import { parseManifest } from '../../src/manifest/manifest-parse.js'
import { resolveOptions } from '../../src/options.js'
import type { RodinOptions } from '../../src/options.js'
import { Pipeline } from '../../src/pipeline/pipeline.js'
import { fixtureModelslabTasks, fixtureTasks } from '../../fixtures/tasks.js'
import { tempDir } from './tmp.js'

export const FIXTURES = new URL('../../fixtures/', import.meta.url)
export const fixture = (name: string) => readFile(new URL(name, FIXTURES)).then(b => new Uint8Array(b))

/**
 * An emulator closed when the test ends. Unless told otherwise it serves the repository's fixture models (the
 * package's own defaults are generated models; these tests want skins, morphs, Draco and KTX2 inputs).
 */
export async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emu = await startEmulator({ assets: fixtureTasks(), modelslabTasks: fixtureModelslabTasks(), ...options })
  onTestFinished(() => emu.close())
  return emu
}

/** Fast retries so fault tests do not wait for real back-off. */
export const FAST_HTTP = { minRetryDelayMs: 1, maxRetryDelayMs: 5, stallTimeoutMs: 1_000, headersTimeoutMs: 5_000 }

/** A project dir with a manifest, and plugin options aimed at `emu`, in mode `auto` unless told otherwise. */
export async function project(emu: Emulator, assets: Record<string, unknown> | string[], extra: RodinOptions = {}) {
  const root = await tempDir('rodin-project-')
  const manifest = JSON.stringify({ assets }, null, 2)
  const { writeFile } = await import('node:fs/promises')
  await writeFile(join(root, 'assets.rodin.json'), manifest)
  const options: RodinOptions = {
    mode: 'auto',
    cacheDir: join(root, '.cache'),
    providers: { rodin: { apiKey: emu.apiKey, baseURL: emu.rodinBaseURL } },
    wait: { timeoutMs: 5_000, intervalMs: 10 },
    http: FAST_HTTP,
    logLevel: 'silent',
    ...extra,
  }
  const pipelines: Pipeline[] = []
  onTestFinished(() => Promise.all(pipelines.map(p => p.close())).then(() => {}))
  return {
    root,
    options,
    lockfile: join(root, 'assets.rodin.lock.json'),
    manifest: parseManifest(manifest, join(root, 'assets.rodin.json')),
    pipeline(more: RodinOptions = {}) {
      const p = new Pipeline(resolveOptions({ ...options, ...more }, root, {}))
      pipelines.push(p)
      return p
    },
  }
}

export async function glbTask(emu: Emulator, fixtureName: string, extra: Partial<EmulatorRodinTask> = {}) {
  const bytes = await fixture(fixtureName)
  const preview = await fixture('preview.webp')
  return {
    ...emu.addTask({
      files: [
        { name: 'base_basic_pbr.glb', bytes },
        { name: 'preview.webp', bytes: preview },
      ],
      ...extra,
    }),
    bytes,
  }
}

/** Two locked-in-one-go assets (a textured, animated model and a Draco one) and the env a build process needs. */
export async function twoAssetProject() {
  const { writeApp } = await import('./vite-app.js')
  const emu = await emulator({ assets: [] })
  const fox = await glbTask(emu, 'khr_fox.glb')
  const bunny = await glbTask(emu, 'pmndrs_bunny_draco.glb')
  const p = await project(emu, { fox: fox.uuid, bunny: bunny.uuid })
  await writeApp(p.root, { fox: 'rodin:fox', bunny: 'rodin:bunny' })
  const env = {
    RODIN_BASE_URL: emu.rodinBaseURL,
    RODIN_API_KEY: emu.apiKey,
    RODIN_CACHE_DIR: p.options.cacheDir!,
    RODIN_MODE: 'auto',
  }
  return { emu, p, env, fox, bunny }
}

/** Every file a Vite build emitted under `assets/`, by name, as base64 (for byte-identity checks). */
export async function emittedAssets(outDir: string): Promise<Record<string, string>> {
  const { readdir } = await import('node:fs/promises')
  const out: Record<string, string> = {}
  for (const name of await readdir(join(outDir, 'assets')))
    out[name] = (await readFile(join(outDir, 'assets', name))).toString('base64')
  return out
}
