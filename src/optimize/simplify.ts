import type { Accessor, Document, Primitive, Transform } from '@gltf-transform/core'
import type { MeshoptSimplifier } from 'meshoptimizer'
import { assignDefaults, createTransform } from '@gltf-transform/functions'
import { getMeshopt } from './io.js'

const NAME = 'simplifyMeshes'

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
/**
 * A morph target's position delta is a displacement in the same units as the position: weight 1 makes a
 * collapse cost what it would cost in the blend shape at full weight, so the simplifier keeps the vertices
 * that carry a blend shape and merges only where the targets move vertices alike.
 */
const TARGET_WEIGHT = 1
/** meshoptimizer weighs at most this many attribute floats per vertex. */
const MAX_ATTRIBUTE_FLOATS = 32

/** Options of {@link simplifyMeshes}. */
export interface SimplifyMeshesOptions {
  /** Share of each primitive's triangles to keep at least, in (0, 1]. @default 0.5 */
  ratio?: number
  /** Error (a fraction of the mesh size) at which the simplifier stops early, in [0, 1]. @default 0.001 */
  error?: number
  /** Keep open mesh borders in place (LOD levels: no cracks where the mesh is open). @default false */
  lockBorder?: boolean
  /** Called with the error each simplified primitive reached. @default undefined */
  onError?: (error: number) => void
  /** meshoptimizer's simplifier, initialised. @default meshoptimizer's `MeshoptSimplifier`, loaded on first use */
  simplifier?: typeof MeshoptSimplifier
}

export const SIMPLIFY_MESHES_DEFAULTS: Required<Omit<SimplifyMeshesOptions, 'onError' | 'simplifier'>> = {
  ratio: 0.5,
  error: 0.001,
  lockBorder: false,
}

/**
 * Error-bounded, attribute-aware mesh simplification (meshoptimizer `simplifyWithAttributes`): keeps at
 * least `ratio` of each primitive's triangles and stops earlier once the error (relative to the mesh size)
 * would pass `error`. Unlike glTF-Transform's `simplify`, which looks at positions only, it weighs normals
 * and UVs, so the shading and texturing of the result stay close to the original.
 *
 * Morph targets move vertices the rest pose does not show, so their position deltas are weighed too: a
 * collapse that is invisible in the rest pose but would tear a blend shape costs what the tear costs. A
 * primitive with more targets than meshoptimizer can weigh (9 beside a normal and one UV set) is left whole.
 */
export function simplifyMeshes(options: SimplifyMeshesOptions = {}): Transform {
  const { ratio, error, lockBorder, onError } = assignDefaults(SIMPLIFY_MESHES_DEFAULTS, options)
  if (!(ratio > 0 && ratio <= 1)) throw new RangeError(`${NAME}: ratio must be in (0, 1] (got ${ratio})`)
  if (!(error >= 0 && error <= 1)) throw new RangeError(`${NAME}: error must be in [0, 1] (got ${error})`)
  return createTransform(NAME, async (doc: Document): Promise<void> => {
    const simplifier = options.simplifier ?? (await getMeshopt()).simplifier
    const fn = await import('@gltf-transform/functions')
    for (const mesh of doc.getRoot().listMeshes()) {
      for (const prim of mesh.listPrimitives()) {
        const mode = prim.getMode()
        if (mode !== TRIANGLES && mode !== TRIANGLE_STRIP && mode !== TRIANGLE_FAN) continue
        if (!prim.getAttribute('POSITION') || !weighable(prim)) continue
        if (mode !== TRIANGLES) fn.convertPrimitiveToTriangles(prim)
        if (!prim.getIndices()) fn.weldPrimitive(prim)
        const reached = simplifyPrimitive(doc, prim, simplifier, ratio, error, fn.compactPrimitive, lockBorder)
        onError?.(reached)
      }
    }
  })
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
  const count = prim.getIndices()!.getCount()
  const target = Math.floor((ratio * count) / 3) * 3
  if (target >= count) return 0
  const [kept, reached] = simplifiedIndices(prim, simplifier, target, error, lockBorder)
  if (kept.length === count) return reached
  replaceIndices(doc, prim, kept)
  compact(prim)
  return reached
}

/**
 * meshoptimizer's attribute-aware simplifier on one indexed triangle primitive: the indices it keeps and the
 * error it reached. `targetIndexCount` 0 lets the error bound alone decide where to stop.
 */
export function simplifiedIndices(
  prim: Primitive,
  simplifier: typeof MeshoptSimplifier,
  targetIndexCount: number,
  error: number,
  lockBorder: boolean,
): [Uint32Array, number] {
  const { data, stride, weights } = attributeBlock(prim)
  return simplifier.simplifyWithAttributes(
    Uint32Array.from(prim.getIndices()!.getArray()!),
    floats(prim.getAttribute('POSITION')!, 3),
    3,
    data,
    stride,
    weights,
    null,
    targetIndexCount,
    error,
    lockBorder ? ['LockBorder'] : [],
  )
}

/** Gives the primitive `kept` as its indices, 16-bit when its vertices allow; the old accessor goes if unshared. */
export function replaceIndices(doc: Document, prim: Primitive, kept: Uint32Array): void {
  const indices = prim.getIndices()!
  const out = doc
    .createAccessor(indices.getName())
    .setType('SCALAR')
    .setBuffer(indices.getBuffer())
    .setArray(prim.getAttribute('POSITION')!.getCount() <= 65535 ? Uint16Array.from(kept) : kept)
  prim.setIndices(out)
  if (indices.listParents().length === 1) indices.dispose()
}

interface Column {
  values: Float32Array
  size: number
  weight: number
}

// The attributes the simplifier should respect, in a fixed order.
function columnsOf(prim: Primitive): Column[] {
  const columns: Column[] = []
  const normal = prim.getAttribute('NORMAL')
  if (normal) columns.push({ values: floats(normal, 3), size: 3, weight: NORMAL_WEIGHT })
  const uv = prim.getAttribute('TEXCOORD_0')
  if (uv) columns.push({ values: floats(uv, 2), size: 2, weight: UV_WEIGHT })
  for (const target of prim.listTargets()) {
    const delta = target.getAttribute('POSITION')
    if (delta) columns.push({ values: floats(delta, 3), size: 3, weight: TARGET_WEIGHT })
  }
  return columns
}

// Whether every attribute that shapes the primitive fits in what meshoptimizer weighs; otherwise a collapse
// could tear a blend shape the simplifier was not shown.
function weighable(prim: Primitive): boolean {
  let size = (prim.getAttribute('NORMAL') ? 3 : 0) + (prim.getAttribute('TEXCOORD_0') ? 2 : 0)
  for (const target of prim.listTargets()) if (target.getAttribute('POSITION')) size += 3
  return size <= MAX_ATTRIBUTE_FLOATS
}

// Interleaves the attributes the simplifier should respect; a primitive with none gets one zero column,
// because the simplifier needs a stride of at least one.
function attributeBlock(prim: Primitive): { data: Float32Array; stride: number; weights: number[] } {
  const columns = columnsOf(prim)
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
function floats(accessor: Accessor, size: number): Float32Array {
  const count = accessor.getCount()
  const out = new Float32Array(count * size)
  const element: number[] = []
  for (let i = 0; i < count; i++) {
    accessor.getElement(i, element)
    for (let k = 0; k < size; k++) out[i * size + k] = element[k] ?? 0
  }
  return out
}
