/**
 * Procedural stand-in for a Hyper3D Rodin result (`base_basic_pbr.glb` / `base_basic_shaded.glb`): one mesh,
 * one indexed triangle primitive (POSITION, NORMAL, TEXCOORD_0) shaped like a lumpy organic blob, and either
 * a PBR material with three noisy PNG textures (baseColor, normal, metallicRoughness) or the untextured
 * `place_holder` material. Same options and seed → same bytes, so tests and the demo get realistic data of
 * any size without shipping large binaries. sharp and glTF-Transform load only when a model is generated.
 */
import type { Document } from '@gltf-transform/core'
import type Sharp from 'sharp'

export interface RodinLikeOptions {
  /** Triangle count of the mesh (within 1%). @default 20_000 */
  triangles?: number
  /** Width and height of each texture in px. @default 1024 */
  textureSize?: number
  /** `'pbr'`: three PNG textures; `'shaded'`: the untextured `place_holder` material. @default 'pbr' */
  material?: 'pbr' | 'shaded'
  /** Seed of all noise: shape and textures. @default 1 */
  seed?: number
  /**
   * 0–1: how much sharp, baked-in detail the textures carry (crevices between plate-like cells, per-cell
   * color and roughness, pixel grain), as real AI textures do. 0 gives smooth noise that any codec
   * compresses to almost nothing; benchmarks use ~0.6. @default 0
   */
  detail?: number
}

/**
 * Builds a Rodin-like GLB that passes the Khronos validator.
 *
 * Example:
 * ```ts
 * const glb = await generateRodinLikeGlb({ triangles: 30_000, textureSize: 1024, seed: 7 })
 * ```
 */
export async function generateRodinLikeGlb(opts: RodinLikeOptions = {}): Promise<Uint8Array> {
  const triangles = opts.triangles ?? 20_000
  const textureSize = opts.textureSize ?? 1024
  const material = opts.material ?? 'pbr'
  const seed = opts.seed ?? 1
  if (!Number.isInteger(triangles) || triangles < 12 || triangles > 5_000_000) {
    throw new RangeError(`generateRodinLikeGlb: triangles must be an integer from 12 to 5000000 (got ${triangles})`)
  }
  if (!Number.isInteger(textureSize) || textureSize < 16 || textureSize > 8192) {
    throw new RangeError(`generateRodinLikeGlb: textureSize must be an integer from 16 to 8192 (got ${textureSize})`)
  }
  if (material !== 'pbr' && material !== 'shaded') {
    throw new RangeError(`generateRodinLikeGlb: material must be "pbr" or "shaded" (got ${String(material)})`)
  }
  if (!Number.isInteger(seed)) throw new RangeError(`generateRodinLikeGlb: seed must be an integer (got ${seed})`)
  const detail = opts.detail ?? 0
  if (!(detail >= 0 && detail <= 1))
    throw new RangeError(`generateRodinLikeGlb: detail must be a number from 0 to 1 (got ${detail})`)

  const { Document, NodeIO } = await import('@gltf-transform/core')
  const doc = new Document()
  doc.getRoot().getAsset().generator = 'unplugin-rodin emulator (rodin-like)'
  const buffer = doc.createBuffer()
  const geo = buildBlob(triangles, seed)
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(geo.positions).setBuffer(buffer))
    .setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(geo.normals).setBuffer(buffer))
    .setAttribute('TEXCOORD_0', doc.createAccessor().setType('VEC2').setArray(geo.uvs).setBuffer(buffer))
    .setIndices(doc.createAccessor().setType('SCALAR').setArray(geo.indices).setBuffer(buffer))
    .setMaterial(material === 'pbr' ? await pbrMaterial(doc, textureSize, seed, detail) : shadedMaterial(doc))
  const mesh = doc.createMesh('geometry_0').addPrimitive(prim)
  const node = doc.createNode('rodin_model').setMesh(mesh)
  doc.createScene('Scene').addChild(node)
  doc.getRoot().setDefaultScene(doc.getRoot().listScenes()[0]!)
  return new NodeIO().writeBinary(doc)
}

interface Geometry {
  positions: Float32Array
  normals: Float32Array
  uvs: Float32Array
  indices: Uint16Array | Uint32Array
}

