// Build step (after tsc and bundle-zod): the Node side of dist/ becomes a few bundled modules.
//
// A warm `vite build` served from the cache imports the plugin on every run, and Node resolves, reads and compiles
// each module file on its own: the plugin's import graph was about 60 files, and importing unplugin-rodin/vite
// took ~51 ms of a ~0.6 s build; bundled it takes ~26 ms (bench (d), docs/performance.md). One esbuild pass over
// every Node entry with code splitting keeps a single copy of each module, so the entries still share state
// (one optimizer pool, one RodinError) and the lazily loaded parts (optimizer, providers, zod schemas) stay
// lazy as their own chunks.
//
// The page side (unplugin-rodin/three, /react, the decoder helpers) is left as tsc wrote it: the user's bundler
// processes those files. Every other tsc-written .js file is removed once it is bundled; the .d.ts files stay.
import { readdir, rm } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

// `node scripts/bundle.js [distDir]` (default: this checkout's dist/)
const DIST = resolve(process.argv[2] ?? fileURLToPath(new URL('../dist/', import.meta.url)))

const NODE_ENTRIES = [
  // the package's exports and its bin
  'index',
  'vite',
  'rollup',
  'rolldown',
  'webpack',
  'rspack',
  'esbuild',
  'emulator/index',
  'cli/index',
  // started by path: pool.js starts the worker.js beside it (see defaultWorkerURL)
  'optimize/pool',
  'optimize/worker',
  // what the repository's own tools import (bench/, scripts/, the package tests)
  'optimize/options',
  'optimize/optimize',
  'optimize/io',
  'optimize/ktx2',
  'optimize/cost',
  'optimize/versions',
  'optimize/glb',
  'store/verified',
  'emulator/rodin-like',
  'manifest/schema',
  'manifest/manifest-parse',
  'manifest/zod',
]
const PAGE_ENTRIES = ['three/index', 'three/no-plugin/draco', 'three/no-plugin/basis', 'react/index']

const shared = { bundle: true, format: 'esm', packages: 'external', metafile: true, logLevel: 'warning' }
const node = await build({
  ...shared,
  entryPoints: NODE_ENTRIES.map(e => ({ in: join(DIST, `${e}.js`), out: e })),
  outdir: DIST,
  allowOverwrite: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
})
// Only read: which of tsc's files the page entries import.
const page = await build({
  ...shared,
  entryPoints: PAGE_ENTRIES.map(e => join(DIST, `${e}.js`)),
  outdir: join(DIST, '.page-check'),
  write: false,
  platform: 'neutral',
})

// A module that finds a file beside itself (new URL('./x', import.meta.url)) must stay at its own path.
const outputOf = input => Object.entries(node.metafile.outputs).find(([, o]) => input in o.inputs)?.[0]
for (const entry of ['optimize/pool', 'optimize/worker']) {
  const input = relative(process.cwd(), join(DIST, `${entry}.js`))
  const out = outputOf(input)
  if (out !== input) throw new Error(`bundle: ${input} was bundled into ${out}, so it no longer finds its siblings`)
}

const keep = new Set([
  ...Object.keys(node.metafile.outputs).map(p => join(process.cwd(), p)),
  ...Object.keys(page.metafile.inputs).map(p => join(process.cwd(), p)),
])
let removed = 0
for (const file of await readdir(DIST, { recursive: true })) {
  const path = join(DIST, file)
  if (!path.endsWith('.js') || keep.has(path)) continue
  await rm(path)
  removed++
}
console.log(
  `bundle: ${NODE_ENTRIES.length} entries in ${Object.keys(node.metafile.outputs).length} files (${removed} module files removed)`,
)
