import type { Accessor, Document, Primitive, Transform } from '@gltf-transform/core'
import type { MeshoptSimplifier } from 'meshoptimizer'

// glTF primitive modes (spec constants).
const TRIANGLES = 4
const TRIANGLE_STRIP = 5
const TRIANGLE_FAN = 6

/**
 * How much the simplifier cares about each attribute, relative to position: a change of 1/weight in the
 * attribute counts like moving the surface by the same distance (meshoptimizer's convention). Normals keep
 * the shading of bevels and creases, which position error alone lets collapse into flat, smeared faces;
 * UVs keep texture detail where it was painted.
 */
const NORMAL_WEIGHT = 0.5
const UV_WEIGHT = 1

/** Options of LOD levels: `lockBorder` keeps open mesh borders in place; `onError` gets each primitive's error. */
export interface SimplifyExtras {
  lockBorder?: boolean
  onError?: (error: number) => void
}

/**
 * Error-bounded, attribute-aware mesh simplification (meshoptimizer `simplifyWithAttributes`): keeps at
 * least `ratio` of each primitive's triangles and stops earlier once the error (relative to the mesh size)
 * would pass `error`. Unlike glTF-Transform's `simplify`, which looks at positions only, it weighs normals
 * and UVs, so the shading and texturing of the result stay close to the original.
 *
 * Primitives with morph targets are left whole: the targets move vertices the simplifier cannot see, so a
 * collapse that is invisible in the rest pose can tear the mesh in a blend shape.
 */
export function simplifyMeshes(
  simplifier: typeof MeshoptSimplifier,
  ratio: number,
  error: number,
  { lockBorder = false, onError }: SimplifyExtras = {},
): Transform {
  return async function simplifyMeshesTransform(doc: Document): Promise<void> {
    const fn = await import('@gltf-transform/functions')
    for (const mesh of doc.getRoot().listMeshes()) {
      for (const prim of mesh.listPrimitives()) {
        const mode = prim.getMode()
        if (mode !== TRIANGLES && mode !== TRIANGLE_STRIP && mode !== TRIANGLE_FAN) continue
        if (prim.listTargets().length > 0 || !prim.getAttribute('POSITION')) continue
        if (mode !== TRIANGLES) fn.convertPrimitiveToTriangles(prim)
        if (!prim.getIndices()) fn.weldPrimitive(prim)
        const reached = simplifyPrimitive(doc, prim, simplifier, ratio, error, fn.compactPrimitive, lockBorder)
        onError?.(reached)
      }
    }
  }
}

function simplifyPrimitive(
  doc: Document,
  prim: Primitive,
  simplifier: typeof MeshoptSimplifier,
  ratio: number,
  error: number,
  compact: (prim: Primitive) => Primitive,
  lockBorder: boolean,
): number {
  const indices = prim.getIndices()!
  const position = prim.getAttribute('POSITION')!
  const indexArray = Uint32Array.from(indices.getArray()!)
  const target = Math.floor((ratio * indexArray.length) / 3) * 3
  if (target >= indexArray.length) return 0
  const { data, stride, weights } = attributeBlock(prim)
  const [kept, reached] = simplifier.simplifyWithAttributes(
    indexArray,
    floats(position, 3),
    3,
    data,
    stride,
    weights,
    null,
    target,
    error,
    lockBorder ? ['LockBorder'] : [],
  )
  if (kept.length === indexArray.length) return reached
  const out = doc
    .createAccessor(indices.getName())
    .setType('SCALAR')
    .setBuffer(indices.getBuffer())
    .setArray(position.getCount() <= 65535 ? Uint16Array.from(kept) : kept)
  prim.setIndices(out)
  if (indices.listParents().length === 1) indices.dispose()
  compact(prim)
  return reached
}

// Interleaves the attributes the simplifier should respect; a primitive with neither gets one zero column,
// because the simplifier needs a stride of at least one.
export function attributeBlock(prim: Primitive): { data: Float32Array; stride: number; weights: number[] } {
  const columns: { values: Float32Array; size: number; weight: number }[] = []
  const normal = prim.getAttribute('NORMAL')
  if (normal) columns.push({ values: floats(normal, 3), size: 3, weight: NORMAL_WEIGHT })
  const uv = prim.getAttribute('TEXCOORD_0')
  if (uv) columns.push({ values: floats(uv, 2), size: 2, weight: UV_WEIGHT })
  const count = prim.getAttribute('POSITION')!.getCount()
  if (columns.length === 0) return { data: new Float32Array(count), stride: 1, weights: [0] }
  const stride = columns.reduce((sum, c) => sum + c.size, 0)
  const data = new Float32Array(count * stride)
  let offset = 0
  for (const { values, size } of columns) {
    for (let v = 0; v < count; v++) {
      for (let k = 0; k < size; k++) data[v * stride + offset + k] = values[v * size + k]!
    }
    offset += size
  }
  return { data, stride, weights: columns.flatMap(c => new Array<number>(c.size).fill(c.weight)) }
}

// Float copy of an accessor, dequantized (normalized integer attributes come back in their real range).
export function floats(accessor: Accessor, size: number): Float32Array {
  const count = accessor.getCount()
  const out = new Float32Array(count * size)
  const element: number[] = []
  for (let i = 0; i < count; i++) {
    accessor.getElement(i, element)
    for (let k = 0; k < size; k++) out[i * size + k] = element[k] ?? 0
  }
  return out
}
