import { Document, type Primitive } from '@gltf-transform/core'
import { MeshoptSimplifier } from 'meshoptimizer'
import { describe, expect, it } from 'vitest'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { lodOptions, OPTIMIZE_PRESETS, resolveOptimizeOptions } from '../../../src/optimize/options.js'
import type { LevelStats } from '../../../src/optimize/optimize.js'
import { inspectGlb, optimizeGlb } from '../../../src/optimize/optimize.js'
import { simplifyMeshes } from '../../../src/optimize/simplify.js'
import { fixture, quadGrid, rejectionOf, validate } from './helpers.js'

// Optimizer unit tests: no mode or CI involved.
const LODS = resolveOptimizeOptions({ lods: [0.5, { ratio: 0.2, error: 0.5 }] }, 'test')!

const MODELS: [string, () => Promise<Uint8Array>][] = [
  ['rodin-like 20k', () => generateRodinLikeGlb({ triangles: 20_000, textureSize: 256, detail: 0.6 })],
  ['crate', async () => fixture('sketchfab_wooden_crate.glb')],
  ['bunny (Draco)', async () => fixture('pmndrs_bunny_draco.glb')],
  ['fox (skinned)', async () => fixture('khr_fox.glb')],
  ['morph targets', async () => fixture('khr_morphstresstest.glb')],
  ['over-tessellated (web simplifies level 0 near-losslessly)', overTessellated],
]

/** A 96×96 quad grid with one gentle bump: far more triangles than its shape needs, as a subdivided re-export. */
async function overTessellated(): Promise<Uint8Array> {
  const n = 96
  const { doc } = quadGrid(n, (i, j) => 0.2 * Math.exp(-((i / n - 0.5) ** 2 + (j / n - 0.5) ** 2) / 0.05))
  const { NodeIO } = await import('@gltf-transform/core')
  return new NodeIO().writeBinary(doc)
}

describe('optimize.lods', () => {
  it('resolves numbers and objects, and rejects bad chains with a fix', async () => {
    expect(LODS.lods).toEqual([
      { ratio: 0.5, error: 1 },
      { ratio: 0.2, error: 0.5 },
    ])
    expect(OPTIMIZE_PRESETS.web.lods).toEqual([])
    for (const bad of [[0.2, 0.5], [1], [0], [{ ratio: 0.5, tolerance: 1 }], 'half', [{ ratio: 0.5, error: 2 }]]) {
      const err = await rejectionOf(Promise.resolve().then(() => resolveOptimizeOptions({ lods: bad as never }, 'x')))
      expect(err.code).toBe('E_CONFIG')
      expect(err.message).toMatch(/optimize\.lods/)
    }
  })

  it('level 0 is unchanged by lods; each level keeps ≤ its ratio of triangles (+10%), decodes and validates', async () => {
    for (const [name, load] of MODELS) {
      const source = await load()
      const plain = await optimizeGlb(source, OPTIMIZE_PRESETS.web)
      const level0 = await optimizeGlb(source, LODS)
      expect(Buffer.from(level0.bytes).equals(Buffer.from(plain.bytes)), name).toBe(true)
      let previous = level0.stats.triangles
      for (const [i, lod] of LODS.lods.entries()) {
        const { bytes, stats } = await optimizeGlb(source, lodOptions(LODS, i + 1))
        const level = stats as LevelStats
        expect(level.triangles, `${name} LOD ${i + 1}`).toBeLessThanOrEqual(
          Math.ceil(lod.ratio * level0.stats.triangles * 1.1),
        )
        expect(level.triangles, `${name} LOD ${i + 1}`).toBeLessThan(previous)
        expect(level.triangles).toBeGreaterThan(0)
        expect(level.error).toBeGreaterThan(0)
        expect(level.error).toBeLessThanOrEqual(lod.error)
        expect((await inspectGlb(bytes)).triangles).toBe(level.triangles) // decodes
        const report = await validate(bytes)
        expect(report.errorCodes, `${name} LOD ${i + 1}`).toEqual([])
        previous = level.triangles
      }
    }
  }, 240_000)
})

/** Edges (by vertex position) that only one triangle uses: open borders, or UV seams that came apart. */
async function openEdges(glb: Uint8Array): Promise<number> {
  const { readGlb } = await import('../../../src/optimize/glb.js')
  let open = 0
  for (const mesh of (await readGlb(glb)).getRoot().listMeshes()) {
    for (const prim of mesh.listPrimitives()) {
      const position = prim.getAttribute('POSITION')!
      const key: string[] = []
      const v: number[] = []
      for (let i = 0; i < position.getCount(); i++) key.push(position.getElement(i, v).join(','))
      const indices = prim.getIndices()!.getArray()!
      const edges = new Map<string, number>()
      for (let t = 0; t < indices.length; t += 3) {
        for (const [a, b] of [
          [0, 1],
          [1, 2],
          [2, 0],
        ] as const) {
          const pa = key[indices[t + a]!]!
          const pb = key[indices[t + b]!]!
          const edge = pa < pb ? `${pa}|${pb}` : `${pb}|${pa}`
          edges.set(edge, (edges.get(edge) ?? 0) + 1)
        }
      }
      for (const count of edges.values()) if (count === 1) open++
    }
  }
  return open
}

