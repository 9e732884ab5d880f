// The bench's AI-like models: GLBs shaped like what users actually download from image-to-3D services (issue
// #16), generated from a seed and cached. See AI_MODELS for what each one stands for; textures come from
// ./ai-textures.js, the list from ./ai-models.js. A model is rebuilt only when its spec, this file,
// ai-textures.js or sharp changes.
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AI_MODELS } from './ai-models.js'
import { aiMaps, mulberry32, normalFromLuma, panelMap } from './ai-textures.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const BENCH_CACHE_DIR = process.env.BENCH_CACHE_DIR || join(ROOT, '.cache/bench')

/**
 * `[{ name, path, bytes, source }]` for every AI-like model (or the given specs), written to `dir` (from the
 * cache when it can).
 */
export async function buildAiModels(dir, { log = () => {}, specs = AI_MODELS } = {}) {
  const version = await codeVersion()
  const cacheDir = join(BENCH_CACHE_DIR, 'corpus')
  await mkdir(cacheDir, { recursive: true })
  const entries = []
  for (const spec of specs) {
    const key = createHash('sha256').update(version).update(JSON.stringify(spec)).digest('hex').slice(0, 16)
    const cached = join(cacheDir, `${spec.name}-${key}.glb`)
    let bytes = await readFile(cached).catch(() => undefined)
    if (!bytes) {
      const t = performance.now()
      bytes = await generate(spec)
      // Write then rename: an interrupted run never leaves a truncated model in the cache.
      await writeFile(`${cached}.tmp`, bytes)
      await rename(`${cached}.tmp`, cached)
      log(
        `generated ${spec.name} (${(bytes.byteLength / 1e6).toFixed(1)} MB, ${((performance.now() - t) / 1000).toFixed(0)} s)`,
      )
    }
    const path = join(dir, `${spec.name}.glb`)
    await writeFile(path, bytes)
    entries.push({ name: spec.name, path, bytes: bytes.byteLength, source: `bench/ai-like.js ${JSON.stringify(spec)}` })
  }
  return entries
}

async function codeVersion() {
  const sharpVersion = JSON.parse(await readFile(join(ROOT, 'node_modules/sharp/package.json'), 'utf8')).version
  const files = ['bench/ai-like.js', 'bench/ai-textures.js']
  const hash = createHash('sha256').update(sharpVersion)
  for (const f of files) hash.update(await readFile(join(ROOT, f)))
  return hash.digest('hex')
}

