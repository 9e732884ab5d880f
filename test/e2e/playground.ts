import { fixtureModelslabTasks, fixtureTasks } from '../../fixtures/tasks.js'
import { copyFile, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InlineConfig } from 'vite'
import { playgroundConfig, PLAYGROUND_ROOT } from '../../playground/config.js'
import { startEmulator } from '../../src/emulator/index.js'
import type { Emulator } from '../../src/emulator/index.js'
import { generateRodinLikeGlb } from '../../src/emulator/rodin-like.js'
import type { RodinOptions } from '../../src/options.js'
import { DECODER_ID_RE } from '../../src/plugin/decoders.js'
import { sourceAliases } from '../helpers/source.js'

export const PLAYGROUND_MANIFEST = join(PLAYGROUND_ROOT, 'assets.rodin.json')
export const PLAYGROUND_LOCKFILE = join(PLAYGROUND_ROOT, 'assets.rodin.lock.json')

export interface PlaygroundEnv {
  emu: Emulator
  /** Temp dir holding the Rodin cache, the lockfile copy, Vite's dep cache and the build output. */
  dir: string
  /** The temp copy of the committed lockfile that the plugin reads and may write. */
  lockfile: string
  aliases: string[]
  /** The playground's own Vite config with the plugin aimed at the emulator; never writes into the repository. */
  config: (extra: InlineConfig) => InlineConfig
}

/**
 * What `npm run demo` sets up, isolated for a test: the emulator with the fixture models plus the generated
 * Rodin-like model (same task and bytes as the demo, so the committed lockfile's pins apply), mode `auto`,
 * a temp cache and a temp copy of the committed lockfile.
 */
export async function playgroundEnv(): Promise<PlaygroundEnv> {
  const manifest = JSON.parse(await readFile(PLAYGROUND_MANIFEST, 'utf8')) as {
    assets: Record<string, string | { task: string; subscriptionKey?: string }>
  }
  const rodinLike = manifest.assets['rodin-like']
  if (typeof rodinLike !== 'object' || !rodinLike.subscriptionKey)
    throw new Error('playground manifest: "rodin-like" must name a task and a subscriptionKey')

  const emu = await startEmulator({ assets: fixtureTasks(), modelslabTasks: fixtureModelslabTasks() })
  emu.addTask({
    uuid: rodinLike.task,
    subscriptionKey: rodinLike.subscriptionKey,
    files: [
      {
        name: 'base_basic_pbr.glb',
        bytes: await generateRodinLikeGlb({ triangles: 30_000, textureSize: 1024, seed: 7 }),
      },
    ],
    jobs: [['Waiting', 'Generating', 'Done']],
  })
  const dir = await mkdtemp(join(tmpdir(), 'rodin-e2e-'))
  const lockfile = join(dir, 'assets.rodin.lock.json')
  await copyFile(PLAYGROUND_LOCKFILE, lockfile)
  const options: RodinOptions = {
    mode: 'auto',
    cacheDir: join(dir, 'rodin-cache'),
    lockfile,
    providers: {
      rodin: { apiKey: emu.apiKey, baseURL: emu.rodinBaseURL },
      modelslab: { apiKey: emu.apiKey, baseURL: emu.modelslabBaseURL },
    },
    wait: { timeoutMs: 30_000, intervalMs: 20 },
    logLevel: 'silent',
  }
  const base = playgroundConfig(options)
  return {
    emu,
    dir,
    lockfile,
    aliases: Object.keys(manifest.assets).sort(),
    config: extra => ({
      ...base,
      ...extra,
      configFile: false,
      // Vite's dependency cache would default to playground/node_modules/.vite.
      cacheDir: join(dir, 'vite-cache'),
      logLevel: 'warn',
      build: { ...base.build, outDir: join(dir, 'dist'), emptyOutDir: true, ...extra.build },
      // The pages import unplugin-rodin/three and /react: from src/, like the plugin. The decoder modules are
      // the plugin's to resolve (it emits the installed decoder files), so they keep their ids.
      resolve: { alias: sourceAliases(DECODER_ID_RE) },
    }),
  }
}
