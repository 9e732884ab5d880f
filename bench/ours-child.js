// Child process of the bench, variant (a): optimizes every given GLB with one preset through the plugin's
// own worker pool (dist/optimize/pool.js), all submitted at once, as a cold build does. Runs in its own
// process so that its wall time includes loading the optimizer and its peak RSS includes every worker.
// Usage: node bench/ours-child.js <preset> <outDir> <file.glb>...   → JSON summary on stdout.
import { readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'

const started = performance.now()
const [preset, outDir, ...files] = process.argv.slice(2)
const { createOptimizerPool } = await import('../dist/optimize/pool.js')
const { resolveOptimizeOptions } = await import('../dist/optimize/options.js')
const opts = resolveOptimizeOptions(preset, 'bench')
const pool = createOptimizerPool()
const results = await Promise.all(
  files.map(async file => {
    const input = new Uint8Array(await readFile(file))
    const t = performance.now()
    try {
      const { bytes, stats } = await pool.optimize(input, opts, basename(file))
      const out = join(outDir, basename(file))
      await writeFile(out, bytes)
      return {
        file: basename(file),
        ok: true,
        out,
        bytes: bytes.byteLength,
        jobMs: performance.now() - t,
        triangles: stats.triangles,
      }
    } catch (err) {
      return { file: basename(file), ok: false, error: String(err?.message ?? err), jobMs: performance.now() - t }
    }
  }),
)
await pool.close()
process.stdout.write(JSON.stringify({ preset, poolSize: pool.size, ms: performance.now() - started, results }))