async function generate(spec) {
  const { Document, NodeIO } = await import('@gltf-transform/core')
  const sharp = (await import('sharp')).default
  const doc = new Document()
  doc.getRoot().getAsset().generator = 'unplugin-rodin bench (ai-like)'
  const buffer = doc.createBuffer()
  const scene = doc.createScene('Scene')
  doc.getRoot().setDefaultScene(scene)
  const ctx = { doc, buffer, sharp }
  if (spec.kind === 'rodin') {
    // A re-export that subdivided the mesh without smoothing it: every triangle split in four, flat.
    const geo = spec.subdivide
      ? subdivide(blob(spec.triangles / 4, spec.seed, { smooth: spec.smooth }))
      : blob(spec.triangles, spec.seed, { smooth: spec.smooth })
    const made = spec.detail ?? spec.size
    const maps = aiMaps(made, spec.seed, { grain: spec.grain, palette: spec.palette })
    const up = { upscale: spec.size }
    const material = doc
      .createMaterial('material_0')
      .setBaseColorTexture(
        await texture(ctx, 'baseColor', maps.color, made, 3, { ...up, format: spec.jpeg ? 'jpeg' : 'png' }),
      )
      .setNormalTexture(await texture(ctx, 'normal', maps.normal, made, 3, up))
      .setMetallicRoughnessTexture(await texture(ctx, 'metallicRoughness', maps.orm, made, 3, up))
    scene.addChild(doc.createNode('model').setMesh(mesh(ctx, geo, material, { tangents: spec.smooth })))
  } else if (spec.kind === 'shape') {
    const geo = unweld(blob(spec.triangles, spec.seed, { bumps: 1 }))
    const material = doc.createMaterial('default').setBaseColorFactor([0.7, 0.7, 0.72, 1]).setRoughnessFactor(0.6)
    material.setMetallicFactor(0)
    scene.addChild(doc.createNode('shape').setMesh(mesh(ctx, geo, material)))
  } else if (spec.kind === 'helmet') {
    const random = mulberry32(spec.seed)
    const parts = [
      { tris: 4000, size: 512 },
      { tris: 3000, size: 512 },
      { tris: 2500, size: 512 },
      { tris: 2000, size: 256 },
      { tris: 1500, size: 256, blend: true },
      { tris: 1200, size: 256, shares: 2 },
    ]
    const materials = []
    for (const [i, part] of parts.entries()) {
      let material = part.shares === undefined ? undefined : materials[part.shares]
      if (!material) {
        const palette = [0.3 + 0.5 * random(), 0.3 + 0.4 * random(), 0.2 + 0.4 * random()]
        const maps = aiMaps(part.size, spec.seed * 10 + i, { grain: 0.4, palette, alpha: part.blend, atlas: true })
        const s = part.size
        material = doc
          .createMaterial(`material_${i}`)
          .setBaseColorTexture(await texture(ctx, `m${i}_baseColor`, maps.color, s, maps.colorChannels))
          .setNormalTexture(await texture(ctx, `m${i}_normal`, maps.normal, s, 3))
          .setMetallicRoughnessTexture(await texture(ctx, `m${i}_orm`, maps.orm, s, 3))
        material.setOcclusionTexture(material.getMetallicRoughnessTexture())
        if (part.blend) material.setAlphaMode('BLEND')
        materials.push(material)
      }
      const geo = blob(part.tris, spec.seed * 10 + i, { scale: 0.35 + 0.3 * random() })
      const node = doc.createNode(`part_${i}`).setMesh(mesh(ctx, geo, material))
      node.setTranslation([(random() - 0.5) * 0.9, (random() - 0.5) * 1.2, (random() - 0.5) * 0.6])
      scene.addChild(node)
    }
  } else if (spec.kind === 'controller') {
    const size = 2048
    const geo = blob(spec.triangles, spec.seed, { smooth: true })
    const color = panelMap(size, spec.seed, { softness: 2 })
    const material = doc
      .createMaterial('controller')
      .setBaseColorTexture(await texture(ctx, 'baseColor', color, size, 3))
      .setNormalTexture(await texture(ctx, 'normal', normalFromLuma(color, size, 3), size, 3))
    if (spec.maps > 2) {
      const orm = panelMap(size, spec.seed + 100, { softness: 2, grain: 0.1, colors: 3 })
      material.setMetallicRoughnessTexture(await texture(ctx, 'metallicRoughness', orm, size, 3))
    }
    scene.addChild(doc.createNode('controller').setMesh(mesh(ctx, geo, material)))
  } else throw new Error(`bench: unknown AI-like model kind ${spec.kind}`)
  return new NodeIO().writeBinary(doc)
}

async function texture({ doc, sharp }, name, data, size, channels, { format = 'png', upscale = size } = {}) {
  let image = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width: size, height: size, channels },
  })
  if (upscale !== size) image = sharp(await image.resize(upscale, upscale, { kernel: 'lanczos3' }).png().toBuffer())
  const bytes = format === 'jpeg' ? await image.jpeg({ quality: 90 }).toBuffer() : await image.png().toBuffer()
  return doc.createTexture(name).setMimeType(`image/${format}`).setImage(new Uint8Array(bytes))
}

function mesh({ doc, buffer }, geo, material, { tangents = false } = {}) {
  const accessor = (type, array) => doc.createAccessor().setType(type).setArray(array).setBuffer(buffer)
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', geo.positions))
    .setAttribute('NORMAL', accessor('VEC3', geo.normals))
    .setMaterial(material)
  if (geo.uvs) prim.setAttribute('TEXCOORD_0', accessor('VEC2', geo.uvs))
  if (tangents) prim.setAttribute('TANGENT', accessor('VEC4', computeTangents(geo)))
  if (geo.indices) prim.setIndices(accessor('SCALAR', geo.indices))
  return doc.createMesh().addPrimitive(prim)
}

/**
 * A UV sphere pushed in and out by random waves: `smooth` keeps only broad waves (an over-tessellated smooth
 * surface, what a re-export or subdivision leaves), `bumps` adds fine relief (a dense AI shape).
 */
