// Loaded by index.ts on first use only: three.js itself is imported here, never when the package is imported.
import { LoadingManager } from 'three'
import type { WebGLRenderer } from 'three'
import type { DRACOLoader } from 'three/examples/jsm/loaders/DRACOLoader.js'
import type { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js'
import type { KTX2Loader } from 'three/examples/jsm/loaders/KTX2Loader.js'
import { runtimeErrors } from '../catalogue/runtime.js'
import type { DecoderNeeds } from '../meta.js'

/**
 * Public URL of each decoder file, by its file name in three's `examples/jsm/libs/...` folder. The plugin serves
 * `unplugin-rodin/three/decoders/<set>` as a module whose default export is such a map: the files themselves are
 * emitted by the user's bundler from the installed `three` package (never a CDN).
 */
export type DecoderFiles = Readonly<Record<string, string>>

/** What `setKTX2Loader` needs to pick a GPU format; a `WebGLRenderer` (or WebGPU renderer) has it. */
export type KTX2Renderer = WebGLRenderer | Parameters<KTX2Loader['detectSupport']>[0]

// Prefixes no real URL has: the loaders ask for `<prefix>draco_decoder.wasm` etc., their manager maps it.
const DRACO_PREFIX = 'unplugin-rodin-decoders:draco/'
const BASIS_PREFIX = 'unplugin-rodin-decoders:basis/'

// One promise per decoder for the page's lifetime: its code (and its workers) load once, on first need, and
// every later load shares them.
let meshopt: Promise<unknown> | undefined
let draco: Promise<DRACOLoader> | undefined
let ktx2: Promise<KTX2Loader> | undefined
const ktx2Renderers = new WeakSet<object>()

function decoderFiles(set: 'draco' | 'basis'): Promise<DecoderFiles> {
  // Two literal specifiers (not one template): bundlers must see each one to hand it to the plugin.
  const mod =
    set === 'draco' ? import('unplugin-rodin/three/decoders/draco') : import('unplugin-rodin/three/decoders/basis')
  return mod.then(m => {
    const files = m.default as DecoderFiles | null
    if (!files) {
      throw runtimeErrors.decodersNotEmitted({ set })
    }
    return files
  })
}

function fileOf(files: DecoderFiles, name: string): string {
  const url = files[name]
  if (!url) throw runtimeErrors.decoderFileMissing({ file: name })
  return url
}

function loadMeshopt(): Promise<unknown> {
  meshopt ??= import('three/examples/jsm/libs/meshopt_decoder.module.js').then(async m => {
    await m.MeshoptDecoder.ready
    return m.MeshoptDecoder
  })
  return meshopt
}

function loadDraco(): Promise<DRACOLoader> {
  draco ??= Promise.all([import('three/examples/jsm/loaders/DRACOLoader.js'), decoderFiles('draco')]).then(
    ([{ DRACOLoader }, files]) => new DRACOLoader(mappedManager(DRACO_PREFIX, files)).setDecoderPath(DRACO_PREFIX),
  )
  // A failed load (say, offline) may be retried by the next model.
  draco.catch(() => {
    draco = undefined
  })
  return draco
}

/**
 * A loading manager that turns `<prefix><file name>` into the emitted file's URL: the emitted names are
 * content-hashed, so no single decoder path would reach them all. (Works with every three.js release: both
 * loaders fetch their files through their manager.)
 */
function mappedManager(prefix: string, files: DecoderFiles): LoadingManager {
  const manager = new LoadingManager()
  const urls = new Map(Object.keys(files).map(name => [`${prefix}${name}`, fileOf(files, name)]))
  manager.setURLModifier(url => urls.get(url) ?? url)
  return manager
}

function loadKtx2(): Promise<KTX2Loader> {
  ktx2 ??= Promise.all([import('three/examples/jsm/loaders/KTX2Loader.js'), decoderFiles('basis')]).then(
    ([{ KTX2Loader }, files]) => new KTX2Loader(mappedManager(BASIS_PREFIX, files)).setTranscoderPath(BASIS_PREFIX),
  )
  ktx2.catch(() => {
    ktx2 = undefined
  })
  return ktx2
}

/**
 * Gives `loader` exactly the decoders `needs` names, loading each decoder's code on first use only.
 * `asset` names the model in errors. KTX2 needs `renderer` (to choose a GPU texture format).
 */
export async function setUpDecoders(
  loader: GLTFLoader,
  needs: Partial<DecoderNeeds>,
  asset: string,
  renderer?: KTX2Renderer,
): Promise<Array<keyof DecoderNeeds>> {
  if (needs.ktx2 && !renderer) {
    throw runtimeErrors.rendererNeeded({ asset })
  }
  const used: Array<keyof DecoderNeeds> = []
  const steps: Promise<void>[] = []
  if (needs.meshopt) {
    used.push('meshopt')
    steps.push(
      loadMeshopt().then(d => void loader.setMeshoptDecoder(d as Parameters<GLTFLoader['setMeshoptDecoder']>[0])),
    )
  }
  if (needs.draco) {
    used.push('draco')
    steps.push(loadDraco().then(d => void loader.setDRACOLoader(d)))
  }
  if (needs.ktx2) {
    used.push('ktx2')
    steps.push(
      loadKtx2().then(k => {
        // Once per renderer: detectSupport reads its capabilities; one KTX2 loader serves every model.
        if (!ktx2Renderers.has(renderer!)) {
          k.detectSupport(renderer as WebGLRenderer)
          ktx2Renderers.add(renderer!)
        }
        loader.setKTX2Loader(k)
      }),
    )
  }
  await Promise.all(steps)
  return used
}
