// Build step (after tsc): zod as one minified ES module in dist/vendor/zod.js, and dist/ importing it.
//
// Every build that uses the plugin, even one served entirely from the cache, validates the manifest and the
// lockfile with zod. Node loads zod 4 from ~95 module files (~65 ms on a 2-core machine); one bundled file
// loads in ~28 ms, which is most of the plugin's own start-up cost in a warm `vite build` (DESIGN §6, bench
// (d)). Sources and tests keep importing the `zod` package; its type declarations still come from there,
// so `zod` stays a dependency.
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const DIST = fileURLToPath(new URL('../dist/', import.meta.url))
const OUT = join(DIST, 'vendor/zod.js')
const require = createRequire(import.meta.url)
const zodDir = dirname(require.resolve('zod/package.json'))
const { version } = JSON.parse(await readFile(join(zodDir, 'package.json'), 'utf8'))
const license = (await readFile(join(zodDir, 'LICENSE'), 'utf8')).trim()

await build({
  // Through esbuild's own resolution (the package's ESM entry, as `import` picks it), not require's.
  stdin: { contents: `export * from 'zod'`, resolveDir: fileURLToPath(new URL('..', import.meta.url)), loader: 'js' },
  outfile: OUT,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  banner: { js: `/*! zod ${version}, bundled by unplugin-rodin's build (scripts/vendor-zod.js).\n${license}\n*/` },
  logLevel: 'warning',
})

// tsc writes the specifier as it is in the source: `from 'zod'`.
const ZOD_IMPORT = /(\bfrom\s*)(['"])zod\2/g
let rewritten = 0
for (const file of await jsFiles(DIST)) {
  if (file === OUT) continue
  const text = await readFile(file, 'utf8')
  if (!text.match(ZOD_IMPORT)) continue
  const specifier = `./${relative(dirname(file), OUT).split(sep).join('/')}`.replace(/^\.\/\.\.\//, '../')
  await writeFile(
    file,
    text.replace(ZOD_IMPORT, (_, from, quote) => `${from}${quote}${specifier}${quote}`),
  )
  rewritten++
}
if (rewritten === 0) throw new Error('vendor-zod: no file in dist/ imports zod; is this step still needed?')

async function jsFiles(dir) {
  const out = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await jsFiles(path)))
    else if (entry.name.endsWith('.js')) out.push(path)
  }
  return out
}
