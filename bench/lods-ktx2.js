// LOD levels and KTX2 textures on the bench corpus (issue 17): per model, each `optimize.lods` level's
// triangles (against its target ratio of level 0), bytes and simplifier error, whether it decodes and validates,
// and the PSNR of its render against level 0's; and 'ktx2' against 'web' (bytes, GPU memory, PSNR against the
// original), next to `gltf-transform optimize --texture-compress ktx2` where that runs here (it needs the KTX-Software
// `ktx` CLI; when it is missing the table says so).
// Standalone: `node bench/lods-ktx2.js [--no-render] [--only NAME]` (after `npm run build`); `npm run bench` runs it too.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { checkOutput, validatorErrors } from './quality.js'
import { referenceModel } from './reference.js'
import { maskedPsnr, openRenderer } from './render.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const GLTF_TRANSFORM = join(ROOT, 'node_modules/.bin/gltf-transform')
/** The chain the bench measures, as a user would write it. */
export const BENCH_LODS = [0.5, 0.2]

/**
 * `{ models: { [name]: { level0, lods: [...], ktx2, gltfTransformKtx2 } } }` for every corpus entry.
 * `render`: PSNR of every output (needs Chromium); `log`: progress lines.
 */
export async function benchLodsKtx2(corpus, { render = true, log = () => {}, work } = {}) {
  const { optimizeGlb } = await import('../dist/optimize/optimize.js')
  const { lodOptions, resolveOptimizeOptions } = await import('../dist/optimize/options.js')
  const web = resolveOptimizeOptions({ lods: BENCH_LODS }, 'bench')
  const ktx2 = resolveOptimizeOptions({ textureFormat: 'ktx2' }, 'bench')
  const renderer = render ? await openRenderer({ size: 768 }) : undefined
  const models = {}
  try {
    for (const entry of corpus) {
      log(`lods/ktx2: ${entry.name} …`)
      const input = new Uint8Array(await readFile(entry.path))
      const inputErrors = await validatorErrors(input)
      const timed = async fn => {
        const started = performance.now()
        const out = await fn()
        return { ...out, ms: Math.round(performance.now() - started) }
      }
      const level0 = await timed(() => optimizeGlb(input, web))
      const ref = renderer ? await referenceModel(input) : undefined
      const original = renderer ? await renderer.render(ref.bytes) : undefined
      const level0Render = renderer ? await renderer.render(level0.bytes, original.camera) : undefined
      const psnrAgainst = async (bytes, reference) => {
        if (!renderer) return undefined
        try {
          return maskedPsnr(reference.rgba, (await renderer.render(bytes, original.camera)).rgba)
        } catch (err) {
          return `render failed: ${String(err?.message ?? err).slice(0, 120)}`
        }
      }
      const lods = []
      for (const [i, level] of web.lods.entries()) {
        const out = await timed(() => optimizeGlb(input, lodOptions(web, i + 1)))
        const check = await checkOutput(out.bytes, inputErrors)
        lods.push({
          level: i + 1,
          target: level.ratio,
          triangles: out.stats.triangles,
          ratio: out.stats.triangles / Math.max(1, level0.stats.triangles),
          withinTarget: out.stats.triangles <= Math.ceil(level.ratio * level0.stats.triangles * 1.1),
          bytes: out.bytes.byteLength,
          error: out.stats.error,
          ms: out.ms,
          decodes: check.decodes,
          newErrors: check.newErrors,
          psnr: await psnrAgainst(out.bytes, level0Render),
        })
      }
      const k = await timed(() => optimizeGlb(input, ktx2))
      const kCheck = await checkOutput(k.bytes, inputErrors)
      models[entry.name] = {
        triangles: level0.stats.triangles,
        level0: { bytes: level0.bytes.byteLength, gpuBytes: level0.stats.gpuBytes, ms: level0.ms },
        lods,
        ktx2: {
          bytes: k.bytes.byteLength,
          gpuBytes: k.stats.gpuBytes,
          gpuRatio: level0.stats.gpuBytes > 0 ? k.stats.gpuBytes / level0.stats.gpuBytes : null,
          declared: k.stats.extensionsRequired.includes('KHR_texture_basisu'),
          decodes: kCheck.decodes,
          newErrors: kCheck.newErrors,
          ms: k.ms,
          psnr: await psnrAgainst(k.bytes, original),
          webPsnr: await psnrAgainst(level0.bytes, original),
        },
        gltfTransformKtx2: await gltfTransformKtx2(entry.path, work),
      }
    }
  } finally {
    await renderer?.close()
  }
  return { lods: BENCH_LODS, models }
}

async function gltfTransformKtx2(path, work) {
  const out = join(work, `gt-ktx2-${Math.random().toString(36).slice(2)}.glb`)
  const started = performance.now()
  return new Promise(resolve => {
    execFile(
      GLTF_TRANSFORM,
      ['optimize', path, out, '--compress', 'meshopt', '--texture-compress', 'ktx2'],
      { timeout: 600_000 },
      async (err, stdout, stderr) => {
        if (err) {
          const reason = `${stderr}\n${stdout}`.includes('command -v ktx')
            ? 'not run: needs the KTX-Software `ktx` CLI (toktx), which is not installed here'
            : `failed: ${String(stderr || err.message)
                .trim()
                .split('\n')
                .pop()
                ?.slice(0, 160)}`
          resolve({ ok: false, reason })
          return
        }
        const bytes = await readFile(out)
        resolve({ ok: true, bytes: bytes.byteLength, ms: Math.round(performance.now() - started) })
      },
    )
  })
}

