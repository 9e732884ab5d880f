import { errors } from '../catalogue/index.js'
import type { RodinError } from '../errors.js'

/** Named starting points: `'web'` (default), `'max'` (smaller, lossy geometry) and `'none'` (emit the original). */
export type OptimizePreset = 'web' | 'max' | 'none'

/**
 * How a GLB is optimized before it is emitted. Every field is optional; `preset` picks the base values
 * and the other fields override single settings.
 *
 * Example:
 * ```ts
 * rodin({ optimize: { preset: 'web', textureSize: 1024, compress: 'draco' } })
 * ```
 */
export interface OptimizeOptions {
  /** Base preset the other fields override. @default 'web' */
  preset?: OptimizePreset
  /** Merge duplicate accessors, meshes, materials and textures. @default true */
  dedup?: boolean
  /** Remove properties no scene uses. @default true */
  prune?: boolean
  /** Index geometry, merging bitwise-identical vertices. @default true */
  weld?: boolean
  /** Drop redundant animation keyframes (lossless). @default true */
  resample?: boolean
  /**
   * `'webp'` re-encodes PNG/JPEG textures as WebP, keeping the original when that is smaller; a texture that
   * lossy WebP cannot keep faithful (see `textureQuality`) is stored as JPEG 4:4:4 or lossless WebP
   * instead. `'keep'` keeps formats (PNG/JPEG are re-encoded only when resized). `'ktx2'` stores every
   * PNG/JPEG/WebP texture as Basis Universal KTX2 with mipmaps (`KHR_texture_basisu`; ETC1S for colour maps,
   * Zstandard-supercompressed UASTC for normal and data maps): larger files, but textures stay compressed on the
   * GPU (see `meta.gpuBytes`); the page needs three.js `KTX2Loader`. @default 'webp'
   */
  textureFormat?: 'webp' | 'ktx2' | 'keep'
  /**
   * Longest texture edge in pixels; larger textures are scaled down, never up. In `'max'` and with
   * `textureFormat: 'ktx2'`, a map with less detail than texels (it survives halving and GPU magnification within
   * 40 dB, 36 for normal maps) is halved once as well, never below 512 px; `'web'` keeps every texel, since framed
   * views magnify textures and halving showed in renders.
   * @default 2048 (`'max'`: 1024)
   */
  textureSize?: number
  /**
   * WebP quality (1-100) of color textures; normal maps get 5 more. Every re-encoded texture is then
   * checked channel by channel against what it was made from (only the channels a material reads count:
   * occlusion R, roughness G, metalness B, …) and, when one falls below a fidelity floor, encoded again
   * more faithfully: color at a higher quality, then JPEG 4:4:4, then near-lossless WebP (data maps: lossless
   * WebP of texels rounded to 21 levels, whichever of it and JPEG is smaller). Lossy WebP's 4:2:0 chroma blurs
   * packed data maps (a metalness mask next to roughness), which is what the floor catches.
   * @default 80 (`'max'`: 75, with lower floors)
   */
  textureQuality?: number
  /** Geometry compression: `'meshopt'` (EXT_meshopt_compression), `'draco'` (KHR_draco_mesh_compression) or none. @default 'meshopt' */
  compress?: 'meshopt' | 'draco' | false
  /**
   * Mesh simplification (meshoptimizer, weighing normals and UVs as well as positions): keep at least
   * `ratio` of the triangles, stopping early once the error (a fraction of the mesh size) would exceed
   * `error`. Morph-target deltas are weighed like positions (more than 9 targets: left whole). Off in `'web'`,
   * which instead removes only what no view shows, on clearly over-tessellated meshes (error 2e-4 of the mesh
   * size, borders locked, only when that removes at least 25%). @default false (`'max'`: { ratio: 0.5, error: 0.001 })
   */
  simplify?: false | { ratio: number; error: number }
  /**
   * Level-of-detail chain: one extra GLB per entry, each with about `ratio` of the triangles of the full model
   * (level 0, which stays exactly what it would be without `lods`). A number is `{ ratio: n, error: 1 }`;
   * `error` (a fraction of the mesh size) stops the simplifier early, keeping more triangles. Made with
   * meshoptimizer's attribute-aware simplifier (normals and UVs weighted, open borders locked, UV seams kept
   * closed, morph-target deltas weighed). Ratios must be in (0, 1) and decreasing. The module exports `lods: { url, triangles, error }[]`.
   * @default []
   */
  lods?: Array<number | { ratio: number; error?: number }>
}

/** One resolved level of {@link OptimizeOptions.lods}. */
export interface LodLevel {
  ratio: number
  error: number
}

