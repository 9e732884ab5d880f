import { describe, expect, it } from 'vitest'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { lodOptions, OPTIMIZE_PRESETS, resolveOptimizeOptions } from '../../../src/optimize/options.js'
import type { LevelStats } from '../../../src/optimize/optimize.js'
import { inspectGlb, optimizeGlb } from '../../../src/optimize/optimize.js'
import { fixture, rejectionOf, validate } from './helpers.js'

// Optimizer unit tests: no mode or CI involved.
const LODS = resolveOptimizeOptions({ lods: [0.5, { ratio: 0.2, error: 0.5 }] }, 'test')!

const MODELS: [string, () => Promise<Uint8Array>][] = [
  ['rodin-like 20k', () => generateRodinLikeGlb({ triangles: 20_000, textureSize: 256, detail: 0.6 })],
  ['crate', async () => fixture('sketchfab_wooden_crate.glb')],
  ['bunny (Draco)', async () => fixture('pmndrs_bunny_draco.glb')],
  ['fox (skinned)', async () => fixture('khr_fox.glb')],
]

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
