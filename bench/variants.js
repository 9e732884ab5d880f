// The optimizers compared by the bench, each run in child processes so that wall time and peak RSS are
// measured the same way for all of them:
//   (a) this plugin's presets: one process, the worker pool, every file submitted at once (a cold build);
//   (b) the hand-made baseline: one `gltf-transform optimize … --compress meshopt --texture-compress webp`
//       CLI call per file, one after another;
//   (c) `gltfpack -cc` (npm, WebAssembly) per file: geometry only (its node build refuses WebP/KTX2).
import { mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { run } from './proc.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(ROOT, 'node_modules/.bin')

export const BASELINE_ARGS = ['--compress', 'meshopt', '--texture-compress', 'webp']

/**
 * Runs every variant `times` times, round-robin (run 1 of each, then run 2 of each, …; every run cold: fresh
 * processes), and keeps each variant's run with the median wall time, as research/perf.md's baseline did;
 * peak RSS is the largest of all its runs. On a shared 2-core machine the speed drifts over a minute:
 * interleaving makes every variant meet the same drift, so a ratio compares like with like, and the median
 * keeps one background burst from deciding it.
 */
export async function interleavedMedians(times, onces) {
  const runs = Object.fromEntries(Object.keys(onces).map(name => [name, []]))
  for (let i = 0; i < times; i++) {
    for (const [name, once] of Object.entries(onces)) runs[name].push(await once())
  }
  return Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, pickMedian(r)]))
}

/** {@link interleavedMedians} of one variant. */
export async function medianOf(times, once) {
  return (await interleavedMedians(times, { once })).once
}

function pickMedian(runs) {
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs)
  const pick = sorted[Math.floor((sorted.length - 1) / 2)]
  const files = Object.fromEntries(
    Object.entries(pick.files).map(([name, f]) => [
      name,
      f.peakMB === undefined ? f : { ...f, peakMB: Math.max(...runs.map(r => r.files[name]?.peakMB ?? 0)) },
    ]),
  )
  return {
    ...pick,
    files,
    peakMB: Math.max(...runs.map(r => r.peakMB)),
    wallRunsMs: runs.map(r => Math.round(r.wallMs)),
  }
}

/** (a): `{ name, wallMs, peakMB, files: { [name]: { ok, out, bytes, error } } }` */
export async function runOurs(preset, corpus, outRoot, { name = preset } = {}) {
  const outDir = join(outRoot, name)
  await mkdir(outDir, { recursive: true })
  const r = await run(
    process.execPath,
    [join(ROOT, 'bench/ours-child.js'), preset, outDir, ...corpus.map(c => c.path)],
    { cwd: ROOT },
  )
  if (r.code !== 0) throw new Error(`bench: the '${preset}' run failed (exit ${r.code}): ${r.stderr.slice(-2000)}`)
  const summary = JSON.parse(r.stdout)
  const files = {}
  for (const res of summary.results) {
    files[res.file.replace(/\.glb$/, '')] = res.ok
      ? { ok: true, out: res.out, bytes: res.bytes }
      : { ok: false, error: res.error }
  }
  return { name, wallMs: r.ms, cpuMs: r.cpuMs, peakMB: r.peakMB, poolSize: summary.poolSize, files }
}

/** (b) and (c): one process per file, sequentially; wall = the whole loop, peak = the largest of them. */
export async function runPerFile(name, corpus, outRoot, commandFor) {
  const outDir = join(outRoot, name)
  await mkdir(outDir, { recursive: true })
  const files = {}
  let peakMB = 0
  let cpuMs = 0
  const started = performance.now()
  for (const entry of corpus) {
    const out = join(outDir, `${entry.name}.glb`)
    const [command, args] = commandFor(entry.path, out)
    const r = await run(command, args, { cwd: ROOT })
    peakMB = Math.max(peakMB, r.peakMB)
    cpuMs += r.cpuMs ?? Number.NaN
    const bytes =
      r.code === 0
        ? await stat(out).then(
            s => s.size,
            () => undefined,
          )
        : undefined
    files[entry.name] =
      bytes === undefined
        ? { ok: false, error: lastLine(r.stderr) || lastLine(r.stdout) || `exit ${r.code}`, ms: r.ms, peakMB: r.peakMB }
        : { ok: true, out, bytes, ms: r.ms, peakMB: r.peakMB }
  }
  return { name, wallMs: performance.now() - started, cpuMs: Number.isNaN(cpuMs) ? undefined : cpuMs, peakMB, files }
}

export function gltfTransformCommand(input, output) {
  return [join(BIN, 'gltf-transform'), ['optimize', input, output, ...BASELINE_ARGS]]
}

export function gltfpackCommand(input, output) {
  return [join(BIN, 'gltfpack'), ['-i', input, '-o', output, '-cc']]
}

function lastLine(text) {
  return text.trim().split('\n').filter(Boolean).pop()?.slice(0, 200) ?? ''
}
