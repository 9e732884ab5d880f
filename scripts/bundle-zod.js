// Build step (after tsc): dist/manifest/zod.js becomes zod as one minified ES module.
//
// Node loads the zod package from about 200 module files. A build validates each manifest or lockfile text it
// has not seen before (a warm build whose files did not change does not load zod at all, see ParseMemo); one
// bundled file costs a fraction of that load. Only the module that src/manifest/zod.ts compiles to is
// replaced: no other file in dist/ names zod, and its types still come from the package, so `zod` stays a
// dependency. That module imports the members it uses by name, so the bundle leaves out the rest of zod.
import { readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// `node scripts/bundle-zod.js [distDir]` (default: this checkout's dist/)
const OUT = join(resolve(process.argv[2] ?? join(ROOT, 'dist')), 'manifest/zod.js')
const compiled = await readFile(OUT, 'utf8').catch(() => '')
if (!/from ['"]zod['"]/.test(compiled)) {
  throw new Error(`bundle-zod: ${OUT} is not the re-export tsc writes for src/manifest/zod.ts; run "npm run build"`)
}
const zodDir = dirname(createRequire(import.meta.url).resolve('zod/package.json'))
const { version } = JSON.parse(await readFile(join(zodDir, 'package.json'), 'utf8'))
const license = (await readFile(join(zodDir, 'LICENSE'), 'utf8')).trim()
const { outputFiles } = await build({
  // The same entry tsc compiled, resolved the way Node's `import` resolves it.
  stdin: { contents: compiled, resolveDir: join(ROOT, 'src/manifest'), loader: 'js' },
  write: false,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  banner: { js: `/*! zod ${version} (bundled by unplugin-rodin's build, scripts/bundle-zod.js)\n${license}\n*/` },
  logLevel: 'warning',
})
await writeFile(OUT, outputFiles[0].text)