/**
 * A UV sphere (m+1 latitude bands, `seg` segments; 2·seg·m triangles) pushed in and out by a sum of
 * random waves. Pole and seam vertices are duplicated so UVs stay continuous, but they share positions and
 * normals (accumulated on a canonical vertex), so the surface is smooth and watertight in shape.
 */
function buildBlob(triangles: number, seed: number): Geometry {
  const { m, seg } = chooseGrid(triangles)
  const bands = m + 1
  const random = mulberry32(seed)
  const waves = Array.from({ length: 14 }, (_, k) => {
    const dir = randomUnit(random)
    const frequency = k < 5 ? 1 + random() * 2 : 4 + random() * 6
    return { dir, frequency, amplitude: (k < 5 ? 0.09 : 0.018) * (0.5 + random()), phase: random() * Math.PI * 2 }
  })
  const stretch = [0.85 + random() * 0.3, 1 + random() * 0.3, 0.85 + random() * 0.3]
  const surface = (theta: number, phi: number): [number, number, number] => {
    const d: [number, number, number] = [
      Math.sin(theta) * Math.cos(phi),
      Math.cos(theta),
      Math.sin(theta) * Math.sin(phi),
    ]
    let r = 1
    for (const w of waves)
      r +=
        w.amplitude * Math.sin(w.frequency * (d[0] * w.dir[0] + d[1] * w.dir[1] + d[2] * w.dir[2]) * Math.PI + w.phase)
    return [d[0] * r * stretch[0]!, d[1] * r * stretch[1]!, d[2] * r * stretch[2]!]
  }
  // Vertex layout: seg top-pole copies, then (bands-1) rings of seg+1, then seg bottom-pole copies.
  const ringStart = seg
  const bottomStart = seg + (bands - 1) * (seg + 1)
  const vertexCount = bottomStart + seg
  const positions = new Float32Array(vertexCount * 3)
  const uvs = new Float32Array(vertexCount * 2)
  const canonical = new Uint32Array(vertexCount) // vertex whose normal this one shares
  const put = (v: number, p: [number, number, number], u: number, t: number, c: number): void => {
    positions.set(p, v * 3)
    uvs[v * 2] = u
    uvs[v * 2 + 1] = t
    canonical[v] = c
  }
  const top = surface(0, 0)
  const bottom = surface(Math.PI, 0)
  for (let j = 0; j < seg; j++) {
    put(j, top, (j + 0.5) / seg, 0, 0)
    put(bottomStart + j, bottom, (j + 0.5) / seg, 1, bottomStart)
  }
  for (let r = 1; r < bands; r++) {
    const theta = (Math.PI * r) / bands
    for (let j = 0; j <= seg; j++) {
      const v = ringStart + (r - 1) * (seg + 1) + j
      // j = seg is the seam copy of j = 0: computed from the same angle so the positions are bitwise equal.
      put(v, surface(theta, (2 * Math.PI * (j % seg)) / seg), j / seg, r / bands, v - (j === seg ? seg : 0))
    }
  }
  const indices = vertexCount > 65535 ? new Uint32Array(triangles3(seg, m)) : new Uint16Array(triangles3(seg, m))
  let i = 0
  const tri = (a: number, b: number, c: number): void => {
    indices[i++] = a
    indices[i++] = b
    indices[i++] = c
  }
  const ring = (r: number, j: number): number => ringStart + (r - 1) * (seg + 1) + j
  for (let j = 0; j < seg; j++) {
    tri(j, ring(1, j + 1), ring(1, j))
    tri(bottomStart + j, ring(bands - 1, j), ring(bands - 1, j + 1))
    for (let r = 1; r < bands - 1; r++) {
      tri(ring(r, j), ring(r, j + 1), ring(r + 1, j))
      tri(ring(r, j + 1), ring(r + 1, j + 1), ring(r + 1, j))
    }
  }
  return { positions, normals: smoothNormals(positions, indices, canonical), uvs, indices }
}

function triangles3(seg: number, m: number): number {
  return 2 * seg * m * 3
}

