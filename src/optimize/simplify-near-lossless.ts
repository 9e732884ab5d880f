import type { Document, Primitive, Transform } from '@gltf-transform/core'
import type { MeshoptSimplifier } from 'meshoptimizer'
import { createTransform } from '@gltf-transform/functions'
import { getMeshopt } from './io.js'
import { replaceIndices, simplifiedIndices } from './simplify.js'

const NAME = 'simplifyNearLossless'

/** Options of {@link simplifyNearLossless}; the bounds themselves are {@link NEAR_LOSSLESS}. */
export interface SimplifyNearLosslessOptions {
  /** Gets each simplified primitive's triangles before and after. @default undefined */
  onKept?: (before: number, after: number) => void
  /** meshoptimizer's simplifier, initialised. @default meshoptimizer's `MeshoptSimplifier`, loaded on first use */
  simplifier?: typeof MeshoptSimplifier
}

/**
 * Near-lossless simplification, the 'web' preset's: only what no sane view can see goes.
 * - `error`: the simplifier's bound, a fraction of the mesh's size, counting normal and UV change as well
 *   (simplify.ts weighs them). A model framed in a 1024-pixel view spans ~900 pixels, so 2e-4 is a fifth of
 *   a pixel there, and under a pixel at a 5× close-up. (1e-4 kept most of a flat-subdivided mesh: the
 *   renormalised normals of its midpoints differ from interpolated ones by ~2e-4.)
 * - `minRemoved`: a primitive is simplified only when that bound removes at least this share of its
 *   triangles. Below that the mesh is not clearly over-tessellated, and a few percent of triangles are not
 *   worth any change at all.
 * - `minTriangles`: small primitives stay whole; they cost little and are often hand-made.
 */
export const NEAR_LOSSLESS = { error: 2e-4, minRemoved: 0.25, minTriangles: 4096 } as const

const TRIANGLES = 4

/**
 * Simplifies clearly over-tessellated primitives (a subdivided or re-exported AI mesh) without a visible
 * change: meshoptimizer's attribute-aware simplifier with open borders locked, bounded by
 * {@link NEAR_LOSSLESS}`.error`. Primitives with morph targets or skin weights are left whole (what moves
 * their vertices is invisible to the simplifier), as are non-triangle and unindexed ones. `onKept` gets each
 * simplified primitive's triangles before and after.
 */
export function simplifyNearLossless(options: SimplifyNearLosslessOptions = {}): Transform {
  const { onKept } = options
  return createTransform(NAME, async (doc: Document): Promise<void> => {
    const simplifier = options.simplifier ?? (await getMeshopt()).simplifier
    const { compactPrimitive } = await import('@gltf-transform/functions')
    for (const mesh of doc.getRoot().listMeshes()) {
      for (const prim of mesh.listPrimitives()) {
        if (!eligible(prim)) continue
        const before = prim.getIndices()!.getCount() / 3
        const after = simplifyPrimitive(doc, prim, simplifier)
        if (after === undefined) continue
        compactPrimitive(prim)
        onKept?.(before, after)
      }
    }
  })
}

function eligible(prim: Primitive): boolean {
  if (prim.getMode() !== TRIANGLES || !prim.getIndices() || !prim.getAttribute('POSITION')) return false
  if (prim.listTargets().length > 0 || prim.getAttribute('JOINTS_0') || prim.getAttribute('WEIGHTS_0')) return false
  return prim.getIndices()!.getCount() / 3 >= NEAR_LOSSLESS.minTriangles
}

// The new triangle count, or undefined when the primitive is left as it was.
function simplifyPrimitive(doc: Document, prim: Primitive, simplifier: typeof MeshoptSimplifier): number | undefined {
  const count = prim.getIndices()!.getCount()
  const [kept] = simplifiedIndices(prim, simplifier, 0, NEAR_LOSSLESS.error, true)
  if (kept.length > count * (1 - NEAR_LOSSLESS.minRemoved)) return undefined
  replaceIndices(doc, prim, kept)
  return kept.length / 3
}
