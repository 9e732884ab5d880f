import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

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
    'unplugin-rodin/optimize': '4',
  })

// These packages do not export ./package.json, so resolve the entry point (resolution only, no loading) and
// walk up to the package.json that carries the name.
function readVersion(name: string): string {
  let dir: string
  try {
    dir = dirname(require.resolve(name))
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
