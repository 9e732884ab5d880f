// Child process of the bench, variant (a): optimizes every given GLB with one preset through the plugin's
// own worker pool (dist/optimize/pool.js), all submitted at once, as a cold build does. Runs in its own
// process so that its wall time includes loading the optimizer and its peak RSS includes every worker.
// As in a build, the pool gets each source as a file vouched for by its sha256 (a build's store hashes a
// download as it arrives; here each file is hashed as a stream, inside the timed run) and its workers read it.
// Usage: node bench/ours-child.js <preset> <outDir> <file.glb>...   → JSON summary on stdout.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'

const started = performance.now()
const [preset, outDir, ...files] = process.argv.slice(2)
const { createOptimizerPool } = await import('../dist/optimize/pool.js')
const { resolveOptimizeOptions } = await import('../dist/optimize/options.js')
const { fileIdentity } = await import('../dist/store/verified.js')
const opts = resolveOptimizeOptions(preset, 'bench')
const pool = createOptimizerPool()
const results = await Promise.all(
  files.map(async file => {
    const t = performance.now()
    try {
      const hash = createHash('sha256')
      const st = await stat(file)
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk)
      const input = { path: file, sha256: hash.digest('hex'), bytes: st.size, identity: fileIdentity(st) }
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
