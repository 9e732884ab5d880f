import type { NodeIO } from '@gltf-transform/core'
import type { MeshoptEncoder, MeshoptSimplifier } from 'meshoptimizer'
import type Sharp from 'sharp'
import type { ZSTDDecoder } from 'zstddec'

// draco3dgltf ships no types; a non-literal specifier keeps TypeScript from asking for them.
const DRACO_MODULE = 'draco3dgltf'

interface DracoFactory {
  createEncoderModule: () => Promise<unknown>
  createDecoderModule: () => Promise<unknown>
}

export interface Meshopt {
  encoder: typeof MeshoptEncoder
  simplifier: typeof MeshoptSimplifier
}

let ioPromise: Promise<NodeIO> | undefined
let meshoptPromise: Promise<Meshopt> | undefined
let sharpPromise: Promise<typeof Sharp> | undefined
let zstdPromise: Promise<ZSTDDecoder> | undefined

/**
 * The one NodeIO of this thread, built on first use: every extension glTF-Transform knows, the meshopt
 * encoder/decoder and the Draco encoder/decoder, so compressed input is decoded and can be re-encoded.
 * Only ever used with `readBinary`/`writeBinary`: `io.read(path)` would follow `uri`s into the file system.
 */
export function getIO(): Promise<NodeIO> {
  ioPromise ??= createIO().catch((err: unknown) => {
    ioPromise = undefined // a failed load (e.g. a missing optional package) must not poison later attempts
    throw err
  })
  return ioPromise
}

async function createIO(): Promise<NodeIO> {
  const [core, extensions, meshopt, draco] = await Promise.all([
    import('@gltf-transform/core'),
    import('@gltf-transform/extensions'),
    import('meshoptimizer'),
    import(DRACO_MODULE).then(m => (m.default ?? m) as DracoFactory),
  ])
  await Promise.all([meshopt.MeshoptEncoder.ready, meshopt.MeshoptDecoder.ready])
  const [dracoEncoder, dracoDecoder] = await Promise.all([draco.createEncoderModule(), draco.createDecoderModule()])
  return (
    new core.NodeIO()
      // Warnings would go to stdout of the build; problems we care about surface as errors instead.
      .setLogger(new core.Logger(core.Logger.Verbosity.SILENT))
      .registerExtensions(extensions.ALL_EXTENSIONS)
      .registerDependencies({
        'meshopt.encoder': meshopt.MeshoptEncoder,
        'meshopt.decoder': meshopt.MeshoptDecoder,
        'draco3d.encoder': dracoEncoder,
        'draco3d.decoder': dracoDecoder,
      })
  )
}

/** meshoptimizer's encoder (for reorder/meshopt) and simplifier, initialised. */
export function getMeshopt(): Promise<Meshopt> {
  meshoptPromise ??= import('meshoptimizer')
    .then(async m => {
      await Promise.all([m.MeshoptEncoder.ready, m.MeshoptSimplifier.ready])
      return { encoder: m.MeshoptEncoder, simplifier: m.MeshoptSimplifier }
    })
    .catch((err: unknown) => {
      meshoptPromise = undefined
      throw err
    })
  return meshoptPromise
}

/** sharp, loaded only when a texture is actually re-encoded. */
export function getSharp(): Promise<typeof Sharp> {
  sharpPromise ??= import('sharp')
    .then(m => {
      // libvips' operation cache keeps decoded textures alive between models; each texture is used once.
      m.default.cache(false)
      return m.default
    })
    .catch((err: unknown) => {
      sharpPromise = undefined
      throw err
    })
  return sharpPromise
}

/**
 * A Zstandard decoder (WebAssembly: a third of the CPU time of a JavaScript one on a cold thread), loaded
 * only when a KTX2 image has to be decoded.
 */
export function getZstd(): Promise<ZSTDDecoder> {
  zstdPromise ??= import('zstddec')
    .then(async m => {
      const decoder = new m.ZSTDDecoder()
      await initWithoutFetch(decoder)
      return decoder
    })
    .catch((err: unknown) => {
      zstdPromise = undefined
      throw err
    })
  return zstdPromise
}

/**
 * zstddec fetches its WebAssembly from a `data:` URL whenever `fetch` exists, and in Node the first `fetch`
 * loads the whole built-in HTTP client: ~45 ms of the optimizer process's first KTX2 image, against ~4 ms to
 * instantiate the same bytes. `init()` reads `fetch` before it returns, so hiding it for that call is enough.
 */
function initWithoutFetch(decoder: ZSTDDecoder): Promise<void> {
  const global = globalThis as { fetch?: typeof globalThis.fetch }
  const saved = global.fetch
  global.fetch = undefined
  try {
    return decoder.init()
  } finally {
    global.fetch = saved
  }
}
