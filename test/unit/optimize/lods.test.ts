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
