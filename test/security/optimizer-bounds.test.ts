// Issue 11, point 4: a hostile GLB must not tie up the optimizer or its memory. Mode: auto (stated per test).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readLockfile } from '../../src/manifest/lockfile.js'
import { OPTIMIZE_DEFAULTS } from '../../src/optimize/options.js'
import { createOptimizerPool } from '../../src/optimize/pool.js'
import { emulator, fixture, project } from '../helpers/env.js'
import { cliWithPeakRss } from '../helpers/processes.js'
import { tempDir } from '../helpers/tmp.js'
import { backedZeroPositions, hugeJson, unbackedPositions } from './hostile-glb.js'

const GiB = 1024 ** 3

describe('bounded optimizer (issue 11, point 4)', () => {
  it('the hostile set fails asset by asset, fast and under 1 GB, while a good model in the same pull is optimized and pinned', async () => {
    const emu = await emulator({ assets: [] })
    const preview = await fixture('preview.webp')
    const task = (bytes: Uint8Array) =>
      emu.addTask({
        files: [
          { name: 'base_basic_pbr.glb', bytes },
          { name: 'preview.webp', bytes: preview },
        ],
      }).uuid
    const good = task(await fixture('khr_fox.glb'))
    const unbacked = task(unbackedPositions(60_000_000)) // ~260 bytes
    const bigJson = task(hugeJson(200)) // a 200 MiB JSON chunk
    const p = await project(emu, { good, unbacked, 'big-json': bigJson })
    const rss = join(await tempDir(), 'rss')
    const started = Date.now()
    const r = await cliWithPeakRss(
      ['pull', '--root', p.root],
      {
        RODIN_BASE_URL: emu.rodinBaseURL,
        RODIN_API_KEY: emu.apiKey,
        RODIN_CACHE_DIR: p.options.cacheDir!,
        RODIN_MODE: 'auto',
      },
      rss,
      { timeoutMs: 150_000 },
    )
    const seconds = (Date.now() - started) / 1000
    expect(r.signal, `the pull ran into the test's 150 s kill after ${seconds} s`).toBeNull()
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/^unbacked: .*E_BAD_GLB: .*asset "unbacked".*accessor/m)
    expect(r.stderr).toMatch(/^big-json: .*E_BAD_GLB: .*asset "big-json".*JSON chunk/m)
    expect(r.stderr).not.toMatch(/^good:/m)
    const lock = await readLockfile(p.lockfile)
    expect(Object.keys(lock?.assets ?? {})).toEqual(['good'])
    expect(lock?.assets.good?.optimized?.bytes).toBeGreaterThan(0)
    const peak = Number(await readFile(rss, 'utf8'))
    expect(peak, `peak RSS ${(peak / 1024 ** 2).toFixed(0)} MiB`).toBeLessThanOrEqual(GiB)
  }, 200_000)

  it('a job over its time limit is killed and fails alone with E_OPTIMIZE naming the model and the limit; the others finish', async () => {
    // 600,000 identical vertices: meshopt's reorder takes many minutes on them, while every byte is backed.
    const slow = backedZeroPositions(600_000)
    const pool = createOptimizerPool({ size: 1, jobsPerWorker: 3, timeoutMs: () => 30_000 })
    try {
      const started = Date.now()
      const [stuck, fox, bunny] = await Promise.allSettled([
        pool.optimize(slow, OPTIMIZE_DEFAULTS, 'asset "stuck" (base_basic_pbr.glb)'),
        pool.optimize(await fixture('khr_fox.glb'), OPTIMIZE_DEFAULTS, 'fox'),
        pool.optimize(await fixture('pmndrs_bunny_draco.glb'), OPTIMIZE_DEFAULTS, 'bunny'),
      ])
      expect(fox.status).toBe('fulfilled')
      expect(bunny.status).toBe('fulfilled')
      expect(stuck.status).toBe('rejected')
      const err = (stuck as PromiseRejectedResult).reason as Error & { code?: string }
      expect(err.code).toBe('E_OPTIMIZE')
      expect(err.message).toContain('asset "stuck" (base_basic_pbr.glb)')
      expect(err.message).toContain('30 s')
      expect(err.message).not.toContain('model "asset') // quoted once (issue 11, point 10)
      expect(Date.now() - started).toBeLessThan(120_000)
    } finally {
      await pool.close()
    }
  }, 200_000)
})