function blob(triangles, seed, { smooth = false, bumps = 0, scale = 1 } = {}) {
  const random = mulberry32(seed)
  const m = Math.max(2, Math.round(Math.sqrt(triangles / 4)))
  const seg = Math.max(3, Math.round(triangles / (2 * m)))
  const waves = Array.from({ length: smooth ? 5 : 14 + (bumps ? 10 : 0) }, (_, k) => {
    const z = random() * 2 - 1
    const a = random() * Math.PI * 2
    const s = Math.sqrt(1 - z * z)
    const fine = k >= 5
    return {
      dir: [s * Math.cos(a), s * Math.sin(a), z],
      frequency: fine ? (k >= 14 ? 12 + random() * 10 : 4 + random() * 6) : 1 + random() * 2,
      amplitude: (fine ? (k >= 14 ? 0.006 : 0.018) : 0.09) * (0.5 + random()),
      phase: random() * Math.PI * 2,
    }
  })
  const rows = m + 1
  const vertexCount = (rows + 1) * (seg + 1)
  const positions = new Float32Array(vertexCount * 3)
  const uvs = new Float32Array(vertexCount * 2)
  for (let r = 0; r <= rows; r++) {
    const theta = (Math.PI * r) / rows
    for (let j = 0; j <= seg; j++) {
      const phi = (2 * Math.PI * (j % seg)) / seg
      const d = [Math.sin(theta) * Math.cos(phi), Math.cos(theta), Math.sin(theta) * Math.sin(phi)]
      let radius = 1
      for (const w of waves)
        radius +=
          w.amplitude *
          Math.sin(w.frequency * (d[0] * w.dir[0] + d[1] * w.dir[1] + d[2] * w.dir[2]) * Math.PI + w.phase)
      const v = r * (seg + 1) + j
      for (let k = 0; k < 3; k++) positions[v * 3 + k] = d[k] * radius * scale
      uvs[v * 2] = j / seg
      uvs[v * 2 + 1] = r / rows
    }
  }
  const list = []
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < seg; j++) {
      const a = r * (seg + 1) + j
      const b = a + 1
      const c = a + seg + 1
      const d = c + 1
      if (r > 0) list.push(a, b, c)
      if (r < rows - 1) list.push(b, d, c)
    }
  }
  const indices = vertexCount > 65535 ? Uint32Array.from(list) : Uint16Array.from(list)
  return { positions, uvs, indices, normals: vertexNormals(positions, indices) }
}

/** Smooth normals; vertices at the same place (poles, the seam) share one so the shading has no crease. */
function vertexNormals(positions, indices) {
  const key = v => `${positions[v * 3]},${positions[v * 3 + 1]},${positions[v * 3 + 2]}`
  const canonical = new Map()
  const acc = new Float64Array(positions.length)
  const of = v => {
    const k = key(v)
    if (!canonical.has(k)) canonical.set(k, v)
    return canonical.get(k)
  }
  for (let t = 0; t < indices.length; t += 3) {
    const [a, b, c] = [indices[t], indices[t + 1], indices[t + 2]]
    const e1 = [0, 1, 2].map(k => positions[b * 3 + k] - positions[a * 3 + k])
    const e2 = [0, 1, 2].map(k => positions[c * 3 + k] - positions[a * 3 + k])
    const n = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]]
    for (const v of [a, b, c]) for (let k = 0; k < 3; k++) acc[of(v) * 3 + k] += n[k]
  }
  const normals = new Float32Array(positions.length)
  for (let v = 0; v < positions.length / 3; v++) {
    const c = of(v) * 3
    const len = Math.hypot(acc[c], acc[c + 1], acc[c + 2]) || 1
    for (let k = 0; k < 3; k++) normals[v * 3 + k] = acc[c + k] / len
  }
  return normals
}