/** Options with every field decided: the exact input of the optimizer and part of the derived-cache key. */
export type ResolvedOptimizeOptions = Required<Omit<OptimizeOptions, 'preset' | 'lods'>> & {
  preset: OptimizePreset
  lods: LodLevel[]
  /**
   * Internal, never set from user input: the options of one LOD level's output (see `lodOptions`). The level is
   * simplified with locked borders after everything level 0 does, and is emitted even when not smaller.
   */
  level?: LodLevel
}

/** Most LOD levels an asset may ask for. */
const MAX_LODS = 8

const WEB: ResolvedOptimizeOptions = {
  preset: 'web',
  dedup: true,
  prune: true,
  weld: true,
  resample: true,
  textureFormat: 'webp',
  textureSize: 2048,
  textureQuality: 80,
  compress: 'meshopt',
  simplify: false,
  lods: [],
}

/** The built-in presets. `'none'` is what an object with `preset: 'none'` starts from. */
export const OPTIMIZE_PRESETS: Record<OptimizePreset, ResolvedOptimizeOptions> = {
  web: WEB,
  max: { ...WEB, preset: 'max', textureSize: 1024, textureQuality: 75, simplify: { ratio: 0.5, error: 0.001 } },
  none: {
    preset: 'none',
    dedup: false,
    prune: false,
    weld: false,
    resample: false,
    textureFormat: 'keep',
    textureSize: 16384,
    textureQuality: 80,
    compress: false,
    simplify: false,
    lods: [],
  },
}

/** The `'web'` preset: what an asset gets when nothing is configured. */
export const OPTIMIZE_DEFAULTS: ResolvedOptimizeOptions = OPTIMIZE_PRESETS.web

const PRESET_NAMES = Object.keys(OPTIMIZE_PRESETS) as OptimizePreset[]
const BOOLEAN_KEYS = ['dedup', 'prune', 'weld', 'resample'] as const
const KNOWN_KEYS = new Set<string>([
  'preset',
  ...BOOLEAN_KEYS,
  'textureFormat',
  'textureSize',
  'textureQuality',
  'compress',
  'simplify',
  'lods',
])

/**
 * Turns the user's `optimize` setting (preset name, object, `false` or nothing) into resolved options.
 * Returns `null` when the model must not be optimized (`false`, `'none'`, `{ preset: 'none' }`).
 * `where` names the setting for error messages, e.g. `'assets.rodin.json: assets.crate'`.
 * Throws {@link RodinError} `E_CONFIG` with a message that says how to fix the value.
 *
 * Example:
 * ```ts
 * resolveOptimizeOptions({ textureSize: 1024 }, 'plugin options') // → 'web' with 1024 px textures
 * resolveOptimizeOptions('none', 'plugin options')                // → null
 * ```
 */
export function resolveOptimizeOptions(
  input: OptimizePreset | OptimizeOptions | false | undefined,
  where: string,
): ResolvedOptimizeOptions | null {
  if (input === undefined) return cloneResolved(OPTIMIZE_DEFAULTS)
  if (input === false) return null
  if (typeof input === 'string') return input === 'none' ? null : cloneResolved(presetOf(input, where, 'optimize'))
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw configError(
      where,
      `optimize must be a preset name (${quoteList(PRESET_NAMES)}), an options object or false (got ${show(input)})`,
    )
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key))
      throw configError(where, `optimize.${key} is not an option (known: ${[...KNOWN_KEYS].join(', ')})`)
  }
  const base = input.preset === undefined ? OPTIMIZE_DEFAULTS : presetOf(input.preset, where, 'optimize.preset')
  const out = cloneResolved(base)
  const overrides = Object.entries(input).filter(([key, value]) => key !== 'preset' && value !== undefined)
  if (out.preset === 'none' && overrides.length === 0) return null
  for (const key of BOOLEAN_KEYS) {
    const value = input[key]
    if (value === undefined) continue
    if (typeof value !== 'boolean')
      throw configError(where, `optimize.${key} must be true or false (got ${show(value)})`)
    out[key] = value
  }
  if (input.textureFormat !== undefined) {
    if (input.textureFormat !== 'webp' && input.textureFormat !== 'ktx2' && input.textureFormat !== 'keep') {
      throw configError(
        where,
        `optimize.textureFormat must be "webp", "ktx2" or "keep" (got ${show(input.textureFormat)})`,
      )
    }
    out.textureFormat = input.textureFormat
  }
  if (input.textureSize !== undefined) out.textureSize = integerIn(input.textureSize, 16, 16384, where, 'textureSize')
  if (input.textureQuality !== undefined)
    out.textureQuality = integerIn(input.textureQuality, 1, 100, where, 'textureQuality')
  if (input.compress !== undefined) {
    if (input.compress !== 'meshopt' && input.compress !== 'draco' && input.compress !== false) {
      throw configError(where, `optimize.compress must be "meshopt", "draco" or false (got ${show(input.compress)})`)
    }
    out.compress = input.compress
  }
  if (input.simplify !== undefined) out.simplify = resolveSimplify(input.simplify, where)
  if (input.lods !== undefined) out.lods = resolveLods(input.lods, where)
  return out
}