describe('LOD levels keep UV seams closed', () => {
  it('a closed, UV-seamed mesh stays closed at every level', async () => {
    const source = await generateRodinLikeGlb({ triangles: 20_000, textureSize: 64 })
    const level0 = await optimizeGlb(source, LODS)
    expect(await openEdges(level0.bytes)).toBe(0)
    for (const i of [1, 2]) {
      const { bytes, stats } = await optimizeGlb(source, lodOptions(LODS, i))
      expect(stats.triangles).toBeLessThan(level0.stats.triangles * 0.6)
      expect(await openEdges(bytes), `LOD ${i}`).toBe(0)
    }
  }, 120_000)
})

/**
 * A flat grid whose one morph target raises a bump: the rest pose is a plane, so a simplifier that sees only
 * the rest pose may collapse anything, and the bump falls apart when the target is applied.
 */
function bumpGrid(n: number): { doc: Document; prim: Primitive; height: (x: number, z: number) => number } {
  const height = (x: number, z: number) => 0.4 * Math.exp(-((x - 0.3) ** 2 + (z + 0.2) ** 2) / 0.04)
  const position: number[] = []
  const normal: number[] = []
  const uv: number[] = []
  const delta: number[] = []
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const x = (2 * i) / (n - 1) - 1
      const z = (2 * j) / (n - 1) - 1
      position.push(x, 0, z)
      normal.push(0, 1, 0)
      uv.push(i / (n - 1), j / (n - 1))
      delta.push(0, height(x, z), 0)
    }
  }
  const indices: number[] = []
  for (let j = 0; j < n - 1; j++) {
    for (let i = 0; i < n - 1; i++) {
      const a = j * n + i
      indices.push(a, a + n, a + 1, a + 1, a + n, a + n + 1)
    }
  }
  const doc = new Document()
  const buffer = doc.createBuffer()
  const accessor = (type: 'VEC3' | 'VEC2', values: number[]) =>
    doc.createAccessor().setType(type).setBuffer(buffer).setArray(new Float32Array(values))
  const target = doc.createPrimitiveTarget().setAttribute('POSITION', accessor('VEC3', delta))
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', position))
    .setAttribute('NORMAL', accessor('VEC3', normal))
    .setAttribute('TEXCOORD_0', accessor('VEC2', uv))
    .setIndices(doc.createAccessor().setType('SCALAR').setBuffer(buffer).setArray(new Uint32Array(indices)))
    .addTarget(target)
  doc.createMesh('grid').addPrimitive(prim)
  return { doc, prim, height }
}

/** Largest vertical gap between the blend shape at full weight and `height`, sampled on a fine lattice. */
function blendShapeError(prim: Primitive, height: (x: number, z: number) => number): number {
  const p = prim.getAttribute('POSITION')!.getArray()!
  const d = prim.listTargets()[0]!.getAttribute('POSITION')!.getArray()!
  const idx = prim.getIndices()!.getArray()!
  let worst = 0
  for (let sj = 0; sj <= 60; sj++) {
    for (let si = 0; si <= 60; si++) {
      const x = (2 * si) / 60 - 1
      const z = (2 * sj) / 60 - 1
      for (let t = 0; t < idx.length; t += 3) {
        const [a, b, c] = [idx[t]!, idx[t + 1]!, idx[t + 2]!]
        const area =
          (p[3 * b]! - p[3 * a]!) * (p[3 * c + 2]! - p[3 * a + 2]!) -
          (p[3 * c]! - p[3 * a]!) * (p[3 * b + 2]! - p[3 * a + 2]!)
        if (area === 0) continue
        const wb =
          ((x - p[3 * a]!) * (p[3 * c + 2]! - p[3 * a + 2]!) - (p[3 * c]! - p[3 * a]!) * (z - p[3 * a + 2]!)) / area
        const wc =
          ((p[3 * b]! - p[3 * a]!) * (z - p[3 * a + 2]!) - (x - p[3 * a]!) * (p[3 * b + 2]! - p[3 * a + 2]!)) / area
        const wa = 1 - wb - wc
        if (wa < -1e-6 || wb < -1e-6 || wc < -1e-6) continue
        const y = wa * d[3 * a + 1]! + wb * d[3 * b + 1]! + wc * d[3 * c + 1]!
        worst = Math.max(worst, Math.abs(y - height(x, z)))
        break
      }
    }
  }
  return worst
}

describe('LOD levels of morph-target meshes', () => {
  it('simplify a blend shape where its target allows, and keep the shape the target makes', async () => {
    await MeshoptSimplifier.ready
    const { doc, prim, height } = bumpGrid(41)
    const before = blendShapeError(prim, height)
    const errors: number[] = []
    await doc.transform(
      simplifyMeshes({
        simplifier: MeshoptSimplifier,
        ratio: 0.25,
        error: 1,
        lockBorder: true,
        onError: e => errors.push(e),
      }),
    )
    const triangles = prim.getIndices()!.getCount() / 3
    expect(triangles).toBeLessThanOrEqual(Math.ceil(0.25 * 3200 * 1.1))
    expect(errors).toHaveLength(1)
    // Every target stays aligned with the compacted vertices.
    expect(prim.listTargets()[0]!.getAttribute('POSITION')!.getCount()).toBe(prim.getAttribute('POSITION')!.getCount())
    // A quarter of the triangles still hold the bump within 2% of its height (a rest-pose-only simplifier,
    // TARGET_WEIGHT 0, misses it by about a quarter of its height).
    expect(blendShapeError(prim, height)).toBeLessThan(before + 0.02 * 0.4)
  })
})
