import type { Transform } from '@gltf-transform/core'
import type { MeshoptEncoder, MeshoptSimplifier } from 'meshoptimizer'
import type Sharp from 'sharp'
import type { ResolvedOptimizeOptions } from './options.js'
import type { Ktx2Encoder } from './textures.js'
import { createTransform, dedup, prune, resample, sparse, weld } from '@gltf-transform/functions'
import { compressGeometry } from './geometry.js'
import { geometryCounts } from './inspect.js'
import { simplifyMeshes } from './simplify.js'
import { simplifyNearLossless } from './simplify-near-lossless.js'
import { compressTextures } from './textures.js'

/**
 * The codecs the optimizer's steps use. Each one left out is the real one, loaded when a step first needs it
 * (sharp only when some texture needs work, the KTX2 encoder only for `textureFormat: 'ktx2'`).
 */
export interface OptimizerEncoders {
  /** Decodes, resizes and encodes PNG/JPEG/WebP textures. @default sharp */
  sharp?: typeof Sharp
  /** Simplifies meshes (`simplify`, `lods`). @default meshoptimizer's `MeshoptSimplifier` */
  simplifier?: typeof MeshoptSimplifier
  /** Compresses geometry for `compress: 'meshopt'`. @default meshoptimizer's `MeshoptEncoder` */
  meshopt?: typeof MeshoptEncoder
  /** Encodes KTX2 textures for `textureFormat: 'ktx2'`. @default Basis Universal (ktx2-encoder) */
  ktx2?: Ktx2Encoder
}

// Empty nodes are often sockets/attach points that game code looks up by name, and "unused" UVs are what
// a runtime material override needs: pruning keeps both. The solid-texture check decodes every texture
// (the slowest part of prune) and AI textures are never solid.
const PRUNE = { keepLeaves: true, keepAttributes: true, keepSolidTextures: true }

/**
 * The optimizer as one chain of named glTF-Transform transforms, for `doc.transform(...)`:
 * dedup → prune → weld → (simplifyNearLossless in 'web') → (simplifyMeshes) → resample → prune → sparse → compressTextures → compressGeometry.
 * `onSimplifyError` gets the error each simplified primitive reached. With `trace`, every step also logs
 * (at debug level, on the document's logger) the triangles and vertices before and after it, and its time.
 */
export function optimizerTransforms(
  o: ResolvedOptimizeOptions,
  {
    encoders = {},
    onSimplifyError,
    trace = false,
  }: { encoders?: OptimizerEncoders; onSimplifyError?: (error: number) => void; trace?: boolean } = {},
): Transform[] {
  const steps: Transform[] = []
  // Names are what pages look parts up by (meta.nodes/materials/animations, the typed maps of
  // unplugin-rodin/three): two identical materials with different names both stay. Nodes are never merged.
  if (o.dedup) steps.push(dedup({ keepUniqueNames: true }))
  if (o.prune) steps.push(prune(PRUNE))
  if (o.weld) steps.push(weld())
  // 'web' drops only triangles no view can show, on clearly over-tessellated meshes (simplify-near-lossless.ts).
  // Its LOD levels start from there too, so a level's ratio is of level 0's triangles, not of the source's.
  if (o.preset === 'web' && !o.simplify) steps.push(simplifyNearLossless({ simplifier: encoders.simplifier }))
  // A LOD level replaces the preset's simplification with its own (which already multiplies the preset's in).
  const simplify = o.level ?? o.simplify
  if (simplify) {
    steps.push(
      simplifyMeshes({
        ratio: simplify.ratio,
        error: simplify.error,
        lockBorder: !!o.level,
        onError: onSimplifyError,
        simplifier: encoders.simplifier,
      }),
    )
  }
  if (o.resample) steps.push(resample())
  if (o.prune) steps.push(prune(PRUNE))
  // Lossless: accessors that are mostly zeros (morph target deltas) are stored as sparse accessors.
  steps.push(sparse())
  steps.push(
    compressTextures({
      format: o.textureFormat,
      maxSize: o.textureSize,
      quality: o.textureQuality,
      floors: o.preset === 'max' ? 'max' : 'web',
      encoder: encoders.sharp,
      ktx2Encoder: encoders.ktx2,
    }),
  )
  steps.push(compressGeometry({ method: o.compress, encoder: encoders.meshopt }))
  return trace ? steps.map(traced) : steps
}

// Same name (so isTransformPending still sees the step), with a line about what it did to the geometry.
function traced(step: Transform): Transform {
  return createTransform(step.name, async (doc, context) => {
    const before = geometryCounts(doc)
    const started = performance.now()
    await step(doc, context)
    const after = geometryCounts(doc)
    doc
      .getLogger()
      .debug(
        `${step.name}: ${before.triangles} → ${after.triangles} triangles, ${before.vertices} → ${after.vertices} vertices (${Math.round(performance.now() - started)} ms)`,
      )
  })
}