function resolveLods(value: unknown, where: string): LodLevel[] {
  const hint = 'e.g. [0.5, 0.2] or [{ "ratio": 0.5, "error": 0.01 }]'
  if (!Array.isArray(value) || value.length > MAX_LODS) {
    throw configError(
      where,
      `optimize.lods must be an array of at most ${MAX_LODS} levels (${hint}; got ${show(value)})`,
    )
  }
  const levels = value.map((item: unknown, i): LodLevel => {
    const at = `optimize.lods[${i}]`
    const record = typeof item === 'number' ? { ratio: item } : item
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw configError(where, `${at} must be a ratio or { ratio, error } (${hint}; got ${show(item)})`)
    }
    for (const key of Object.keys(record)) {
      if (key !== 'ratio' && key !== 'error') throw configError(where, `${at}.${key} is not an option (${hint})`)
    }
    const { ratio, error = 1 } = record as Record<string, unknown>
    if (typeof ratio !== 'number' || !(ratio > 0 && ratio < 1)) {
      throw configError(
        where,
        `${at} ratio must be a number in (0, 1), the share of level 0's triangles to keep (got ${show(ratio)})`,
      )
    }
    if (typeof error !== 'number' || !(error >= 0 && error <= 1)) {
      throw configError(
        where,
        `${at}.error must be a number in [0, 1], a fraction of the mesh size (got ${show(error)})`,
      )
    }
    return { ratio, error }
  })
  for (let i = 1; i < levels.length; i++) {
    if (levels[i]!.ratio >= levels[i - 1]!.ratio) {
      throw configError(
        where,
        `optimize.lods ratios must decrease from level to level (${hint}; got ${levels.map(l => l.ratio).join(', ')})`,
      )
    }
  }
  return levels
}

/**
 * The options of LOD level `level` (1-based index into `opts.lods`): level 0's settings, simplified further to
 * about `ratio` of level 0's triangles. A preset that already simplifies multiplies in.
 */
export function lodOptions(opts: ResolvedOptimizeOptions, level: number): ResolvedOptimizeOptions {
  const lod = opts.lods[level - 1]
  if (!lod) throw new RangeError(`no LOD level ${level} (${opts.lods.length} configured)`)
  const base = opts.simplify || { ratio: 1, error: 0 }
  return {
    ...cloneResolved(opts),
    lods: [],
    level: { ratio: lod.ratio * base.ratio, error: Math.max(lod.error, base.error) },
  }
}

function resolveSimplify(value: unknown, where: string): ResolvedOptimizeOptions['simplify'] {
  if (value === false) return false
  const hint = 'use false or { "ratio": 0.5, "error": 0.001 }'
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw configError(where, `optimize.simplify must be false or an object (${hint}; got ${show(value)})`)
  }
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (key !== 'ratio' && key !== 'error')
      throw configError(where, `optimize.simplify.${key} is not an option (${hint})`)
  }
  const { ratio, error } = record
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) {
    throw configError(
      where,
      `optimize.simplify.ratio must be a number in (0, 1], the share of triangles to keep (got ${show(ratio)})`,
    )
  }
  if (typeof error !== 'number' || !(error >= 0 && error <= 1)) {
    throw configError(
      where,
      `optimize.simplify.error must be a number in [0, 1], a fraction of the mesh size (got ${show(error)})`,
    )
  }
  return { ratio, error }
}

function presetOf(name: unknown, where: string, field: string): ResolvedOptimizeOptions {
  if (typeof name === 'string' && (PRESET_NAMES as string[]).includes(name))
    return OPTIMIZE_PRESETS[name as OptimizePreset]
  throw configError(where, `${field} must be one of ${quoteList(PRESET_NAMES)} (got ${show(name)})`)
}

function integerIn(value: unknown, min: number, max: number, where: string, key: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value
  throw configError(where, `optimize.${key} must be an integer between ${min} and ${max} (got ${show(value)})`)
}

// Presets are shared constants: hand out copies so a caller mutating its result cannot change them.
function cloneResolved(options: ResolvedOptimizeOptions): ResolvedOptimizeOptions {
  return {
    ...options,
    simplify: options.simplify && { ...options.simplify },
    lods: options.lods.map(l => ({ ...l })),
  }
}

function configError(where: string, message: string): RodinError {
  return errors.E_CONFIG('option', { where, problem: message })
}

function quoteList(values: readonly string[]): string {
  return values.map(v => `"${v}"`).join(', ')
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value)
  return Array.isArray(value) ? 'an array' : typeof value
}
