// Where a cold optimize spends its time (issue #16, point 4): every corpus model through the 'web' optimizer in
// this one thread, one model at a time, with each step's wall time from the optimizer's own trace
// (logLevel 'debug'). "read + write + read-back" is the rest: parsing the input, writing the GLB and decoding it
// again for its stats. Download and the pool's schedule are not in here: a cold build against the emulator adds
// those (see latest.md, variant (a) vs the sum below).
// Run: `npm run build && node bench/split.js [file.glb ...]` (default: the bench corpus).
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { buildCorpus } from './corpus.js'

const { optimizeGlb } = await import('../dist/optimize/optimize.js')
const { resolveOptimizeOptions } = await import('../dist/optimize/options.js')
const opts = resolveOptimizeOptions('web', 'bench')
const work = await mkdtemp(join(tmpdir(), 'unplugin-rodin-split-'))
const files = process.argv.length > 2 ? process.argv.slice(2) : (await buildCorpus(work)).map(c => c.path)

const STEP = /^(\w+): .*\((\d+) ms\)$/
const totals = new Map()
const rows = []
for (const file of files) {
  const input = new Uint8Array(await readFile(file))
  const steps = new Map()
  const logger = {
    debug: m => {
      const hit = STEP.exec(m)
      if (hit) steps.set(hit[1], (steps.get(hit[1]) ?? 0) + Number(hit[2]))
    },
    info() {},
    warn() {},
    error() {},
  }
  const t = performance.now()
  await optimizeGlb(input, opts, { logger })
  const ms = performance.now() - t
  const inSteps = [...steps.values()].reduce((a, b) => a + b, 0)
  steps.set('read + write + read-back', ms - inSteps)
  for (const [k, v] of steps) totals.set(k, (totals.get(k) ?? 0) + v)
  rows.push({ model: basename(file, '.glb'), ms, steps })
}
const all = [...totals.values()].reduce((a, b) => a + b, 0)
const names = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a))
console.log(`| step | ms | share |\n|---|---:|---:|`)
for (const k of names)
  console.log(`| ${k} | ${totals.get(k).toFixed(0)} | ${((100 * totals.get(k)) / all).toFixed(0)}% |`)
console.log(`| **all** | ${all.toFixed(0)} | |\n`)
console.log(`| model | ms | ${names.join(' | ')} |\n|---|---:|${names.map(() => '---:').join('|')}|`)
for (const r of rows)
  console.log(`| ${r.model} | ${r.ms.toFixed(0)} | ${names.map(k => (r.steps.get(k) ?? 0).toFixed(0)).join(' | ')} |`)
await rm(work, { recursive: true, force: true })
