// Issue #16 ("Smaller on real AI output"): per model, 'web' against the gltf-transform meshopt+webp baseline
// (b) at equal rendered quality, and the issue's byte and quality targets. Time targets stay in report.js.

const BASE = 'b-gltf-transform'

/** `{ rows, totals, checks }` from the bench's per-model results. */
export function summarizeSmaller({ corpus, models }) {
  const rows = corpus.map(c => {
    const m = models[c.name]
    const web = m.variants.web
    const base = m.variants[BASE]
    const ok = web?.ok && base?.ok
    return {
      name: c.name,
      bytesIn: m.bytes,
      textureShare: m.textureBytes === undefined ? undefined : m.textureBytes / m.bytes,
      trianglesIn: m.triangles,
      web: web?.ok ? pick(web) : undefined,
      base: base?.ok ? pick(base) : undefined,
      ratio: ok ? web.bytes / base.bytes : undefined,
    }
  })
  const both = rows.filter(r => r.ratio !== undefined)
  const webBytes = both.reduce((s, r) => s + r.web.bytes, 0)
  const baseBytes = both.reduce((s, r) => s + r.base.bytes, 0)
  const rendered = both.filter(r => typeof r.web.psnr === 'number' && typeof r.base.psnr === 'number')
  const views = Math.min(...rendered.map(r => r.web.views))
  const worst = (list, f) => list.reduce((a, b) => (f(b) > f(a) ? b : a), list[0])
  const maxRatio = worst(both, r => r.ratio)
  const belowFloor = rendered.filter(r => r.web.psnr < 35).map(r => `${r.name} ${r.web.psnr.toFixed(1)}`)
  const belowBase = rendered
    .filter(r => r.web.psnr < r.base.psnr)
    .map(r => `${r.name} ${r.web.psnr.toFixed(2)} < ${r.base.psnr.toFixed(2)}`)
  const checks = [
    check("'web' total bytes ≤ 0.9× (b)", webBytes / baseBytes, 0.9, '≤', 3),
    check('every model ≤ 1.1× (b)', maxRatio?.ratio ?? Number.NaN, 1.1, '≤', 3, listOver(both, 1.1)),
    check(
      `min render PSNR of 'web' ≥ 35 dB over ${views} views`,
      Math.min(...rendered.map(r => r.web.psnr)),
      35,
      '≥',
      2,
      belowFloor.join(', '),
    ),
    check("models where 'web' min PSNR < (b)'s own", belowBase.length, 0, '≤', 0, belowBase.join('; ')),
  ]
  return { rows, totals: { webBytes, baseBytes, ratio: webBytes / baseBytes, views }, checks }
}

function pick(v) {
  return {
    bytes: v.bytes,
    triangles: v.triangles,
    psnr: v.psnr,
    ssim: v.ssim,
    psnrViews: v.psnrViews,
    views: v.psnrViews?.length ?? (typeof v.psnr === 'number' ? 1 : 0),
  }
}

function listOver(rows, limit) {
  return rows
    .filter(r => r.ratio > limit)
    .map(r => `${r.name} ${r.ratio.toFixed(2)}`)
    .join(', ')
}

function check(name, value, target, op, digits, note) {
  const pass = op === '≤' ? value <= target : value >= target
  return { check: name, value, target, op, pass, shown: fmt(value, digits), ...(note ? { note } : {}) }
}

function fmt(v, digits) {
  if (v === Infinity) return '∞'
  return typeof v === 'number' && !Number.isNaN(v) ? v.toFixed(digits) : '–'
}

const KB = bytes => `${(bytes / 1024).toFixed(0)} KB`

export function renderSmallerMarkdown(s) {
  const lines = ['## Smaller on real AI output (issue #16)', '']
  lines.push(
    `'web' vs (b) \`gltf-transform optimize --compress meshopt --texture-compress webp\`, per model. PSNR and SSIM are the minimum over ${s.totals.views} views (each framed on the whole model from a different side, 1024², model pixels only) against the original's renders; "views" lists every view's PSNR for 'web'.`,
    '',
    "| model | input | texture share | (b) bytes | 'web' bytes | web/(b) | (b) min PSNR | 'web' min PSNR | 'web' min SSIM | 'web' PSNR per view | triangles kept (web) |",
    '|---|---|---|---|---|---|---|---|---|---|---|',
  )
  for (const r of s.rows) {
    const share = r.textureShare === undefined ? '–' : `${(r.textureShare * 100).toFixed(0)}%`
    const w = r.web
    const b = r.base
    lines.push(
      `| ${r.name} | ${KB(r.bytesIn)} · ${r.trianglesIn.toLocaleString('en')} tris | ${share} | ${b ? KB(b.bytes) : 'FAIL'} | ${w ? KB(w.bytes) : 'FAIL'} | ${r.ratio === undefined ? '–' : `${r.ratio.toFixed(2)}${r.ratio > 1.1 ? ' ✗' : ''}`} | ${b ? fmt(b.psnr, 1) : '–'} | ${w ? fmt(w.psnr, 1) : '–'} | ${w ? fmt(w.ssim, 4) : '–'} | ${w?.psnrViews ? w.psnrViews.map(p => fmt(p, 1)).join(' / ') : '–'} | ${w ? `${(((w.triangles ?? 0) / (r.trianglesIn || 1)) * 100).toFixed(0)}%` : '–'} |`,
    )
  }
  lines.push(
    `| **total** | | | ${KB(s.totals.baseBytes)} | ${KB(s.totals.webBytes)} | **${s.totals.ratio.toFixed(3)}** | | | | | |`,
    '',
    '| check (issue #16) | value | target | |',
    '|---|---|---|---|',
  )
  for (const d of s.checks)
    lines.push(
      `| ${d.check} | ${d.shown} | ${d.op} ${d.target} | ${d.pass ? 'PASS' : `**FAIL**${d.note ? ` (${d.note})` : ''}`} |`,
    )
  return `${lines.join('\n')}\n`
}
