// `unplugin-rodin/react`: `useRodin(asset)` for React Three Fiber. It suspends while the model loads (wrap the
// component in <Suspense>), passes R3F's renderer to the KTX2 transcoder, and is typed per alias like loadRodin.
import { useThree } from '@react-three/fiber'
import { loadRodin } from '../three/index.js'
import type { LoadRodinOptions, RodinAsset, RodinGLTFOf } from '../three/index.js'

export type { RodinAsset, RodinGLTF, RodinGLTFOf } from '../three/index.js'

type Entry =
  | { status: 'pending'; promise: Promise<void> }
  | { status: 'done'; value: unknown }
  | { status: 'error'; error: unknown }

/** One load per model URL for the page's lifetime, shared by every component that shows it (like useLoader). */
const cache = new Map<string, Entry>()

function keyOf(asset: RodinAsset): string {
  return 'url' in asset ? asset.url : asset.default
}

function read<A extends RodinAsset>(asset: A, options: LoadRodinOptions): RodinGLTFOf<A> {
  const key = keyOf(asset)
  let entry = cache.get(key)
  if (!entry) {
    const promise = loadRodin(asset, options).then(
      value => void cache.set(key, { status: 'done', value }),
      error => void cache.set(key, { status: 'error', error }),
    )
    entry = { status: 'pending', promise }
    cache.set(key, entry)
  }
  if (entry.status === 'pending') throw entry.promise // Suspense waits for it, then renders again
  if (entry.status === 'error') throw entry.error // the nearest error boundary shows it
  return entry.value as RodinGLTFOf<A>
}

/**
 * Loads a `rodin:` model inside a React Three Fiber `<Canvas>` (suspends until it is ready) with exactly the
 * decoders its `meta.decoders` needs, served by this site. Every component using the same asset shares one load,
 * so add the scene once (or clone it) as with `useLoader`.
 *
 * Example:
 * ```tsx
 * import * as lamp from 'rodin:lamp'
 * import { useRodin } from 'unplugin-rodin/react'
 * function Lamp() {
 *   const { scene, nodes } = useRodin(lamp)
 *   return <primitive object={scene} />
 * }
 * // <Canvas><Suspense fallback={null}><Lamp /></Suspense></Canvas>
 * ```
 */
export function useRodin<A extends RodinAsset>(asset: A): RodinGLTFOf<A> {
  const renderer = useThree(state => state.gl)
  return read(asset, { renderer })
}

/** Drops a finished or failed load from the cache, so the next `useRodin` loads the model again. */
useRodin.clear = (asset: RodinAsset): void => {
  const entry = cache.get(keyOf(asset))
  if (entry && entry.status !== 'pending') cache.delete(keyOf(asset))
}
