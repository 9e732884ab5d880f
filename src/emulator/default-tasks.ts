import { poster } from './provider-defaults.js'
import { generateRodinLikeGlb } from './rodin-like.js'
import type { EmulatorModelslabTask, EmulatorRodinTask } from './types.js'

/** Fixed task uuids of the default tasks, by alias, so manifests and tests can name them. */
export const DEFAULT_TASK_IDS = Object.freeze({
  'rodin-pbr': '1c7e4a90-3b2d-4f58-9a61-0d8e2f4b6c71',
  'rodin-shaded': '2d8f5b01-4c3e-4a69-8b72-1e9f3a5c7d82',
})

export type DefaultTaskAlias = keyof typeof DEFAULT_TASK_IDS

/** Fixed subscription keys of the default tasks (for `/status`), by alias. */
export const DEFAULT_SUBSCRIPTION_KEYS: Readonly<Record<DefaultTaskAlias, string>> = Object.freeze({
  'rodin-pbr': 'sub-emulator-rodin-pbr',
  'rodin-shaded': 'sub-emulator-rodin-shaded',
})

/** Id of the default ModelsLab task (numeric, like the real API's). */
export const DEFAULT_MODELSLAB_TASK_ID = 424242

let rodin: Promise<readonly EmulatorRodinTask[]> | undefined
let modelslab: Promise<readonly EmulatorModelslabTask[]> | undefined

/**
 * The Rodin tasks served when `startEmulator()` is given no `assets`: generated Rodin-like results (the package
 * ships no third-party models). `rodin-pbr` is a 20k-triangle PBR model with three 1024² PNG textures and a
 * `preview.webp`; `rodin-shaded` an untextured 18k-triangle `base_basic_shaded.glb`. Same bytes on every run;
 * generated once per process, on first use.
 */
export function defaultRodinTasks(): Promise<readonly EmulatorRodinTask[]> {
  rodin ??= Promise.all([
    generateRodinLikeGlb({ triangles: 20_000, textureSize: 1024, seed: 1 }),
    generateRodinLikeGlb({ triangles: 18_000, material: 'shaded', seed: 2 }),
    previewWebp(),
  ]).then(([pbr, shaded, preview]) =>
    deepFreeze([
      task('rodin-pbr', { name: 'base_basic_pbr.glb', bytes: pbr, contentType: 'model/gltf-binary' }, preview),
      task('rodin-shaded', { name: 'base_basic_shaded.glb', bytes: shaded, contentType: 'model/gltf-binary' }, preview),
    ]),
  )
  rodin.catch(() => {
    rodin = undefined
  })
  return rodin
}

/** One finished ModelsLab task whose `output` is a generated GLB named like ModelsLab's (`<uuid>-0.glb`). */
export function defaultModelslabTasks(): Promise<readonly EmulatorModelslabTask[]> {
  modelslab ??= generateRodinLikeGlb({ triangles: 8_000, textureSize: 512, seed: 3 }).then(bytes =>
    deepFreeze([
      {
        id: DEFAULT_MODELSLAB_TASK_ID,
        files: [{ name: '6f1d3b2a-9c8e-4d7f-a1b2-c3d4e5f60718-0.glb', bytes, contentType: 'model/gltf-binary' }],
        statuses: ['success'],
      },
    ]),
  )
  modelslab.catch(() => {
    modelslab = undefined
  })
  return modelslab
}

function task(
  alias: DefaultTaskAlias,
  model: EmulatorRodinTask['files'][number],
  preview: Uint8Array,
): EmulatorRodinTask {
  return {
    uuid: DEFAULT_TASK_IDS[alias],
    subscriptionKey: DEFAULT_SUBSCRIPTION_KEYS[alias],
    files: [model, { name: 'preview.webp', bytes: preview, contentType: 'image/webp' }],
    jobs: [['Done']],
  }
}

async function previewWebp(): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp')
  const jpeg = await poster(2, 256)
  return new Uint8Array(await sharp(jpeg).webp({ quality: 70 }).toBuffer())
}

// Frozen all the way down (bytes aside): one test editing a default task must not change what the next serves.
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
