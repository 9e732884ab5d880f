import { describe, expect, it } from 'vitest'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { OPTIMIZE_PRESETS } from '../../../src/optimize/options.js'
import { inspectGlb, optimizeGlb } from '../../../src/optimize/optimize.js'

// Optimizer unit tests run in this thread: no mode, no CI involved.
describe('meta.gpuBytes', () => {
  it('counts each decoded texture as RGBA8 with its full mip chain', async () => {
    const glb = await generateRodinLikeGlb({ triangles: 200, textureSize: 64 })
    // Three 64² textures; mips 64², 32², …, 1² hold 5461 texels.
    expect((await inspectGlb(glb)).gpuBytes).toBe(3 * 5461 * 4)
  })

  it('follows textureSize in the optimized output (WebP is decoded to RGBA8 as well)', async () => {
    const glb = await generateRodinLikeGlb({ triangles: 200, textureSize: 128 })
    const { stats } = await optimizeGlb(glb, { ...OPTIMIZE_PRESETS.web, textureSize: 32 })
    expect(stats.gpuBytes).toBe(3 * (1024 + 256 + 64 + 16 + 4 + 1) * 4)
  })

  it('is 0 for an untextured model', async () => {
    const glb = await generateRodinLikeGlb({ triangles: 200, material: 'shaded' })
    expect((await inspectGlb(glb)).gpuBytes).toBe(0)
  })
})
