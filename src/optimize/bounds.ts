import type { Accessor, Mesh, Node, Primitive, Scene } from '@gltf-transform/core'

type Vec3 = [number, number, number]
type Mat4 = ArrayLike<number> // column-major, as glTF and glTF-Transform store them

export interface Box {
  min: Vec3
  max: Vec3
}

/**
 * World-space bounds of a scene in its stored pose. Rigid meshes are measured like glTF-Transform's
 * `getBounds` (every indexed vertex through the node's world matrix). Skinned meshes need their own path:
 * glTF ignores a skinned node's transform and places vertices through joints × inverse bind matrices, and
 * after quantization (meshopt) the raw positions are in a unit box that only the bind matrices undo, so
 * `getBounds` would report that unit box. An empty scene gives a zero box.
 */
export function sceneBounds(scene: Scene | undefined): Box {
  const box: Box = { min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] }
  for (const child of scene?.listChildren() ?? []) {
    child.traverse(node => {
      const mesh = node.getMesh()
      if (!mesh) return
      const skin = node.getSkin()
      if (skin) addSkinned(box, mesh, node.getWorldMatrix(), skin.listJoints(), skin.getInverseBindMatrices())
      else addRigid(box, mesh, node.getWorldMatrix())
    })
  }
  if (![...box.min, ...box.max].every(Number.isFinite)) return { min: [0, 0, 0], max: [0, 0, 0] }
  return box
}

// Straight from the accessor's array (this runs on every optimized model): the same decoding as
// `Accessor.getElement` and the same arithmetic as `transformPoint`, so the bounds are bit-identical.
function addRigid(box: Box, mesh: Mesh, m: Mat4): void {
  for (const prim of mesh.listPrimitives()) {
    const position = prim.getAttribute('POSITION')
    if (!position) continue
    const array = position.getArray()
    if (!array) continue
    const stride = position.getElementSize()
    const decode = position.getNormalized() ? normalizedDecoder(position.getComponentType()) : undefined
    const used = usedVertices(prim, position.getCount())
    const { min, max } = box
    for (let v = 0; v < used.length; v++) {
      if (!used[v]) continue
      let x = array[v * stride]!
      let y = array[v * stride + 1]!
      let z = array[v * stride + 2]!
      if (decode) {
        x = decode(x)
        y = decode(y)
        z = decode(z)
      }
      const w = m[3]! * x + m[7]! * y + m[11]! * z + m[15]! || 1
      const px = (m[0]! * x + m[4]! * y + m[8]! * z + m[12]!) / w
      const py = (m[1]! * x + m[5]! * y + m[9]! * z + m[13]!) / w
      const pz = (m[2]! * x + m[6]! * y + m[10]! * z + m[14]!) / w
      if (px < min[0]) min[0] = px
      if (px > max[0]) max[0] = px
      if (py < min[1]) min[1] = py
      if (py > max[1]) max[1] = py
      if (pz < min[2]) min[2] = pz
      if (pz > max[2]) max[2] = pz
    }
  }
}

// glTF component types (spec constants) and how `Accessor.getElement` decodes each when normalized.
function normalizedDecoder(componentType: number): ((i: number) => number) | undefined {
  switch (componentType) {
    case 5123:
      return i => i / 65535 // UNSIGNED_SHORT
    case 5121:
      return i => i / 255 // UNSIGNED_BYTE
    case 5122:
      return i => Math.max(i / 32767, -1) // SHORT
    case 5120:
      return i => Math.max(i / 127, -1) // BYTE
    default:
      return undefined // FLOAT (and anything else) as stored
  }
}

function addSkinned(box: Box, mesh: Mesh, nodeWorld: Mat4, joints: Node[], ibms: Accessor | null): void {
  const ibm: number[] = new Array(16).fill(0)
  const jointMatrices = joints.map((joint, j) => {
    if (ibms) ibms.getElement(j, ibm)
    return multiply(joint.getWorldMatrix(), ibms ? ibm : IDENTITY)
  })
  const local: number[] = [0, 0, 0]
  const jointIds: number[] = [0, 0, 0, 0]
  const weights: number[] = [0, 0, 0, 0]
  const blended = new Float64Array(16)
  for (const prim of mesh.listPrimitives()) {
    const position = prim.getAttribute('POSITION')
    if (!position) continue
    const sets = influenceSets(prim)
    forEachUsedVertex(prim, position, index => {
      position.getElement(index, local)
      blended.fill(0)
      let total = 0
      for (const [jointAccessor, weightAccessor] of sets) {
        jointAccessor.getElement(index, jointIds)
        weightAccessor.getElement(index, weights)
        for (let k = 0; k < 4; k++) {
          const matrix = jointMatrices[jointIds[k]!]
          const w = weights[k]!
          if (!matrix || !(w > 0)) continue
          for (let e = 0; e < 16; e++) blended[e]! += w * matrix[e]!
          total += w
        }
      }
      if (total > 0) {
        for (let e = 0; e < 16; e++) blended[e]! /= total
        expand(box, transformPoint(blended, local[0]!, local[1]!, local[2]!))
      } else {
        expand(box, transformPoint(nodeWorld, local[0]!, local[1]!, local[2]!))
      }
    })
  }
}

function influenceSets(prim: Primitive): [Accessor, Accessor][] {
  const sets: [Accessor, Accessor][] = []
  for (let n = 0; ; n++) {
    const joints = prim.getAttribute(`JOINTS_${n}`)
    const weights = prim.getAttribute(`WEIGHTS_${n}`)
    if (!joints || !weights) return sets
    sets.push([joints, weights])
  }
}

// Each used vertex once, in index order: a vertex is shared by ~6 triangles, and the bounds only need
// the set (this runs on every optimized model, so visiting each index would cost 6× for nothing).
function forEachUsedVertex(prim: Primitive, position: Accessor, visit: (index: number) => void): void {
  const used = usedVertices(prim, position.getCount())
  for (let v = 0; v < used.length; v++) if (used[v]) visit(v)
}

/** 1 for every vertex an index (or, without indices, the draw) refers to. */
function usedVertices(prim: Primitive, count: number): Uint8Array {
  const indices = prim.getIndices()?.getArray()
  const used = new Uint8Array(count)
  if (!indices) return used.fill(1)
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!
    if (v < count) used[v] = 1
  }
  return used
}

const IDENTITY: Mat4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]

function multiply(a: Mat4, b: Mat4): Float64Array {
  const out = new Float64Array(16)
  for (let col = 0; col < 4; col++) {
    for (let row = 0; row < 4; row++) {
      let sum = 0
      for (let k = 0; k < 4; k++) sum += a[k * 4 + row]! * b[col * 4 + k]!
      out[col * 4 + row] = sum
    }
  }
  return out
}

function transformPoint(m: Mat4, x: number, y: number, z: number): Vec3 {
  const w = m[3]! * x + m[7]! * y + m[11]! * z + m[15]! || 1
  return [
    (m[0]! * x + m[4]! * y + m[8]! * z + m[12]!) / w,
    (m[1]! * x + m[5]! * y + m[9]! * z + m[13]!) / w,
    (m[2]! * x + m[6]! * y + m[10]! * z + m[14]!) / w,
  ]
}

function expand(box: Box, p: Vec3): void {
  for (let i = 0; i < 3; i++) {
    if (p[i]! < box.min[i]!) box.min[i] = p[i]!
    if (p[i]! > box.max[i]!) box.max[i] = p[i]!
  }
}
