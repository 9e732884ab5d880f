// unplugin-rodin/three in Node (no DOM): the loader gets exactly the decoders meta.decoders names, each decoder's
// files are imported on first need only and shared by every later loader, and KTX2 without a renderer is a clear
// error. The plugin-served decoder modules are replaced by fixed URL maps (the bundler tests cover the real ones).
import { describe, expect, it, vi } from 'vitest'

const imported = vi.hoisted(() => ({ draco: 0, basis: 0 }))
vi.mock('unplugin-rodin/three/decoders/draco', () => {
  imported.draco++
  return {
    default: { 'draco_wasm_wrapper.js': '/assets/wrapper-1.js', 'draco_decoder.wasm': '/assets/draco-2.wasm' },
  }
})
vi.mock('unplugin-rodin/three/decoders/basis', () => {
  imported.basis++
  return {
    default: { 'basis_transcoder.js': '/assets/basis-3.js', 'basis_transcoder.wasm': '/assets/basis-4.wasm' },
  }
})

const model = (decoders: { meshopt: boolean; draco: boolean; ktx2: boolean }) => ({
  id: 'sword',
  kind: 'model',
  decoders,
})
/** What KTX2Loader.detectSupport reads from a WebGL renderer. */
const renderer = { extensions: { has: () => false } } as never

describe('unplugin-rodin/three', () => {
  it('imports in Node without a DOM and without loading three.js or any decoder', async () => {
    expect(typeof window).toBe('undefined')
    const three = await import('../../../src/three/index.js')
    expect(Object.keys(three).sort()).toEqual(['createRodinLoader', 'indexGltf', 'loadRodin', 'loadRodinLod'])
    expect(imported).toEqual({ draco: 0, basis: 0 })
  })

  it('sets up only the decoders meta.decoders names, loading each once and sharing it', async () => {
    const { createRodinLoader } = await import('../../../src/three/index.js')
    const plain = await createRodinLoader(model({ meshopt: false, draco: false, ktx2: false }))
    expect(plain).toMatchObject({ meshoptDecoder: null, dracoLoader: null, ktx2Loader: null })
    const meshopt = await createRodinLoader(model({ meshopt: true, draco: false, ktx2: false }))
    expect(meshopt.meshoptDecoder).toBeTruthy()
    expect(meshopt.dracoLoader).toBeNull()
    expect(imported).toEqual({ draco: 0, basis: 0 }) // lazy: nothing asked for Draco or KTX2 yet

    const a = await createRodinLoader(model({ meshopt: true, draco: true, ktx2: false }))
    const b = await createRodinLoader(model({ meshopt: false, draco: true, ktx2: false }))
    expect(a.dracoLoader).toBeTruthy()
    expect(b.dracoLoader).toBe(a.dracoLoader) // one Draco loader (and worker pool) for every model
    expect(b.meshoptDecoder).toBeNull()
    // The Draco loader fetches its files through a manager that maps them to the emitted URLs.
    const draco = a.dracoLoader as unknown as { manager: { resolveURL(u: string): string } }
    expect(draco.manager.resolveURL('unplugin-rodin-decoders:draco/draco_decoder.wasm')).toBe('/assets/draco-2.wasm')
    expect(draco.manager.resolveURL('unplugin-rodin-decoders:draco/draco_wasm_wrapper.js')).toBe('/assets/wrapper-1.js')
    expect(imported).toEqual({ draco: 1, basis: 0 })

    const k1 = await createRodinLoader(model({ meshopt: true, draco: false, ktx2: true }), { renderer })
    const k2 = await createRodinLoader(model({ meshopt: false, draco: false, ktx2: true }), { renderer })
    expect(k1.ktx2Loader).toBeTruthy()
    expect(k2.ktx2Loader).toBe(k1.ktx2Loader)
    const ktx2 = k1.ktx2Loader as unknown as { manager: { resolveURL(u: string): string }; transcoderPath: string }
    expect(ktx2.manager.resolveURL(`${ktx2.transcoderPath}basis_transcoder.wasm`)).toBe('/assets/basis-4.wasm')
    expect(imported).toEqual({ draco: 1, basis: 1 })
  })

  it('KTX2 without a renderer, a non-model and a ?meta import are clear errors', async () => {
    const { createRodinLoader, loadRodin } = await import('../../../src/three/index.js')
    await expect(createRodinLoader(model({ meshopt: false, draco: false, ktx2: true }))).rejects.toThrow(
      /"sword" has KTX2 textures .*Pass it: loadRodin\(asset, \{ renderer \}\)/,
    )
    await expect(createRodinLoader({ id: 'poster', kind: 'image' })).rejects.toThrow(/"poster" is a image, not a glTF/)
    await expect(loadRodin({ meta: model({ meshopt: false, draco: false, ktx2: false }) } as never)).rejects.toThrow(
      /"sword" has no URL/,
    )
  })
})
