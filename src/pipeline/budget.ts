import { errors } from '../catalogue/index.js'
import type { RodinError } from '../errors.js'
import type { Budget } from '../manifest/manifest.js'
import type { ResolvedOptimizeOptions } from '../optimize/options.js'

export type BudgetMeasure = keyof Budget

/** What was measured of the emitted file; model measures are absent for images and other files. */
export interface BudgetMeasured {
  bytes: number
  triangles?: number
  gpuBytes?: number
}

/** One measure over its budget, with a setting that would bring it under. */
export interface BudgetOverrun {
  measure: BudgetMeasure
  value: number
  budget: number
  fix: string
}

const MEASURES: BudgetMeasure[] = ['bytes', 'triangles', 'gpuBytes']
const MIN_TEXTURE_SIZE = 16
/** Largest share of RGBA8 GPU memory a Basis Universal texture takes once transcoded (UASTC: 1 of 4 bytes). */
const KTX2_GPU_SHARE = 0.25

/**
 * Every measure of `measured` over its `budget`. Measures the asset does not have (triangles of an image)
 * are skipped rather than counted as 0, so a model budget on an image never passes by accident: it is
 * reported by `rodin-assets status` as "n/a".
 */
export function checkBudget(
  budget: Budget | undefined,
  measured: BudgetMeasured,
  opts: ResolvedOptimizeOptions | null,
): BudgetOverrun[] {
  if (!budget) return []
  const out: BudgetOverrun[] = []
  for (const measure of MEASURES) {
    const limit = budget[measure]
    const value = measured[measure]
    if (limit === undefined || value === undefined || value <= limit) continue
    out.push({ measure, value, budget: limit, fix: fixFor(measure, value, limit, opts) })
  }
  return out
}

/**
 * A setting that would fit. Texture memory scales with pixel count, so each halving of `textureSize` divides
 * `gpuBytes` by about 4; file bytes shrink less (geometry stays), so the same estimate is offered with
 * `"max"` as the stronger step. Triangles scale with the simplification ratio.
 */
function fixFor(measure: BudgetMeasure, value: number, limit: number, opts: ResolvedOptimizeOptions | null): string {
  if (!opts) return 'turn optimization on ("optimize": "web") or raise the budget'
  if (measure === 'triangles') {
    const ratio = Math.max(0.01, Math.floor((limit / value) * 100) / 100)
    return (
      `set "optimize": { "simplify": { "ratio": ${ratio}, "error": 1 } } for this asset, ` +
      `or keep it whole and serve distant views from "optimize": { "lods": [${ratio}] }`
    )
  }
  // KTX2 keeps textures block-compressed on the GPU: ≤ 1/4 of RGBA8 (see meta.gpuBytes), same pixels.
  if (measure === 'gpuBytes' && opts.textureFormat !== 'ktx2' && value * KTX2_GPU_SHARE <= limit) {
    return 'try "optimize": { "textureFormat": "ktx2" } (same texture size, compressed on the GPU)'
  }
  let size = opts.textureSize
  let estimate = value
  while (estimate > limit && size > MIN_TEXTURE_SIZE) {
    size /= 2
    estimate /= 4
  }
  const smaller = size < opts.textureSize ? `"optimize": { "textureSize": ${Math.max(MIN_TEXTURE_SIZE, size)} }` : ''
  const max = opts.preset !== 'max' ? '"optimize": "max"' : ''
  const options = [smaller, max].filter(Boolean)
  return options.length > 0 ? `try ${options.join(' or ')}` : 'raise the budget'
}

/** One line per overrun: asset, measure, value, budget and the fix. */
export function describeOverruns(alias: string, overruns: BudgetOverrun[]): string {
  return overruns
    .map(
      o =>
        `asset "${alias}" is over budget: ${o.measure} ${formatMeasure(o.measure, o.value)} > budget ${formatMeasure(o.measure, o.budget)}; ${o.fix}`,
    )
    .join('\n')
}

/** `E_BUDGET`, for frozen mode and CI, where an asset over budget must not ship unnoticed. */
export function budgetError(alias: string, overruns: BudgetOverrun[]): RodinError {
  return errors.E_BUDGET('over', { asset: alias, overruns: describeOverruns(alias, overruns) })
}

export function formatMeasure(measure: BudgetMeasure, value: number): string {
  if (measure === 'triangles') return value.toLocaleString('en-US')
  if (value < 1024) return `${value} B`
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`
  return `${(value / 1024 / 1024).toFixed(2)} MiB`
}
