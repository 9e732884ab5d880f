// (f) Scale (issue #16, point 5): the cold `vite build` of an app importing N AI-like models through `rodin:`
// ids, against the local emulator, for a small N and for 100 models on the same machine. Reported: wall and
// CPU time per MB of input (linear growth keeps it flat), the build's peak RSS (bounded: at most 1.3× the
// small run's), and what the build printed (one line per asset plus the summary, each short enough to read).
// The models are AI_MODELS again with other seeds, so the 100 are 100 different files of the same kinds.
// Run: `npm run build && node bench/scale.js [--counts 8,100]` (not part of `npm run bench`: the 100 models take
// about 15 minutes to generate once, then a few minutes per run).
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { buildAiModels } from './ai-like.js'
import { AI_MODELS } from './ai-models.js'
import { viteBuild, writeApp } from './vite-build.js'

export const SCALE_COUNTS = [8, 100]
const MAX_RSS_RATIO = 1.3
const MAX_TIME_PER_MB_RATIO = 1.15

/** N model specs: AI_MODELS in turn, each round with new seeds (the first round is the bench's own models). */
export function scaleSpecs(n) {
  return Array.from({ length: n }, (_, i) => {
    const base = AI_MODELS[i % AI_MODELS.length]
    const round = Math.floor(i / AI_MODELS.length)
    return round === 0 ? base : { ...base, name: `${base.name}_r${round}`, seed: base.seed + 1000 * round }
  })
}

/** `{ runs: [{ n, mbIn, ms, cpuMs, peakMB, msPerMB, lines, longestLine, requests }], checks }` */
export async function benchScale({ workDir, counts = SCALE_COUNTS, log = () => {} }) {
  const { startEmulator } = await import('../dist/emulator/index.js')
  const runs = []
  for (const n of counts) {
    const dir = join(workDir, `scale-${n}`)
    await mkdir(dir, { recursive: true })
    await mkdir(join(dir, 'in'), { recursive: true })
    const models = await buildAiModels(join(dir, 'in'), { specs: scaleSpecs(n), log })
    const tasks = []
    for (const [i, m] of models.entries()) {
      const uuid = `00000000-0000-4000-9000-${String(i + 1).padStart(12, '0')}`
      const bytes = new Uint8Array(await readFile(m.path))
      tasks.push({ uuid, alias: m.name, files: [{ name: 'base_basic_pbr.glb', bytes }] })
    }
    await rm(join(dir, 'in'), { recursive: true, force: true })
    const app = join(dir, 'app')
    await writeApp(
      app,
      tasks.map(t => `rodin:${t.alias}`),
      `import rodin from 'unplugin-rodin/vite'\n`,
      // The bench apps run Vite at logLevel 'warn'; the plugin's own level keeps its lines, which this run reads.
      "plugins: [rodin({ logLevel: 'info' })],",
    )
    const manifest = {
      optimize: 'web',
      assets: Object.fromEntries(tasks.map(t => [t.alias, { task: t.uuid, subscriptionKey: `sub-${t.uuid}` }])),
    }
    const { writeFile } = await import('node:fs/promises')
    await writeFile(join(app, 'assets.rodin.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    const emu = await startEmulator({
      assets: tasks.map(t => ({ uuid: t.uuid, subscriptionKey: `sub-${t.uuid}`, jobs: [['Done']], files: t.files })),
    })
    const mbIn = tasks.reduce((a, t) => a + t.files[0].bytes.byteLength, 0) / 1e6
    let r
    try {
      const env = { ...process.env, RODIN_CACHE_DIR: join(dir, 'cache'), RODIN_MODE: 'auto' }
      for (const key of ['CI', 'HYPER3D_API_KEY']) delete env[key]
      Object.assign(env, { RODIN_BASE_URL: emu.rodinBaseURL, RODIN_API_KEY: emu.apiKey })
      log(`scale: cold vite build of ${n} models (${mbIn.toFixed(0)} MB) …`)
      r = await viteBuild(app, env, { timeoutMs: 3_600_000 })
      r.requests = emu.requests.length
    } finally {
      await emu.close()
      await rm(dir, { recursive: true, force: true })
    }
    const lines = `${r.stdout}${r.stderr}`.split('\n').filter(l => l.includes('[rodin]'))
    runs.push({
      n,
      mbIn,
      ms: r.ms,
      cpuMs: r.cpuMs,
      peakMB: r.peakMB,
      msPerMB: r.ms / mbIn,
      cpuMsPerMB: r.cpuMs === undefined ? undefined : r.cpuMs / mbIn,
      lines: lines.length,
      longestLine: Math.max(0, ...lines.map(l => stripAnsi(l).length)),
      lastLines: lines.slice(-3).map(stripAnsi),
      requests: r.requests,
    })
  }
  const [small, big] = [runs[0], runs.at(-1)]
  const checks = {
    timePerMbRatio: big.msPerMB / small.msPerMB,
    cpuPerMbRatio: big.cpuMsPerMB && small.cpuMsPerMB ? big.cpuMsPerMB / small.cpuMsPerMB : undefined,
    rssRatio: big.peakMB / small.peakMB,
    maxRssRatio: MAX_RSS_RATIO,
    maxTimePerMbRatio: MAX_TIME_PER_MB_RATIO,
    // One line per asset and the summary (a run that printed nothing fails), none wider than a terminal.
    readable: big.lines >= big.n + 1 && big.lines <= big.n + 2 && big.longestLine <= 120,
  }
  return { runs, checks }
}

