import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { startEmulator } from '../../src/emulator/index.js'
import type { Emulator, EmulatorOptions, EmulatorRodinTask } from '../../src/emulator/index.js'
import { parseManifest } from '../../src/manifest/manifest.js'
import { resolveOptions } from '../../src/options.js'
import type { RodinOptions } from '../../src/options.js'
import { Pipeline } from '../../src/pipeline/pipeline.js'
import { tempDir } from './tmp.js'

export const FIXTURES = new URL('../../fixtures/', import.meta.url)
export const fixture = (name: string) => readFile(new URL(name, FIXTURES)).then(b => new Uint8Array(b))

/** An emulator closed when the test ends. */
export async function emulator(options?: EmulatorOptions): Promise<Emulator> {
  const emu = await startEmulator(options)
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
  return { ...emu.addTask({ files: [{ name: 'base_basic_pbr.glb', bytes }, { name: 'preview.webp', bytes: preview }], ...extra }), bytes }
}
