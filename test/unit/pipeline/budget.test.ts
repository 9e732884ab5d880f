import { describe, expect, it } from 'vitest'
import { OPTIMIZE_PRESETS } from '../../../src/optimize/options.js'
import { budgetError, checkBudget } from '../../../src/pipeline/budget.js'

// Pure budget arithmetic: no mode or CI involved (the build-level behaviour is in test/integration/budget.test.ts).
const WEB = OPTIMIZE_PRESETS.web

describe('checkBudget', () => {
  it('reports only measures over their budget, and skips measures the asset does not have', () => {
    expect(checkBudget({ bytes: 100, triangles: 10 }, { bytes: 100, triangles: 10, gpuBytes: 5 }, WEB)).toEqual([])
    expect(checkBudget({ triangles: 10, gpuBytes: 1 }, { bytes: 5 }, WEB)).toEqual([])
    expect(checkBudget(undefined, { bytes: 5 }, WEB)).toEqual([])
    const [over] = checkBudget({ triangles: 10_000 }, { bytes: 1, triangles: 40_000 }, WEB)
    expect(over).toMatchObject({ measure: 'triangles', value: 40_000, budget: 10_000 })
    expect(over!.fix).toMatch(/"simplify": \{ "ratio": 0\.25, "error": 1 \}.*"lods": \[0\.25\]/)
  })

  it('suggests KTX2 when it fits, else the textureSize that does, else "max"', () => {
    const mb = 1024 * 1024
    const ktx2 = checkBudget({ gpuBytes: 20 * mb }, { bytes: 1, gpuBytes: 64 * mb }, WEB)[0]!
    expect(ktx2.fix).toBe('try "optimize": { "textureFormat": "ktx2" } (same texture size, compressed on the GPU)')
    // 64 MB at 2048 px → 4 MB at 512 px.
    const size = checkBudget({ gpuBytes: 5 * mb }, { bytes: 1, gpuBytes: 64 * mb }, WEB)[0]!
    expect(size.fix).toBe('try "optimize": { "textureSize": 512 } or "optimize": "max"')
    const already = checkBudget(
      { gpuBytes: 5 * mb },
      { bytes: 1, gpuBytes: 64 * mb },
      { ...WEB, textureFormat: 'ktx2' },
    )
    expect(already[0]!.fix).toMatch(/textureSize": 512/)
    expect(checkBudget({ bytes: 1 }, { bytes: 2 }, null)[0]!.fix).toMatch(/"optimize": "web"/)
  })

  it('E_BUDGET names the asset, the measure, the value, the budget and the fix', () => {
    const err = budgetError('hero', checkBudget({ bytes: 1024 }, { bytes: 3 * 1024 * 1024 }, WEB))
    expect(err.code).toBe('E_BUDGET')
    expect(err.message).toMatch(/asset "hero" is over budget: bytes 3\.00 MiB > budget 1\.0 KiB; try "optimize"/)
    expect(err.details.asset).toBe('hero')
  })
})
