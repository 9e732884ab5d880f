import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Every package whose version can change the optimizer's output bytes. */
const TOOLS = [
  '@gltf-transform/core',
  '@gltf-transform/functions',
  '@gltf-transform/extensions',
  'meshoptimizer',
  'sharp',
  'draco3dgltf',
] as const

const require = createRequire(import.meta.url)

/**
 * Versions of the optimizer's tool chain, e.g. `{ "@gltf-transform/core": "4.5.1", "sharp": "0.35.5", … }`,
 * and the revision of this package's own optimizer code (`"unplugin-rodin/optimize"`).
 * Part of the derived-cache key: upgrading any tool re-optimizes every model. Reads package.json files only,
 * so a build that is served from the cache never loads sharp or glTF-Transform.
 *
 * Example:
 * ```ts
 * const key = sha256(JSON.stringify({ source, options, tools: TOOL_VERSIONS }))
 * ```
 */
export const TOOL_VERSIONS: Readonly<Record<(typeof TOOLS)[number] | 'unplugin-rodin/optimize', string>> =
  Object.freeze({
    ...(Object.fromEntries(TOOLS.map(name => [name, readVersion(name)])) as Record<(typeof TOOLS)[number], string>),
    // This package's own optimizer: bump whenever the same input and options give other bytes than before.
    // 2: KTX2 images of files without KHR_texture_basisu are repaired (src/optimize/ktx2.ts).
    // 3: per-texture encodings checked against a fidelity floor; attribute-aware simplify; sparse accessors;
    //    WebP method 2.
    // 4: dedup keeps properties with unique names; meta carries node, material and animation names.
    // 5: content-fitted texture size, 2K maps judged at their first mip, colour floor 35, near-lossless
    //    simplification of over-tessellated meshes in 'web' (issue #16).
    // 6: KTX2 output fits texture size to content too; 'web' LOD levels start from the near-lossless level 0;
    //    LOD levels and 'max' simplify morph-target primitives.
    // 7: a data map that lossy WebP cannot keep faithful falls back to lossless WebP of texels rounded to 21
    //    levels (was near-lossless WebP) when that beats JPEG 4:4:4; colour maps are judged by their mean RGB
    //    error, and their second WebP attempt uses sharp RGB→YUV; 'web' keeps texture size (no content fit);
    //    WebP method 4.
    // 8: data maps try each encoding on a 1/16 probe first and skip the ones it cannot keep; the first-mip check
    //    samples every third 2×2 block; read alpha that the encoder drops as all-opaque counts as 255 (such
    //    MASK/BLEND maps fell back to near-lossless WebP).
    // 9: normal maps of 1024² texels or more use WebP method 2; rounded data maps of that size use lossless
    //    quality 25, method 2.
    // 10: lossy WebP of every map of 1024² texels or more uses method 2 when the map is busy (its probe codes in
    //     0.15 bits per texel or more) and method 4 when it is flat; the full-size check is skipped when the probe
    //     of the same encoding keeps the floor by 6 dB.
    // 11: busy maps of 1024² texels or more use lossy WebP method 0 (was 2).
    // 12: only busy maps seen through their first mip (above 1024 texels across) use method 0; 1K maps use 2.
    'unplugin-rodin/optimize': '12',
  })

/**
 * Version of the KTX2 encoder: part of the derived-cache key only of outputs made with `textureFormat: 'ktx2'`,
 * so adding the encoder did not change the key (and the lockfile pin) of any other output.
 */
export const KTX2_ENCODER_VERSION: string = readVersion('ktx2-encoder', () => import.meta.resolve('ktx2-encoder'))

// These packages do not export ./package.json, so resolve the entry point (resolution only, no loading) and
// walk up to the package.json that carries the name.
function readVersion(name: string, resolveEntry: () => string = () => require.resolve(name)): string {
  let dir: string
  try {
    const entry = resolveEntry()
    dir = dirname(entry.startsWith('file:') ? fileURLToPath(entry) : entry)
  } catch {
    return 'missing'
  }
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      if (pkg.name === name && typeof pkg.version === 'string') return pkg.version
    } catch {
      // no package.json at this level: keep walking up
    }
    const parent = dirname(dir)
    if (parent === dir) return 'unknown'
    dir = parent
  }
}
