// The published package, run the way an installed copy runs: plain Node, no TypeScript loader, built JavaScript
// only. Everything else tests src/; this checks what the build adds (the bin, and the optimizer worker that
// dist/optimize/pool.js finds beside itself). No provider, no mode: the optimizer and the CLI's help only.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { OPTIMIZE_PRESETS } from '../../src/optimize/options.js'
import { optimizeGlb } from '../../src/optimize/optimize.js'
import { sha256Hex } from '../../src/util/hash.js'
import { usePackage } from '../helpers/package.js'

const run = promisify(execFile)
const published = usePackage()
const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url))

describe('the published package', () => {
  it('dist/optimize/pool.js starts dist/optimize/worker.js, which optimizes like src/ does', async () => {
    const pool = pathToFileURL(join(published.get(), 'dist/optimize/pool.js')).href
    const main = `
      import { createHash } from 'node:crypto'
      import { readFileSync } from 'node:fs'
      const { createOptimizerPool } = await import(${JSON.stringify(pool)})
      const pool = createOptimizerPool({ size: 1 })
      const { bytes, stats } = await pool.optimize(readFileSync(process.argv[1]), ${JSON.stringify(OPTIMIZE_PRESETS.web)}, 'fox')
      await pool.close()
      console.log(JSON.stringify({ sha256: createHash('sha256').update(bytes).digest('hex'), triangles: stats.triangles }))`
    const fox = join(FIXTURES, 'khr_fox.glb')
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', main, fox], { timeout: 120_000 })
    const local = await optimizeGlb(new Uint8Array(readFileSync(fox)), OPTIMIZE_PRESETS.web)
    expect(JSON.parse(stdout.trim())).toEqual({ sha256: sha256Hex(local.bytes), triangles: local.stats.triangles })
  })

  it('every bundler entry loads from the bundled dist/ and makes the plugin', async () => {
    const main = `
      const names = {}
      for (const b of ['vite', 'rollup', 'rolldown', 'webpack', 'rspack', 'esbuild']) {
        const { default: make } = await import('unplugin-rodin/' + b)
        const made = make()
        names[b] = Array.isArray(made) ? made[0].name : (made.name ?? typeof made.apply)
      }
      const { isRodinError } = await import('unplugin-rodin')
      console.log(JSON.stringify({ names, isRodinError: typeof isRodinError }))`
    // Run from inside the package, which resolves its own name through the exports map.
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', main], {
      cwd: published.get(),
      timeout: 60_000,
    })
    const { names, isRodinError } = JSON.parse(stdout.trim())
    expect(names).toEqual({
      vite: 'unplugin-rodin',
      rollup: 'unplugin-rodin',
      rolldown: 'unplugin-rodin',
      webpack: 'function',
      rspack: 'function',
      esbuild: 'unplugin-rodin',
    })
    expect(isRodinError).toBe('function')
  })

  it('bin/rodin-assets.js runs the built CLI', async () => {
    const { stdout } = await run(process.execPath, [join(published.get(), 'bin/rodin-assets.js'), '--help'], {
      timeout: 60_000,
    })
    expect(stdout).toContain('rodin-assets')
    expect(stdout).toMatch(/\bpull\b/)
  })
})
