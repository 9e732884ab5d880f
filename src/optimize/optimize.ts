import type { Document, ILogger } from '@gltf-transform/core'
import type { ModelStats } from '../meta.js'
import type { ResolvedOptimizeOptions } from './options.js'
import type { OptimizerEncoders } from './steps.js'
import { errors } from '../catalogue/index.js'
import { isRodinError, type RodinError } from '../errors.js'
import { readGlb } from './glb.js'
import { GEOMETRY_COMPRESSION, inspectGlb } from './inspect.js'
import { getIO } from './io.js'

export { inspectGlb }
export type { OptimizerEncoders }

/** How {@link optimizeGlb} runs. A logger never changes the output bytes; the real encoders are the defaults. */
export interface OptimizeGlbOptions {
  /**
   * Receives, at debug level, what each step did to this model: triangles and vertices before and after,
   * each texture's size, format and bytes, the geometry compression, and the bytes in and out (as well as
   * glTF-Transform's own debug lines). @default undefined (silent)
   */
  logger?: ILogger
  /** The codecs to use instead of the real ones (see {@link OptimizerEncoders}). @default {} */
  encoders?: OptimizerEncoders
}

/** Result of {@link optimizeGlb}: the bytes to emit and the facts about exactly those bytes. */
export interface OptimizeResult {
  bytes: Uint8Array
  stats: ModelStats
}

/** Stats of a LOD level's output: also the simplifier's error (largest over primitives, relative to mesh size). */
export type LevelStats = ModelStats & { error: number }

/**
 * Optimizes one GLB in this thread: dedup → prune → weld → (simplify) → resample → prune → sparse →
 * textures (per-texture encodings, see textures.ts) → meshopt/Draco, one chain of named glTF-Transform
 * transforms (see `optimizerTransforms`). Pure: same bytes and options give the same output bytes. The input is
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
export async function optimizeGlb(
  bytes: Uint8Array,
  opts: ResolvedOptimizeOptions,
  { logger, encoders }: OptimizeGlbOptions = {},
): Promise<OptimizeResult> {
  const doc = await readGlb(bytes)
  if (logger) doc.setLogger(logger)
  const sourceNeedsDecoder = doc
    .getRoot()
    .listExtensionsUsed()
    .some(ext => GEOMETRY_COMPRESSION.has(ext.extensionName))
  let out: Uint8Array
  const simplified = { error: 0 }
  try {
    await runPipeline(doc, opts, simplified, { encoders, trace: !!logger })
    out = await (await getIO()).writeBinary(doc)
  } catch (err) {
    if (isRodinError(err)) throw err
    const reason = err instanceof Error ? err.message : String(err)
    throw errors.E_OPTIMIZE('transform', { reason, cause: err })
  }
  // With compression off the user asked for a model that needs no decoder, so even a bigger result stands.
  // A LOD level must be the simplified mesh, whatever its size.
  const mayKeepSource = !opts.level && (opts.compress !== false || !sourceNeedsDecoder)
  const log = doc.getLogger()
  if (opts.level ?? opts.simplify) log.debug(`simplifyMeshes: largest error ${simplified.error}`)
  // The source's stats are read again only in this (rare) case: the document was changed in place.
  if (mayKeepSource && out.byteLength >= bytes.byteLength) {
    log.debug(`optimize: ${bytes.byteLength} → ${out.byteLength} bytes is not smaller: the source is emitted as it is`)
    return { bytes: bytes.slice(), stats: await inspectGlb(bytes) }
  }
  log.debug(`optimize: ${bytes.byteLength} → ${out.byteLength} bytes`)
  // Stats come from re-reading the output: they describe exactly what is emitted, and decoding it proves
  // the compressed payload is readable.
  try {
    const stats = await inspectGlb(out)
    return { bytes: out, stats: opts.level ? ({ ...stats, error: simplified.error } as LevelStats) : stats }
  } catch (err) {
    throw errors.E_OPTIMIZE('readBack', { reason: err instanceof Error ? err.message : String(err), cause: err })
  }
}

async function runPipeline(
  doc: Document,
  o: ResolvedOptimizeOptions,
  simplified: { error: number },
  { encoders, trace }: { encoders?: OptimizerEncoders; trace: boolean },
): Promise<void> {
  // Loaded with the first optimize job only: a worker that only inspects never loads glTF-Transform's functions.
  const { optimizerTransforms } = await import('./steps.js')
  const onSimplifyError = (e: number) => {
    simplified.error = Math.max(simplified.error, e)
  }
  await doc.transform(...optimizerTransforms(o, { encoders, onSimplifyError, trace }))
}
