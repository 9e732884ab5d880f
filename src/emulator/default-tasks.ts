import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { EmulatorFile, EmulatorRodinTask } from './types.js'

// Two levels up reaches the repository root from both src/emulator/ and dist/emulator/.
const FIXTURES = new URL('../../fixtures/', import.meta.url)

const SOURCES = {
  fox: 'khr_fox.glb',
  crate: 'sketchfab_wooden_crate.glb',
  bunny_draco: 'pmndrs_bunny_draco.glb',
  morph: 'khr_morphstresstest.glb',
  barnlamp: 'khr_anisotropy_barnlamp.glb',
  barnlamp_ktx2: 'khr_barnlamp_ktx2.glb',
} as const

export type DefaultTaskAlias = keyof typeof SOURCES

/** Fixed task uuids of the default tasks, by alias, so manifests and tests can name them. */
export const DEFAULT_TASK_IDS: Readonly<Record<DefaultTaskAlias, string>> = Object.freeze({
  fox: '3f0c9a52-8d1e-4b6a-9c37-5e2f1a7b0d11',
  crate: '7a41d2c8-0e6b-4f93-a5d2-c81e6b9f3a22',
  bunny_draco: 'b2e85f17-4c9a-4d03-8e6f-1a7c3d5b9e33',
  morph: 'c9d3a6e4-2f8b-4e15-b7a9-6d0e4c2f8a44',
  barnlamp: 'e4b7c1d9-5a2e-4f86-9b3c-7f1d8e6a2c55',
  barnlamp_ktx2: '0b6f2e4a-7c1d-4e59-a3b8-2d9f6c1e7a66',
})

/** Fixed subscription keys of the default tasks (for `/status`), by alias. */
export const DEFAULT_SUBSCRIPTION_KEYS: Readonly<Record<DefaultTaskAlias, string>> = Object.freeze(
  Object.fromEntries(Object.keys(SOURCES).map(alias => [alias, `sub-emulator-${alias}`])) as Record<
    DefaultTaskAlias,
    string
  >,
)

const cache = new Map<string, Uint8Array>()

function fixture(name: string): Uint8Array {
  let bytes = cache.get(name)
  if (!bytes) {
    const path = fileURLToPath(new URL(name, FIXTURES))
    try {
      bytes = new Uint8Array(readFileSync(path))
    } catch (err) {
      throw new Error(
        `emulator: default task file ${path} is missing (the fixtures/ folder ships with the repository, ` +
          'not the npm package); pass `assets` to startEmulator()',
        { cause: err },
      )
    }
    cache.set(name, bytes)
  }
  return bytes
}

/** A file whose bytes are read from fixtures/ on first access, so importing this module costs nothing. */
export function lazyFile(name: string, source: string, contentType: string): EmulatorFile {
  return Object.freeze({
    name,
    contentType,
    get bytes() {
      return fixture(source)
    },
  })
}

/**
 * One finished task per repository fixture, each listing `base_basic_pbr.glb` (the fixture) and `preview.webp`
 * like a real Rodin PBR result. Bytes load on first access (the emulator reads them at start).
 */
export const DEFAULT_TASKS: readonly EmulatorRodinTask[] = Object.freeze(
  // Frozen all the way down: one test editing a default task must not change what the next emulator serves.
  (Object.keys(SOURCES) as DefaultTaskAlias[]).map(alias =>
    Object.freeze({
      uuid: DEFAULT_TASK_IDS[alias],
      subscriptionKey: DEFAULT_SUBSCRIPTION_KEYS[alias],
      files: Object.freeze([
        lazyFile('base_basic_pbr.glb', SOURCES[alias], 'model/gltf-binary'),
        lazyFile('preview.webp', 'preview.webp', 'image/webp'),
      ]) as EmulatorFile[],
      jobs: Object.freeze([Object.freeze(['Done'])]) as string[][],
    }),
  ),
)
