// Turns raw bench measurements into the summary (latest.json) and its Markdown rendering (latest.md),
// including the issue's "Done when" checks.

const LABELS = {
  web: "(a) unplugin-rodin 'web' (worker pool, in-process)",
  max: "(a) unplugin-rodin 'max'",
  'b-gltf-transform': '(b) gltf-transform optimize --compress meshopt --texture-compress webp, per file',
  'c-gltfpack': '(c) gltfpack -cc (npm), per file',
}

export function summarize({
  corpus,
  models,
  variants,
  webLargest,
  largest,
  webHeaviest,
  heaviest,
  vite,
  machine,
  tools,
  peakMethod,
  benchMs,
}) {
  const base = variants.find(v => v.name === 'b-gltf-transform')
  const totals = {}
  for (const v of variants) {
    let bytesIn = 0
    let bytesOut = 0
    let trisIn = 0
    let trisOut = 0
    let psnrMin = Infinity
    let rendered = 0
    const failed = []
    const notDecoded = []
    const newErrors = []
    const larger = []
    for (const c of corpus) {
      const m = models[c.name]
      const r = m.variants[v.name]
      if (!r.ok) {
        failed.push(c.name)
        continue
      }
      if (!r.decodes) notDecoded.push(c.name)
      bytesIn += m.bytes
      bytesOut += r.bytes
      trisIn += m.triangles
      trisOut += r.triangles ?? 0
      if (r.bytes > m.bytes) larger.push(c.name)
      if (r.newErrors?.length) newErrors.push(`${c.name}: ${r.newErrors.join(', ')}`)
      if (typeof r.psnr === 'number') {
        psnrMin = Math.min(psnrMin, r.psnr)
        rendered++
      } else if (r.renderError) psnrMin = -Infinity
    }
    totals[v.name] = {
      label: LABELS[v.name] ?? v.name,
      files: corpus.length - failed.length,
      failed,
      bytesIn,
      bytesOut,
      ratio: bytesOut / bytesIn,
      wallMs: v.wallMs,
      wallRunsMs: v.wallRunsMs,
      cpuMs: v.cpuMs,
      peakMB: v.peakMB,
      trianglesKept: trisOut / trisIn,
      minTriangleShare: Math.min(
        ...corpus
          .filter(c => models[c.name].variants[v.name].ok)
          .map(c => (models[c.name].variants[v.name].triangles ?? 0) / (models[c.name].triangles || 1)),
      ),
      notDecoded,
      newValidatorErrors: newErrors,
      largerThanInput: larger,
      psnrMin: rendered > 0 || psnrMin === -Infinity ? psnrMin : null,
      ...(v.poolSize ? { poolSize: v.poolSize } : {}),
    }
  }
  const b = totals['b-gltf-transform']
  for (const t of Object.values(totals)) {
    t.bytesVsBaseline = t.bytesOut / b.bytesOut
    t.timeVsBaseline = t.wallMs / b.wallMs
  }
  // (b)'s byte total counts only files every variant compared against it completed.
  const baselineLargest = base.files[largest]
  const largestRss = {
    name: largest,
    webPeakMB: webLargest.peakMB,
    webMs: webLargest.wallMs,
    baselinePeakMB: baselineLargest?.peakMB,
    baselineMs: baselineLargest?.ms,
  }
  largestRss.ratio = largestRss.webPeakMB / largestRss.baselinePeakMB
  const heaviestRss = webHeaviest && {
    name: heaviest,
    webPeakMB: webHeaviest.peakMB,
    webMs: webHeaviest.wallMs,
    baselinePeakMB: base.files[heaviest]?.peakMB,
    baselineMs: base.files[heaviest]?.ms,
  }
  if (heaviestRss) heaviestRss.ratio = heaviestRss.webPeakMB / heaviestRss.baselinePeakMB
  const web = totals.web
  const max = totals.max
  const doneWhen = [
    check("'web' total bytes ≤ 1.0× (b)", web.bytesVsBaseline, 1.0, '≤', 3),
    // 'web' now drops triangles no view shows on clearly over-tessellated meshes (issue #16): the guarantee is
    // the render PSNR check below, and report-smaller.js lists the triangles kept per model.
    check(
      "'web': no output larger than its input",
      web.largerThanInput.length,
      0,
      '≤',
      0,
      web.largerThanInput.join(', '),
    ),
    check(
      "'web'/'max': no new validator errors",
      web.newValidatorErrors.length + max.newValidatorErrors.length,
      0,
      '≤',
      0,
      [...web.newValidatorErrors, ...max.newValidatorErrors].join('; '),
    ),
    check(
      "'web'/'max': every output decodes",
      web.notDecoded.length + max.notDecoded.length + web.failed.length + max.failed.length,
      0,
      '≤',
      0,
    ),
    ...(web.psnrMin !== null ? [check("'web' render PSNR ≥ 35 dB on every model", web.psnrMin, 35, '≥', 2)] : []),
    check("'max' total bytes ≤ 0.7× (b)", max.bytesVsBaseline, 0.7, '≤', 3),
    ...(max.psnrMin !== null ? [check("'max' render PSNR ≥ 30 dB on every model", max.psnrMin, 30, '≥', 2)] : []),
    check("cold 'web' wall time ≤ 0.35× (b)", web.timeVsBaseline, 0.35, '≤', 3),
    check(`peak RSS of 'web' on the largest file (${largest}) ≤ 1.2× (b)'s`, largestRss.ratio, 1.2, '≤', 2),
    ...(vite
      ? [check(`warm Vite build with ${vite.n} rodin: assets ≤ 1.35× the ?url build`, vite.ratio, 1.35, '≤', 2)]
      : []),
    ...(vite?.remote
      ? [
          check(
            'cold cache + warm team store (S3 on loopback): bytes transferred ≤ 1.05× the emitted models (no optimizer, no provider request)',
            vite.remote.transferRatio,
            1.05,
            '≤',
            2,
          ),
        ]
      : []),
  ]
  return {
    date: new Date().toISOString(),
    machine,
    tools,
    peakMethod,
    benchSeconds: Math.round(benchMs / 1000),
    corpus: corpus.map(c => ({
      name: c.name,
      bytes: c.bytes,
      triangles: models[c.name].triangles,
      validatorErrors: models[c.name].validatorErrors,
      source: c.source,
      referenceRepaired: !!models[c.name].referenceRepaired,
    })),
    totals,
    models,
    largestFile: largestRss,
    ...(heaviestRss ? { heaviestFile: heaviestRss } : {}),
    vite,
    doneWhen,
  }
}