const kb = n => `${(n / 1024).toFixed(0)} kB`
const mb = n => `${(n / 1048576).toFixed(1)} MB`
const db = p => (p === undefined ? '–' : typeof p === 'string' ? p : p === Infinity ? '∞' : `${p.toFixed(1)} dB`)

/** Markdown tables for latest.md. */
export function renderLodsKtx2Markdown({ lods, models }) {
  const out = []
  out.push(`### LOD levels (\`optimize: { lods: ${JSON.stringify(lods)} }\`)`, '')
  out.push(
    'Each level against level 0 (the plain `web` output): triangles kept (target ratio +10%), file size, the',
    "simplifier's error (relative to the mesh size), decode + validator (new errors vs the input), and the",
    "PSNR of its render against level 0's render from the same camera.",
    '',
  )
  out.push(
    '| model | level | triangles | of level 0 | within target | bytes | error | decodes | new validator errors | PSNR vs level 0 |',
  )
  out.push('| --- | --- | ---: | ---: | --- | ---: | ---: | --- | --- | ---: |')
  for (const [name, m] of Object.entries(models)) {
    out.push(
      `| ${name} | 0 | ${m.triangles.toLocaleString('en')} | 100% | – | ${kb(m.level0.bytes)} | 0 | yes | – | – |`,
    )
    for (const l of m.lods) {
      out.push(
        `| ${name} | ${l.level} (${l.target}) | ${l.triangles.toLocaleString('en')} | ${(l.ratio * 100).toFixed(0)}% | ${l.withinTarget ? 'yes' : '**no**'} | ${kb(l.bytes)} | ${l.error.toExponential(1)} | ${l.decodes ? 'yes' : '**no**'} | ${l.newErrors.length === 0 ? 'none' : l.newErrors.join(', ')} | ${db(l.psnr)} |`,
      )
    }
  }
  const whole = Object.entries(models)
    .filter(([, m]) => m.lods.some(l => l.error === 0 && l.triangles === m.triangles))
    .map(([name]) => name)
  if (whole.length > 0) {
    out.push(
      '',
      `Not simplified: ${whole.join(', ')}: primitives with more morph targets than the simplifier weighs (9) are`,
      'left whole (a collapse it cannot see could tear a blend shape), so those levels equal level 0.',
    )
  }
  out.push('', "### KTX2 textures (`textureFormat: 'ktx2'`) against 'web' (WebP)", '')
  out.push(
    '`gpuBytes` is `meta.gpuBytes` (texture memory with mips: RGBA8 for WebP, transcoded blocks for KTX2). PSNR',
    'is of the render against the original model. The last column is `gltf-transform optimize --compress meshopt',
    '--texture-compress ktx2`.',
    '',
  )
  out.push(
    '| model | web bytes | web GPU | ktx2 bytes | ktx2 GPU | GPU ktx2/web | KHR_texture_basisu | validates | web PSNR | ktx2 PSNR | ktx2 time | gltf-transform ktx2 |',
  )
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | --- |')
  for (const [name, m] of Object.entries(models)) {
    const k = m.ktx2
    const gt = m.gltfTransformKtx2.ok
      ? `${kb(m.gltfTransformKtx2.bytes)} in ${(m.gltfTransformKtx2.ms / 1000).toFixed(1)} s`
      : m.gltfTransformKtx2.reason
    out.push(
      `| ${name} | ${kb(m.level0.bytes)} | ${mb(m.level0.gpuBytes)} | ${kb(k.bytes)} | ${mb(k.gpuBytes)} | ${k.gpuRatio === null ? 'no textures' : k.gpuRatio.toFixed(2)} | ${k.declared ? 'yes' : k.gpuRatio === null ? '–' : '**no**'} | ${k.decodes && k.newErrors.length === 0 ? 'yes' : `**no** (${k.newErrors.join(', ')})`} | ${db(k.webPsnr)} | ${db(k.psnr)} | ${(k.ms / 1000).toFixed(1)} s | ${gt} |`,
    )
  }
  return `${out.join('\n')}\n`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'no-render': { type: 'boolean', default: false },
      only: { type: 'string', multiple: true, default: [] },
    },
  })
  const { buildCorpus } = await import('./corpus.js')
  const work = await mkdtemp(join(tmpdir(), 'unplugin-rodin-lods-'))
  try {
    let corpus = await buildCorpus(work)
    if (values.only.length > 0) corpus = corpus.filter(c => values.only.includes(c.name))
    const result = await benchLodsKtx2(corpus, {
      render: !values['no-render'],
      log: m => console.log(`bench: ${m}`),
      work,
    })
    console.log(`\n${renderLodsKtx2Markdown(result)}`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