/** Per-vertex tangents from UV derivatives (w = handedness), as an exporter computes them. */
function computeTangents({ positions, normals, uvs, indices }) {
  const n = positions.length / 3
  const tan = new Float64Array(n * 3)
  const bit = new Float64Array(n * 3)
  for (let t = 0; t < indices.length; t += 3) {
    const [a, b, c] = [indices[t], indices[t + 1], indices[t + 2]]
    const e1 = [0, 1, 2].map(k => positions[b * 3 + k] - positions[a * 3 + k])
    const e2 = [0, 1, 2].map(k => positions[c * 3 + k] - positions[a * 3 + k])
    const du1 = uvs[b * 2] - uvs[a * 2]
    const dv1 = uvs[b * 2 + 1] - uvs[a * 2 + 1]
    const du2 = uvs[c * 2] - uvs[a * 2]
    const dv2 = uvs[c * 2 + 1] - uvs[a * 2 + 1]
    const det = du1 * dv2 - du2 * dv1
    if (Math.abs(det) < 1e-12) continue
    const r = 1 / det
    for (const v of [a, b, c]) {
      for (let k = 0; k < 3; k++) {
        tan[v * 3 + k] += (e1[k] * dv2 - e2[k] * dv1) * r
        bit[v * 3 + k] += (e2[k] * du1 - e1[k] * du2) * r
      }
    }
  }
  const out = new Float32Array(n * 4)
  for (let v = 0; v < n; v++) {
    const N = [normals[v * 3], normals[v * 3 + 1], normals[v * 3 + 2]]
    let T = [tan[v * 3], tan[v * 3 + 1], tan[v * 3 + 2]]
    const d = T[0] * N[0] + T[1] * N[1] + T[2] * N[2]
    T = T.map((x, k) => x - N[k] * d)
    let len = Math.hypot(...T)
    if (len < 1e-9) {
      // Poles: any unit vector perpendicular to the normal.
      T = Math.abs(N[0]) < 0.9 ? [0, -N[2], N[1]] : [N[2], 0, -N[0]]
      len = Math.hypot(...T)
    }
    const B = [N[1] * T[2] - N[2] * T[1], N[2] * T[0] - N[0] * T[2], N[0] * T[1] - N[1] * T[0]]
    const w = B[0] * bit[v * 3] + B[1] * bit[v * 3 + 1] + B[2] * bit[v * 3 + 2] < 0 ? -1 : 1
    out.set([T[0] / len, T[1] / len, T[2] / len, w], v * 4)
  }
  return out
}

/** Splits every triangle in four at its edge midpoints (positions and UVs linear, normals renormalised). */
function subdivide({ positions, normals, uvs, indices }) {
  const n = positions.length / 3
  const mid = new Map()
  const p = Array.from(positions)
  const nn = Array.from(normals)
  const uv = Array.from(uvs)
  const midpoint = (a, b) => {
    const key = a < b ? a * n + b : b * n + a
    let v = mid.get(key)
    if (v === undefined) {
      v = p.length / 3
      mid.set(key, v)
      for (let k = 0; k < 3; k++) p.push((p[a * 3 + k] + p[b * 3 + k]) / 2)
      const m = [0, 1, 2].map(k => nn[a * 3 + k] + nn[b * 3 + k])
      const len = Math.hypot(...m) || 1
      nn.push(...m.map(c => c / len))
      for (let k = 0; k < 2; k++) uv.push((uv[a * 2 + k] + uv[b * 2 + k]) / 2)
    }
    return v
  }
  const out = []
  for (let t = 0; t < indices.length; t += 3) {
    const [a, b, c] = [indices[t], indices[t + 1], indices[t + 2]]
    const [ab, bc, ca] = [midpoint(a, b), midpoint(b, c), midpoint(c, a)]
    out.push(a, ab, ca, ab, b, bc, ca, bc, c, ab, bc, ca)
  }
  const count = p.length / 3
  return {
    positions: Float32Array.from(p),
    normals: Float32Array.from(nn),
    uvs: Float32Array.from(uv),
    indices: count > 65535 ? Uint32Array.from(out) : Uint16Array.from(out),
  }
}

/** Three unshared vertices per triangle, as an unindexed export writes them. */
function unweld({ positions, normals, indices }) {
  const p = new Float32Array(indices.length * 3)
  const n = new Float32Array(indices.length * 3)
  for (let i = 0; i < indices.length; i++) {
    for (let k = 0; k < 3; k++) {
      p[i * 3 + k] = positions[indices[i] * 3 + k]
      n[i * 3 + k] = normals[indices[i] * 3 + k]
    }
  }
  return { positions: p, normals: n }
}
