import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/util/hash.js'
import {
  BUNDLERS,
  PUBLIC_PATH,
  SNIPPETS,
  build,
  entryFile,
  fileOfUrl,
  inDir,
  runEntry,
  useEmulatorEnv,
  writeEntry,
} from '../helpers/bundlers.js'
import type { Bundler } from '../helpers/bundlers.js'
import { fixture } from '../helpers/env.js'
import { tempDir } from '../helpers/tmp.js'

// One emulator and one warm cache for the whole file: optimization is deterministic, so the GLB is optimized
// once (by the reference Vite build) and every bundler must emit exactly those bytes.
const suite = useEmulatorEnv('rodin-bundlers-cache-')
let reference: { sha256: string; bytes: number }

async function project(): Promise<string> {
  const root = await tempDir('rodin-bundler-')
  await writeFile(join(root, 'assets.rodin.json'), JSON.stringify({ assets: { hero: suite.task.uuid } }))
  await writeEntry(root, 'hero')
  return root
}

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'rodin-bundler-vite-'))
  try {
    await writeFile(join(root, 'assets.rodin.json'), JSON.stringify({ assets: { hero: suite.task.uuid } }))
    await writeEntry(root, 'hero')
    const { outDir: out } = await build('vite', root)
    const { url } = await runEntry('vite', out)
    const bytes = await readFile(fileOfUrl('vite', out, url))
    reference = { sha256: sha256Hex(bytes), bytes: bytes.byteLength }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
})

describe('the documented config of every bundler, built against the emulator', () => {
  it.each(BUNDLERS)('%s: emits the optimized GLB under a hashed name at the public path', async (bundler: Bundler) => {
    const root = await project()
    const { outDir: out, modules } = await build(bundler, root)
    const app = await runEntry(bundler, out)
    if (bundler === 'webpack' || bundler === 'rspack') {
      // Generated modules end in .js (so the host's JavaScript rules apply); the files are asset modules.
      expect(modules.filter(m => /unplugin-rodin.*\.js$/.test(m.name)).map(m => m.type)).toEqual([
        'javascript/auto',
        'javascript/auto',
        'javascript/auto',
      ])
      expect(modules.filter(m => /[\\/]v1[\\/]out[\\/]/.test(m.name)).map(m => m.type)).toEqual([
        'asset/resource',
        'asset/resource',
        'asset/resource',
      ])
    }

    const base = PUBLIC_PATH[bundler]
    if (base) expect(app.url.startsWith(base), app.url).toBe(true)
    else expect(app.url.startsWith(new URL('dist/', `file://${root}/`).href), app.url).toBe(true) // relative to the chunk
    const file = fileOfUrl(bundler, out, app.url)
    const bytes = await readFile(file)
    // Exactly the Vite build's optimized bytes, under "<alias>-<sha256 prefix>-<host hash>".
    expect(sha256Hex(bytes)).toBe(reference.sha256)
    expect(app.meta).toMatchObject({
      kind: 'model',
      sha256: reference.sha256,
      bytes: reference.bytes,
      sourceSha256: sha256Hex(suite.task.bytes),
    })
    expect(basename(file)).toMatch(new RegExp(`^hero-${reference.sha256.slice(0, 12)}-[\\w-]{8}\\.glb$`))
    expect(app.metaOnly).toEqual(app.meta)

    // The original and the preview come out the same way.
    expect(sha256Hex(await readFile(fileOfUrl(bundler, out, app.raw)))).toBe(sha256Hex(suite.task.bytes))
    expect(app.rawMeta.sha256).toBe(sha256Hex(suite.task.bytes))
    expect(app.preview).toMatch(/preview-[0-9a-f]{12}-[\w-]{8}\.webp$/)
    expect(sha256Hex(await readFile(fileOfUrl(bundler, out, app.preview!)))).toBe(
      sha256Hex(await fixture('preview.webp')),
    )

    // The bundle names the emitted file, never the cache (esbuild's unminified output comments every module's path).
    const js = await readFile(await entryFile(bundler, out), 'utf8')
    expect(js).toContain(basename(file))
    if (bundler !== 'esbuild') expect(js).not.toContain(suite.cache)
  })

  it('the README shows each tested config verbatim', async () => {
    const doc = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
    for (const bundler of BUNDLERS) {
      const file = await readFile(new URL(`${bundler}.config.js`, SNIPPETS), 'utf8')
      expect(doc, bundler).toContain(`// ${bundler}.config.js\n${file.trimEnd()}\n\`\`\``)
    }
  })

  it('webpack alone fails on the rodin: scheme (UnhandledSchemeError): the plugin is what handles it', async () => {
    const root = await project()
    const webpack = (await import('webpack')).default
    const errors = await inDir(
      root,
      () =>
        new Promise<string>((done, fail) => {
          const compiler = webpack({ mode: 'production', entry: './src/main.js' })
          compiler.run((err, stats) =>
            compiler.close(() => (err ? fail(err) : done(stats!.toString({ all: false, errors: true })))),
          )
        }),
    )
    expect(errors).toContain('UnhandledSchemeError')
  })
})
