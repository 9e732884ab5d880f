import type { Document, Transform } from '@gltf-transform/core'
import type { MeshoptEncoder } from 'meshoptimizer'
import { assignDefaults, createTransform, draco, meshopt } from '@gltf-transform/functions'
import { GEOMETRY_COMPRESSION } from './inspect.js'
import { getMeshopt } from './io.js'

const NAME = 'compressGeometry'

/** Options of {@link compressGeometry}. */
export interface CompressGeometryOptions {
  /**
   * `'meshopt'` (EXT_meshopt_compression, level 'high'), `'draco'` (KHR_draco_mesh_compression, edgebreaker) or
   * `false` (stored uncompressed). @default 'meshopt'
   */
  method?: 'meshopt' | 'draco' | false
  /** meshoptimizer's encoder, initialised. @default meshoptimizer's `MeshoptEncoder`, loaded on first use */
  encoder?: typeof MeshoptEncoder
}

export const COMPRESS_GEOMETRY_DEFAULTS: Required<Omit<CompressGeometryOptions, 'encoder'>> = { method: 'meshopt' }

/**
 * Stores the geometry with `method`. A decoded input keeps its compression extension, which would re-encode it
 * on write whatever the option says, so that extension goes first. Draco's encoder is the one registered on
 * the NodeIO (see io.ts), which also writes the file.
 */
export function compressGeometry(options: CompressGeometryOptions = {}): Transform {
  const { method } = assignDefaults(COMPRESS_GEOMETRY_DEFAULTS, options)
  if (method !== 'meshopt' && method !== 'draco' && method !== false)
    throw new RangeError(`${NAME}: method must be 'meshopt', 'draco' or false (got ${String(method)})`)
  return createTransform(NAME, async (doc: Document): Promise<void> => {
    const dropped: string[] = []
    for (const ext of doc.getRoot().listExtensionsUsed()) {
      if (GEOMETRY_COMPRESSION.has(ext.extensionName)) {
        dropped.push(ext.extensionName)
        ext.dispose()
      }
    }
    if (method === 'meshopt') {
      const encoder = options.encoder ?? (await getMeshopt()).encoder
      await doc.transform(meshopt({ encoder, level: 'high' }))
    } else if (method === 'draco') {
      await doc.transform(draco({ method: 'edgebreaker' }))
    }
    const from = dropped.length > 0 ? ` (the source's ${dropped.join(', ')} is decoded)` : ''
    doc.getLogger().debug(`${NAME}: ${method || 'none'}${from}`)
  })
}
