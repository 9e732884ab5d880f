// `npm run bench`: this plugin's optimizer against the tools users reach for, on one corpus, in one run.
// Options: --corpus DIR (repeatable; every .glb in DIR instead of fixtures/ + generated models),
//          --runs N (measured warm Vite builds, default 11), --repeat N (cold rounds of (a)-(c), median kept, default 5), --no-vite, --no-render, --views N (renders per model, default 4), --no-lods-ktx2, --keep (keep temp files),
//          --out DIR (default bench/results).
// Writes <out>/latest.json and <out>/latest.md; temp files go to the OS temp dir.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { buildCorpus } from './corpus.js'
import { peakMethod } from './proc.js'
import { checkOutput, textureBytes, triangles, validatorErrors } from './quality.js'
import { referenceModel } from './reference.js'
import { benchLodsKtx2, renderLodsKtx2Markdown } from './lods-ktx2.js'
import { maskedPsnr, maskedSsim, openRenderer } from './render.js'
import { renderMarkdown, summarize } from './report.js'
import { renderSmallerMarkdown, summarizeSmaller } from './report-smaller.js'
import { gltfpackCommand, gltfTransformCommand, interleavedMedians, medianOf, runOurs, runPerFile } from './variants.js'
import { benchViteBuilds } from './vite-build.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', multiple: true, default: [] },
    runs: { type: 'string', default: '11' },
    repeat: { type: 'string', default: '5' },
    'no-vite': { type: 'boolean', default: false },
    'no-render': { type: 'boolean', default: false },
    views: { type: 'string', default: '4' },
    'no-lods-ktx2': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench/results') },
  },
})