function check(name, value, target, op, digits, note) {
  const pass = op === '≤' ? value <= target : value >= target
  return { check: name, value, target, op, pass, shown: fmt(value, digits), ...(note ? { note } : {}) }
}

function fmt(value, digits) {
  if (value === Infinity) return '∞'
  if (value === -Infinity) return 'n/a'
  return typeof value === 'number' ? value.toFixed(digits) : String(value)
}

const MB = bytes => (bytes / 1e6).toFixed(2)
const S = ms => (ms / 1000).toFixed(2)

export function renderMarkdown(r) {
  const order = ['web', 'max', 'b-gltf-transform', 'c-gltfpack']
  const lines = []
  lines.push(`# unplugin-rodin optimizer benchmark`, '')
  lines.push(
    `${r.date.slice(0, 10)} · ${r.machine.cpus} cores (${r.machine.cpu}) · ${r.machine.memGB} GiB · Node ${r.machine.node} · ${r.corpus.length} models, ${MB(r.corpus.reduce((s, c) => s + c.bytes, 0))} MB · bench took ${r.benchSeconds} s`,
    '',
  )
  lines.push('## Totals', '')
  lines.push(
    '| variant | files | bytes in → out (MB) | out/in | × (b) bytes | wall s | × (b) time | CPU s | peak RSS MB | triangles kept | min PSNR dB | decode failures | new validator errors |',
  )
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
  for (const name of order) {
    const t = r.totals[name]
    if (!t) continue
    lines.push(
      `| ${t.label} | ${t.files}/${r.corpus.length}${t.failed.length ? ` (failed: ${t.failed.join(', ')})` : ''} | ${MB(t.bytesIn)} → ${MB(t.bytesOut)} | ${t.ratio.toFixed(3)} | ${t.bytesVsBaseline.toFixed(3)} | ${S(t.wallMs)} | ${t.timeVsBaseline.toFixed(3)} | ${t.cpuMs === undefined ? '–' : S(t.cpuMs)} | ${t.peakMB.toFixed(0)} | ${(t.trianglesKept * 100).toFixed(1)}% | ${t.psnrMin === null ? '–' : fmt(t.psnrMin, 2)} | ${t.notDecoded.length} | ${t.newValidatorErrors.length} |`,
    )
  }
  const repeats = r.totals.web.wallRunsMs?.length ?? 1
  lines.push(
    '',
    `Wall time and peak RSS are per variant for the whole corpus: (a) is one process optimizing every file at once on its pool of worker processes (its peak is summed over the process tree), (b) and (c) are one process per file run one after another (the peak is that of the largest process). Each variant ran ${repeats}× cold, round-robin with the others (so all meet the same machine load); the table shows the run with the median wall time (all runs: ${order
      .filter(n => r.totals[n])
      .map(n => `${n} ${r.totals[n].wallRunsMs?.map(ms => (ms / 1000).toFixed(2)).join('/')} s`)
      .join(', ')}) and the largest peak RSS of any run.`,
  )
  lines.push(
    '',
    `Peak RSS on the largest file (${r.largestFile.name}) alone: 'web' ${r.largestFile.webPeakMB.toFixed(0)} MB in ${S(r.largestFile.webMs)} s (summed over the process and its workers) vs (b) ${r.largestFile.baselinePeakMB.toFixed(0)} MB in ${S(r.largestFile.baselineMs)} s → ${r.largestFile.ratio.toFixed(2)}×.`,
  )
  const h = r.heaviestFile
  if (h)
    lines.push(
      `On the file with the most texture pixels (${h.name}) alone: 'web' ${h.webPeakMB.toFixed(0)} MB in ${S(h.webMs)} s vs (b) ${h.baselinePeakMB.toFixed(0)} MB in ${S(h.baselineMs)} s → ${h.ratio.toFixed(2)}×.`,
    )
  lines.push('')
  if (r.vite) {
    const v = r.vite
    lines.push('## Vite builds (d)', '')
    lines.push(
      `${v.n} model imports; median of ${v.static.runs.length} warm builds each, one \`vite build\` process per build.`,
      '',
    )
    const cpu = ms => (ms === undefined ? '–' : S(ms))
    lines.push(
      '| build | median wall s | median CPU s | runs (wall ms) | peak RSS MB | .glb emitted |',
      '|---|---|---|---|---|---|',
    )
    lines.push(
      `| static \`?url\` imports of the pre-optimized GLBs | ${S(v.static.medianMs)} | ${cpu(v.static.medianCpuMs)} | ${v.static.runs.join(', ')} | ${v.static.peakMB.toFixed(0)} | ${v.static.glbs} |`,
    )
    lines.push(
      `| \`rodin:\` ids, warm cache, mode 'offline', emulator stopped | ${S(v.rodin.medianMs)} | ${cpu(v.rodin.medianCpuMs)} | ${v.rodin.runs.join(', ')} | ${v.rodin.peakMB.toFixed(0)} | ${v.rodin.glbs} |`,
    )
    lines.push(
      `| (cold first build of the rodin app against the emulator: downloads + optimizes) | ${S(v.cold.ms)} | | | ${v.cold.peakMB.toFixed(0)} | |`,
    )
    if (v.remote)
      lines.push(
        `| (e) \`rodin:\` ids, empty cache, warm team store (S3 on loopback), CI=1, no key, optimizer forbidden | ${S(v.remote.medianMs)} | | ${v.remote.runs.join(', ')} | ${v.remote.peakMB.toFixed(0)} | ${v.rodin.glbs} |`,
      )
    lines.push(
      '',
      `Warm rodin build / static build: **${v.ratio.toFixed(2)}×** wall${v.cpuRatio ? `, ${v.cpuRatio.toFixed(2)}× CPU` : ''}.`,
      '',
    )
    if (v.remote)
      lines.push(
        `(e) Team store: ${v.remote.objects} blobs pushed; each cold-cache build fetched ${MB(v.remote.servedBytes)} MB for ${MB(v.remote.emittedModelBytes)} MB of emitted models (**${v.remote.transferRatio.toFixed(2)}×**) in ${S(v.remote.medianMs)} s, vs ${S(v.rodin.medianMs)} s warm-local.`,
        '',
      )
  }
  lines.push(
    '## Per model',
    '',
    'Bytes out (ratio to the input) · triangles kept · render PSNR (dB, the minimum over the views, model pixels only).',
    '',
  )
  lines.push(`| model | input | ${order.map(n => n.replace(/^b-|^c-/, '')).join(' | ')} |`)
  lines.push(`|---|---|${order.map(() => '---').join('|')}|`)
  for (const c of r.corpus) {
    const m = r.models[c.name]
    const cells = order.map(name => {
      const v = m.variants[name]
      if (!v) return ''
      if (!v.ok) return `FAIL: ${String(v.error).slice(0, 60)}`
      const psnr = v.psnr === undefined ? (v.renderError ? 'render failed' : '–') : `${fmt(v.psnr, 1)} dB`
      return `${(v.bytes / 1024).toFixed(0)} KB (${(v.bytes / m.bytes).toFixed(2)}) · ${(((v.triangles ?? 0) / m.triangles) * 100).toFixed(0)}% · ${psnr}${v.decodes ? '' : ' · DOES NOT DECODE'}${v.newErrors?.length ? ` · new errors: ${v.newErrors.join(', ')}` : ''}`
    })
    lines.push(
      `| ${c.name}${c.referenceRepaired ? ' ¹' : ''} | ${(c.bytes / 1024).toFixed(0)} KB · ${c.triangles.toLocaleString('en')} tris${c.validatorErrors ? ` · ${c.validatorErrors} validator errors` : ''} | ${cells.join(' | ')} |`,
    )
  }
  if (r.corpus.some(c => c.referenceRepaired)) {
    lines.push(
      '',
      '¹ The input carries plain KTX2 images without declaring KHR_texture_basisu, so browsers cannot show those textures. Its reference render uses the same texels decoded to lossless PNG (the intended look); outputs that keep the broken images render without those textures and score low.',
    )
  }
  lines.push('', '## Done when', '', '| check | value | target | |', '|---|---|---|---|')
  for (const d of r.doneWhen)
    lines.push(
      `| ${d.check} | ${d.shown} | ${d.op} ${d.target} | ${d.pass ? 'PASS' : `**FAIL**${d.note ? ` (${d.note})` : ''}`} |`,
    )
  lines.push(
    '',
    `Peak RSS: ${r.peakMethod}. Renders: three.js ${r.tools.three} in headless Chromium (SwiftShader WebGL), 1024², cameras framed from the original's bounds (one per view direction), RoomEnvironment + hemisphere + directional light, NeutralToneMapping; PSNR over the pixels the model covers in either image.`,
  )
  lines.push(
    '',
    `Tools: ${Object.entries(r.tools)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
  )
  return `${lines.join('\n')}\n`
}