export function renderScaleMarkdown({ runs, checks }) {
  const out = ['### Scale: cold `vite build` of N AI-like models (f)', '']
  // glibc's allocator settings change the peak more than anything the plugin does (see docs/performance.md).
  const malloc = Object.keys(process.env).filter(k => k.startsWith('MALLOC_'))
  out.push(`Allocator: ${malloc.length ? malloc.map(k => `${k}=${process.env[k]}`).join(' ') : 'glibc defaults'}.`, '')
  out.push('| models | MB in | wall s | CPU s | wall ms / MB | peak RSS MB | output lines | longest line |')
  out.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of runs) {
    out.push(
      `| ${r.n} | ${r.mbIn.toFixed(0)} | ${(r.ms / 1000).toFixed(1)} | ${r.cpuMs === undefined ? '–' : (r.cpuMs / 1000).toFixed(1)} | ${r.msPerMB.toFixed(0)} | ${r.peakMB.toFixed(0)} | ${r.lines} | ${r.longestLine} |`,
    )
  }
  const pass = ok => (ok ? 'PASS' : '**FAIL**')
  out.push(
    '',
    `- Time per MB, ${runs.at(-1).n} vs ${runs[0].n} models: ${checks.timePerMbRatio.toFixed(2)}× wall${checks.cpuPerMbRatio ? `, ${checks.cpuPerMbRatio.toFixed(2)}× CPU` : ''} (linear: ≤ ${checks.maxTimePerMbRatio}×) ${pass(checks.timePerMbRatio <= checks.maxTimePerMbRatio)}`,
    `- Peak RSS: ${checks.rssRatio.toFixed(2)}× (≤ ${checks.maxRssRatio}×) ${pass(checks.rssRatio <= checks.maxRssRatio)}`,
    `- Output: one line per asset and a summary, at most 120 columns: ${pass(checks.readable)}. The last lines:`,
    '',
    '```',
    ...runs.at(-1).lastLines,
    '```',
  )
  return `${out.join('\n')}\n`
}

function stripAnsi(s) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
  return s.replace(/\x1b\[[0-9;]*m/g, '')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { counts: { type: 'string', default: SCALE_COUNTS.join(',') } } })
  const { mkdtemp } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const workDir = await mkdtemp(join(tmpdir(), 'unplugin-rodin-scale-'))
  try {
    const result = await benchScale({
      workDir,
      counts: values.counts.split(',').map(Number),
      log: m => console.log(`bench: ${m}`),
    })
    console.log(`\n${renderScaleMarkdown(result)}`)
    console.log(JSON.stringify(result.runs.map(({ lastLines, ...r }) => r)))
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}