const work = await mkdtemp(join(tmpdir(), 'unplugin-rodin-bench-'))
const log = message => console.log(`bench: ${message}`)
try {
  const started = performance.now()
  const corpusDir = join(work, 'corpus')
  await mkdir(corpusDir)
  const corpus = await buildCorpus(corpusDir, { corpusDirs: args.corpus.map(d => resolve(d)), log })
  log(`${corpus.length} models, ${(corpus.reduce((s, c) => s + c.bytes, 0) / 1e6).toFixed(2)} MB (temp dir ${work})`)

  const outRoot = join(work, 'out')
  const largest = corpus.reduce((a, b) => (b.bytes > a.bytes ? b : a))
  // The file with the most texture pixels (and vertices) can need more memory than the largest file.
  const { estimateCost } = await import('../dist/optimize/cost.js')
  const costs = new Map(
    await Promise.all(corpus.map(async c => [c.name, estimateCost(new Uint8Array(await readFile(c.path)))])),
  )
  const heaviest = corpus.reduce((a, b) => (costs.get(b.name) > costs.get(a.name) ? b : a))
  // Cold runs, each in fresh processes, round-robin over the variants (see interleavedMedians).
  const repeat = Math.max(1, Number(args.repeat))
  log(
    `(b) gltf-transform optimize --compress meshopt --texture-compress webp (one CLI call per file), (c) gltfpack -cc per file, (a) 'web' and 'max' through the plugin's worker pool: ${repeat} rounds …`,
  )
  const { baseline, gltfpack, web, max } = await interleavedMedians(repeat, {
    baseline: () => runPerFile('b-gltf-transform', corpus, outRoot, gltfTransformCommand),
    gltfpack: () => runPerFile('c-gltfpack', corpus, outRoot, gltfpackCommand),
    web: () => runOurs('web', corpus, outRoot),
    max: () => runOurs('max', corpus, outRoot),
  })
  log(`(a) 'web' on the largest file alone (${largest.name}), for peak RSS …`)
  const webLargest = await medianOf(repeat, () => runOurs('web', [largest], outRoot, { name: 'web-largest' }))
  const webHeaviest =
    heaviest === largest
      ? undefined
      : await medianOf(repeat, () => runOurs('web', [heaviest], outRoot, { name: 'web-heaviest' }))
  const variants = [web, max, baseline, gltfpack]

  log('checking outputs (decode, triangles, validator) …')
  const models = {}
  for (const entry of corpus) {
    const input = new Uint8Array(await readFile(entry.path))
    const inputErrors = await validatorErrors(input)
    models[entry.name] = {
      bytes: entry.bytes,
      source: entry.source,
      triangles: await triangles(input),
      textureBytes: await textureBytes(input),
      validatorErrors: inputErrors.length,
      variants: {},
    }
    for (const v of variants) {
      const f = v.files[entry.name]
      models[entry.name].variants[v.name] = f.ok
        ? { ok: true, bytes: f.bytes, ...(await checkOutput(new Uint8Array(await readFile(f.out)), inputErrors)) }
        : { ok: false, error: f.error }
    }
  }

  if (!args['no-render']) {
    const views = Math.max(1, Number(args.views))
    log(`rendering originals and outputs in headless Chromium (three.js, SwiftShader), ${views} views each …`)
    const renderer = await openRenderer({ size: 1024 })
    try {
      for (const entry of corpus) {
        const ref = await referenceModel(new Uint8Array(await readFile(entry.path)))
        const originals = await renderer.renderViews(ref.bytes, { views })
        const cameras = originals.map(o => o.camera)
        models[entry.name].referenceRepaired = ref.repaired
        for (const v of variants) {
          const result = models[entry.name].variants[v.name]
          if (!result.ok || !result.decodes) continue
          try {
            const images = await renderer.renderViews(new Uint8Array(await readFile(v.files[entry.name].out)), {
              cameras,
            })
            result.psnrViews = images.map((image, i) => maskedPsnr(originals[i].rgba, image.rgba))
            result.ssimViews = images.map((image, i) => maskedSsim(originals[i].rgba, image.rgba, image.size))
            // The worst view decides: one side of a model that went visibly wrong is not averaged away.
            result.psnr = Math.min(...result.psnrViews)
            result.ssim = Math.min(...result.ssimViews)
          } catch (err) {
            result.renderError = String(err?.message ?? err).slice(0, 200)
          }
        }
      }
    } finally {
      await renderer.close()
    }
  }

  let lodsKtx2
  if (!args['no-lods-ktx2']) {
    log(`LOD levels and 'ktx2' on every model (optimize.lods ${JSON.stringify([0.5, 0.2])}) …`)
    lodsKtx2 = await benchLodsKtx2(corpus, { render: !args['no-render'], log, work })
  }

  let vite
  if (!args['no-vite']) {
    log(`(d) Vite builds: ?url assets vs rodin: ids with a warm cache (${args.runs} measured runs each) …`)
    const viteModels = corpus
      .filter(c => web.files[c.name]?.ok)
      .map(c => ({ name: c.name, path: c.path, optimized: web.files[c.name].out }))
    vite = await benchViteBuilds(viteModels, join(work, 'vite'), { runs: Number(args.runs) })
  }

  const machine = {
    cpus: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  }
  const tools = await toolVersions()
  const result = summarize({
    corpus,
    models,
    variants,
    webLargest,
    largest: largest.name,
    webHeaviest,
    heaviest: heaviest.name,
    vite,
    machine,
    tools,
    peakMethod,
    benchMs: performance.now() - started,
  })
  await mkdir(args.out, { recursive: true })
  // JSON has no Infinity (identical renders have infinite PSNR): write it as a string rather than null.
  result.smaller = summarizeSmaller({ corpus, models })
  const json = JSON.stringify(result, (_, v) => (v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v), 2)
  await writeFile(join(args.out, 'latest.json'), `${json}\n`)
  if (lodsKtx2) result.lodsKtx2 = lodsKtx2
  const md =
    renderMarkdown(result) +
    `\n${renderSmallerMarkdown(result.smaller)}` +
    (lodsKtx2 ? `\n${renderLodsKtx2Markdown(lodsKtx2)}` : '')
  await writeFile(join(args.out, 'latest.md'), md)
  console.log(`\n${md}`)
  log(`wrote ${join(args.out, 'latest.json')} and latest.md in ${((performance.now() - started) / 1000).toFixed(0)} s`)
} finally {
  if (args.keep) log(`kept ${work}`)
  else await rm(work, { recursive: true, force: true })
}

async function toolVersions() {
  const version = async name =>
    JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
  const { TOOL_VERSIONS } = await import('../dist/optimize/versions.js')
  return {
    '@gltf-transform/cli': await version('@gltf-transform/cli'),
    gltfpack: await version('gltfpack'),
    'gltf-validator': await version('gltf-validator'),
    vite: await version('vite'),
    three: await version('three'),
    'playwright-core': await version('playwright-core'),
    ...TOOL_VERSIONS,
  }
}
