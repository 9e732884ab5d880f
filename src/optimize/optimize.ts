import type { Document, Transform } from '@gltf-transform/core'
import type { ModelStats } from '../meta.js'
import type { ResolvedOptimizeOptions } from './options.js'
import { isRodinError, RodinError } from '../errors.js'
import { readGlb } from './glb.js'
import { inspectGlb } from './inspect.js'
import { getIO, getMeshopt } from './io.js'
import { simplifyMeshes } from './simplify.js'
import { simplifyNearLossless } from './simplify-near-lossless.js'
import { compressTextures } from './textures.js'

export { inspectGlb }

/** Result of {@link optimizeGlb}: the bytes to emit and the facts about exactly those bytes. */
export interface OptimizeResult {
  bytes: Uint8Array
  stats: ModelStats
}

/** Stats of a LOD level's output: also the simplifier's error (largest over primitives, relative to mesh size). */
export type LevelStats = ModelStats & { error: number }

const GEOMETRY_COMPRESSION = new Set([
  'EXT_meshopt_compression',
  'KHR_meshopt_compression',
  'KHR_draco_mesh_compression',
])

/**
 * Optimizes one GLB in this thread: dedup → prune → weld → (simplify) → resample → prune → sparse →
 * textures (per-texture encodings, see textures.ts) → meshopt/Draco. Pure: same bytes and options give the same output bytes. The input is
 * parsed from memory only, and never modified.
 *
 * When geometry compression is on and the result is not smaller than the input (e.g. Draco input
 * re-encoded with meshopt), the input is returned as it is: optimizing never makes a model bigger, and
 * `stats.decoders` tells the page which decoder the returned bytes need.
 *
 * Throws {@link RodinError} `E_BAD_GLB` for unreadable input and `E_OPTIMIZE` when a step fails.
 *
 * Example:
 * ```ts
 * const { bytes, stats } = await optimizeGlb(source, resolveOptimizeOptions('web', 'example')!)
 * ```
 */
export async function optimizeGlb(bytes: Uint8Array, opts: ResolvedOptimizeOptions): Promise<OptimizeResult> {
  const doc = await readGlb(bytes)
  const sourceNeedsDecoder = doc
    .getRoot()
    .listExtensionsUsed()
    .some(ext => GEOMETRY_COMPRESSION.has(ext.extensionName))
  let out: Uint8Array
  const simplified = { error: 0 }
  try {
    await runPipeline(doc, opts, simplified)
    out = await (await getIO()).writeBinary(doc)
  } catch (err) {
    if (isRodinError(err)) throw err
    const reason = err instanceof Error ? err.message : String(err)
    throw new RodinError(
      'E_OPTIMIZE',
      `glTF-Transform failed while optimizing the model: ${reason} ` +
        '(set `optimize: false` for this asset to emit it unchanged)',
      { cause: err },
    )
  }
  // With compression off the user asked for a model that needs no decoder, so even a bigger result stands.
  // A LOD level must be the simplified mesh, whatever its size.
  const mayKeepSource = !opts.level && (opts.compress !== false || !sourceNeedsDecoder)
  // The source's stats are read again only in this (rare) case: the document was changed in place.
  if (mayKeepSource && out.byteLength >= bytes.byteLength)
    return { bytes: bytes.slice(), stats: await inspectGlb(bytes) }
  // Stats come from re-reading the output: they describe exactly what is emitted, and decoding it proves
  // the compressed payload is readable.
  try {
    const stats = await inspectGlb(out)
    return { bytes: out, stats: opts.level ? ({ ...stats, error: simplified.error } as LevelStats) : stats }
  } catch (err) {
    throw new RodinError(
      'E_OPTIMIZE',
      `the optimized model does not read back (${err instanceof Error ? err.message : String(err)}); ` +
        'set `optimize: false` for this asset to emit it unchanged',
      { cause: err },
    )
  }
}

async function runPipeline(doc: Document, o: ResolvedOptimizeOptions, simplified: { error: number }): Promise<void> {
  const fn = await import('@gltf-transform/functions')
  // Empty nodes are often sockets/attach points that game code looks up by name, and "unused" UVs are what
  // a runtime material override needs: pruning keeps both. The solid-texture check decodes every texture
  // (the slowest part of prune) and AI textures are never solid.
  const pruneOptions = { keepLeaves: true, keepAttributes: true, keepSolidTextures: true }
  const steps: Transform[] = []
  // Names are what pages look parts up by (meta.nodes/materials/animations, the typed maps of
  // unplugin-rodin/three): two identical materials with different names both stay. Nodes are never merged.
  if (o.dedup) steps.push(fn.dedup({ keepUniqueNames: true }))
  if (o.prune) steps.push(fn.prune(pruneOptions))
  if (o.weld) steps.push(fn.weld())
  // A LOD level replaces the preset's simplification with its own (which already multiplies the preset's in).
  const simplify = o.level ?? o.simplify
  if (simplify) {
    const { simplifier } = await getMeshopt()
    steps.push(
      simplifyMeshes(simplifier, simplify.ratio, simplify.error, {
        lockBorder: !!o.level,
        onError: e => {
          simplified.error = Math.max(simplified.error, e)
        },
      }),
    )
  }
  // 'web' drops only triangles no view can show, on clearly over-tessellated meshes (simplify-near-lossless.ts).
  else if (o.preset === 'web') steps.push(simplifyNearLossless((await getMeshopt()).simplifier))
  if (o.resample) steps.push(fn.resample())
  if (o.prune) steps.push(fn.prune(pruneOptions))
  // Lossless: accessors that are mostly zeros (morph target deltas) are stored as sparse accessors.
  steps.push(fn.sparse())
  await doc.transform(...steps)

  await compressTextures(doc, o)

  // Decoded input keeps its compression extension, which would re-encode it on write; the option decides.
  for (const ext of doc.getRoot().listExtensionsUsed()) {
    if (GEOMETRY_COMPRESSION.has(ext.extensionName)) ext.dispose()
  }
  if (o.compress === 'meshopt') {
    const { encoder } = await getMeshopt()
    await doc.transform(fn.meshopt({ encoder, level: 'high' }))
  } else if (o.compress === 'draco') {
    await doc.transform(fn.draco({ method: 'edgebreaker' }))
  }
}