/** Picks m (bands-1) and seg with 2·seg·m closest to the target, preferring seg ≈ 2m (even quads). */
function chooseGrid(triangles: number): { m: number; seg: number } {
  const ideal = Math.sqrt(triangles / 4)
  let best = { m: 1, seg: Math.max(3, Math.round(triangles / 2)), err: Infinity, aspect: Infinity }
  for (let m = Math.max(1, Math.floor(ideal / 2)); m <= Math.ceil(ideal * 2); m++) {
    const seg = Math.max(3, Math.round(triangles / (2 * m)))
    const err = Math.abs(2 * seg * m - triangles)
    const aspect = Math.abs(seg - 2 * m)
    if (err < best.err || (err === best.err && aspect < best.aspect)) best = { m, seg, err, aspect }
  }
  return { m: best.m, seg: best.seg }
}

function smoothNormals(positions: Float32Array, indices: ArrayLike<number>, canonical: Uint32Array): Float32Array {
  const acc = new Float64Array(positions.length)
  for (let t = 0; t < indices.length; t += 3) {
    const [a, b, c] = [indices[t]!, indices[t + 1]!, indices[t + 2]!]
    const e1 = [0, 1, 2].map(k => positions[b * 3 + k]! - positions[a * 3 + k]!)
    const e2 = [0, 1, 2].map(k => positions[c * 3 + k]! - positions[a * 3 + k]!)
    const n = [e1[1]! * e2[2]! - e1[2]! * e2[1]!, e1[2]! * e2[0]! - e1[0]! * e2[2]!, e1[0]! * e2[1]! - e1[1]! * e2[0]!]
    for (const v of [a, b, c]) for (let k = 0; k < 3; k++) acc[canonical[v]! * 3 + k]! += n[k]!
  }
  const normals = new Float32Array(positions.length)
  for (let v = 0; v < canonical.length; v++) {
    const c = canonical[v]! * 3
    const len = Math.hypot(acc[c]!, acc[c + 1]!, acc[c + 2]!) || 1
    for (let k = 0; k < 3; k++) normals[v * 3 + k] = acc[c + k]! / len
  }
  return normals
}

function shadedMaterial(doc: Document) {
  return doc
    .createMaterial('place_holder')
    .setBaseColorFactor([0.8, 0.8, 0.8, 1])
    .setMetallicFactor(0)
    .setRoughnessFactor(0.5)
}

/**
 * Textures from two fractal value-noise fields whose finest octave is a few pixels wide at any size, like
 * the baked detail of a real scan-like AI texture: the PNGs come out about as large as Rodin's (textures are
 * 30–70% of a Rodin GLB), and a smooth field alone would compress to almost nothing.
 */
async function pbrMaterial(doc: Document, size: number, seed: number, detail: number) {
  const sharp = (await import('sharp')).default
  const octaves = Math.max(3, Math.round(Math.log2(size)) - 4)
  const height = fbm(size, seed * 7 + 1, octaves)
  const tint = fbm(size, seed * 7 + 2, Math.max(3, octaves - 2))
  if (detail > 0) addDetail(height, tint, size, seed * 7 + 3, detail)
  const pixels = size * size
  const color = new Uint8Array(pixels * 3)
  const normal = new Uint8Array(pixels * 3)
  const metalRough = new Uint8Array(pixels * 3)
  // Central differences in UV units, scaled so the bumps look alike at every texture size.
  const strength = size / 512
  for (let y = 0; y < size; y++) {
    const up = ((y + size - 1) % size) * size
    const down = ((y + 1) % size) * size
    for (let x = 0; x < size; x++) {
      const p = y * size + x
      const h = height[p]!
      const t = tint[p]!
      color[p * 3] = clampByte(90 + 110 * h + 40 * t)
      color[p * 3 + 1] = clampByte(70 + 80 * h + 20 * t)
      color[p * 3 + 2] = clampByte(50 + 40 * h + 60 * (1 - t))
      const dx = (height[y * size + ((x + 1) % size)]! - height[y * size + ((x + size - 1) % size)]!) * strength
      const dy = (height[down + x]! - height[up + x]!) * strength
      const len = Math.hypot(dx, dy, 1)
      normal[p * 3] = clampByte(128 - (dx / len) * 127)
      normal[p * 3 + 1] = clampByte(128 - (dy / len) * 127)
      normal[p * 3 + 2] = clampByte(128 + (1 / len) * 127)
      metalRough[p * 3] = 255 // R is unused by glTF metallicRoughness
      metalRough[p * 3 + 1] = clampByte(90 + 120 * t)
      metalRough[p * 3 + 2] = h > 0.62 ? 200 : 12
    }
  }
  const [baseColor, normalMap, metallicRoughness] = await Promise.all(
    [color, normal, metalRough].map(data => encodePng(sharp, data, size)),
  )
  const texture = (name: string, image: Uint8Array) => doc.createTexture(name).setMimeType('image/png').setImage(image)
  return doc
    .createMaterial('rodin_pbr')
    .setBaseColorTexture(texture('baseColor', baseColor!))
    .setNormalTexture(texture('normal', normalMap!))
    .setMetallicRoughnessTexture(texture('metallicRoughness', metallicRoughness!))
    .setMetallicFactor(1)
    .setRoughnessFactor(1)
}

