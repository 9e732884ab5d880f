import type { Document, Primitive } from '@gltf-transform/core'
import type { ModelStats } from '../meta.js'
import { sceneBounds } from './bounds.js'
import { readGlb } from './glb.js'
import { textureGpuBytes } from './gpu-bytes.js'

// glTF primitive modes (spec constants; imported lazily elsewhere, so spelled out here).
const TRIANGLES = 4
const TRIANGLE_STRIP = 5
const TRIANGLE_FAN = 6

/**
 * Facts about a GLB for `meta`: triangle and vertex counts, scene bounds, node, material and animation names, required
 * extensions and the decoders a page needs. Throws {@link RodinError} `E_BAD_GLB` on unreadable input.
 *
 * Example:
 * ```ts
 * const { triangles, decoders } = await inspectGlb(bytes)
 * if (decoders.meshopt) loader.setMeshoptDecoder(MeshoptDecoder)
 * ```
 */
export async function inspectGlb(bytes: Uint8Array): Promise<ModelStats> {
  return inspectDocument(await readGlb(bytes))
}

/**
 * {@link ModelStats} of a Document. Counts are per primitive of every mesh in the document (a mesh drawn by
 * several nodes counts once), so they describe the file rather than one scene graph; bounds are those of
 * the default scene in its stored pose (see `sceneBounds`).
 */
export function inspectDocument(doc: Document): ModelStats {
  const root = doc.getRoot()
  const { triangles, vertices } = geometryCounts(doc)
  const used = root.listExtensionsUsed()
  const usedNames = new Set(used.map(ext => ext.extensionName))
  return {
    triangles,
    vertices,
    bounds: sceneBounds(root.getDefaultScene() ?? root.listScenes()[0]),
    nodes: namesOf(root.listNodes()),
    materials: namesOf(root.listMaterials()),
    animations: namesOf(root.listAnimations()),
    extensionsRequired: used
      .filter(ext => ext.isRequired())
      .map(ext => ext.extensionName)
      .sort(),
    decoders: {
      meshopt: usedNames.has('EXT_meshopt_compression') || usedNames.has('KHR_meshopt_compression'),
      draco: usedNames.has('KHR_draco_mesh_compression'),
      ktx2: usedNames.has('KHR_texture_basisu'),
    },
    gpuBytes: textureGpuBytes(root),
  }
}

/** Triangles and vertices of every primitive of every mesh (a mesh drawn by several nodes counts once). */
export function geometryCounts(doc: Document): { triangles: number; vertices: number } {
  let triangles = 0
  let vertices = 0
  for (const mesh of doc.getRoot().listMeshes()) {
    for (const prim of mesh.listPrimitives()) {
      vertices += prim.getAttribute('POSITION')?.getCount() ?? 0
      triangles += triangleCount(prim)
    }
  }
  return { triangles, vertices }
}

/** Extensions that store geometry compressed: the source needs a decoder, and writing re-encodes it. */
export const GEOMETRY_COMPRESSION: ReadonlySet<string> = new Set([
  'EXT_meshopt_compression',
  'KHR_meshopt_compression',
  'KHR_draco_mesh_compression',
])

/**
 * The distinct non-empty names, in document order: what a page looks objects up by (unplugin-rodin/three keys
 * its maps by exactly these glTF names, so they are also the literal types of the generated declarations).
 */
function namesOf(list: readonly { getName(): string }[]): string[] {
  return [...new Set(list.map(p => p.getName()).filter(Boolean))]
}

function triangleCount(prim: Primitive): number {
  const count = prim.getIndices()?.getCount() ?? prim.getAttribute('POSITION')?.getCount() ?? 0
  switch (prim.getMode()) {
    case TRIANGLES:
      return Math.floor(count / 3)
    case TRIANGLE_STRIP:
    case TRIANGLE_FAN:
      return Math.max(0, count - 2)
    default:
      return 0
  }
}