async function encodePng(sharp: typeof Sharp, data: Uint8Array, size: number): Promise<Uint8Array> {
  const png = await sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer()
  return new Uint8Array(png)
}

/**
 * Sharp detail on top of the smooth fields: cells (a Worley pattern, 40 across) whose borders sink into
 * 1–2 px crevices, a value per cell that shifts tint, and per-pixel grain. Same seed → same pixels.
 */
function addDetail(height: Float32Array, tint: Float32Array, size: number, seed: number, detail: number): void {
  const random = mulberry32(seed)
  const cells = 40
  const points = Float32Array.from({ length: cells * cells * 3 }, () => random())
  const cellSize = size / cells
  for (let y = 0; y < size; y++) {
    const cy = Math.floor(y / cellSize)
    for (let x = 0; x < size; x++) {
      const cx = Math.floor(x / cellSize)
      let f1 = Infinity
      let f2 = Infinity
      let value = 0
      for (let j = cy - 1; j <= cy + 1; j++) {
        for (let i = cx - 1; i <= cx + 1; i++) {
          const k = (((j + cells) % cells) * cells + ((i + cells) % cells)) * 3
          const d = Math.hypot((i + points[k]!) * cellSize - x, (j + points[k + 1]!) * cellSize - y)
          if (d < f1) [f2, f1, value] = [f1, d, points[k + 2]!]
          else if (d < f2) f2 = d
        }
      }
      const crevice = Math.max(0, 1 - (f2 - f1) / ((1.5 * size) / 1024))
      const p = y * size + x
      const grain = random() - 0.5
      height[p] = height[p]! * (1 - 0.3 * detail) + detail * (0.3 * value - 0.35 * crevice)
      tint[p] = tint[p]! * (1 - 0.5 * detail) + detail * (0.5 * value + 0.015 * grain)
    }
  }
}

/** Fractal value noise in [0, 1], horizontally tileable (the sphere's UV seam shows no edge). */
function fbm(size: number, seed: number, octaves: number): Float32Array {
  const random = mulberry32(seed)
  const out = new Float32Array(size * size)
  let amplitude = 0.5
  let total = 0
  for (let o = 0; o < octaves; o++) {
    const cells = 4 << o
    const lattice = Float32Array.from({ length: cells * (cells + 1) }, () => random())
    const scale = cells / size
    for (let y = 0; y < size; y++) {
      const gy = y * scale
      const y0 = Math.floor(gy)
      const fy = smooth(gy - y0)
      for (let x = 0; x < size; x++) {
        const gx = x * scale
        const x0 = Math.floor(gx)
        const fx = smooth(gx - x0)
        const x1 = (x0 + 1) % cells
        const a = lattice[y0 * cells + x0]!
        const b = lattice[y0 * cells + x1]!
        const c = lattice[(y0 + 1) * cells + x0]!
        const d = lattice[(y0 + 1) * cells + x1]!
        out[y * size + x]! += amplitude * (a + (b - a) * fx + (c - a + (d - c - b + a) * fx) * fy)
      }
    }
    total += amplitude
    amplitude *= 0.5
  }
  for (let i = 0; i < out.length; i++) out[i]! /= total
  return out
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t)
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v)
}

function randomUnit(random: () => number): [number, number, number] {
  const z = random() * 2 - 1
  const a = random() * Math.PI * 2
  const s = Math.sqrt(1 - z * z)
  return [s * Math.cos(a), s * Math.sin(a), z]
}

/** Small, fast, seedable PRNG: the output must not depend on Math.random. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
