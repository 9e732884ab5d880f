// unplugin-rodin/three in every bundler: the documented config builds an app that loads a model through
// loadRodin, the installed three's Draco and Basis decoder files are emitted by the bundler itself, and no
// built JavaScript points at a CDN. Mode `auto` against the emulator (useEmulatorEnv), a temp project per build.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import { describe, expect, it } from 'vitest'
import { DECODER_SETS } from '../../src/plugin/decoders.js'
import { BUNDLERS, build, useEmulatorEnv } from '../helpers/bundlers.js'
import type { Bundler } from '../helpers/bundlers.js'
import { usePackage } from '../helpers/package.js'
import { tempDir } from '../helpers/tmp.js'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const require = createRequire(import.meta.url)
const suite = useEmulatorEnv('rodin-three-bundlers-cache-')
// What a page imports is the published package: built JavaScript, resolved by each bundler through the exports map.
const published = usePackage()

/** Hosts that serve three.js decoders (drei's default, the usual npm CDNs). */
const CDN = /gstatic\.com|unpkg\.com|jsdelivr\.net|cdnjs\.|esm\.sh|skypack\.dev|jspm\.io|raw\.githubusercontent\.com/

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** A project that has this package and three installed, and an app that loads `rodin:hero` with loadRodin. */
async function threeProject(): Promise<string> {
  const root = await tempDir('rodin-three-bundler-')
  await writeFile(join(root, 'assets.rodin.json'), JSON.stringify({ assets: { hero: suite.task.uuid } }))
  await mkdir(join(root, 'node_modules'), { recursive: true })
  await symlink(published.get(), join(root, 'node_modules/unplugin-rodin'), 'dir')
  await symlink(join(REPO, 'node_modules/three'), join(root, 'node_modules/three'), 'dir')
  await mkdir(join(root, 'src'), { recursive: true })
  await writeFile(
    join(root, 'src/main.js'),
    [
      `import * as hero from 'rodin:hero'`,
      `import { loadRodin } from 'unplugin-rodin/three'`,
      `globalThis.rodinThree = { meta: hero.meta, load: renderer => loadRodin(hero, { renderer }) }`,
      '',
    ].join('\n'),
  )
  return root
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter(e => e.isFile()).map(e => join(e.parentPath, e.name))
}

describe('unplugin-rodin/three with the documented config of every bundler', () => {
  it.each(BUNDLERS)(
    '%s: emits the installed decoder files, references them, and names no CDN',
    async (bundler: Bundler) => {
      const root = await threeProject()
      // Rollup alone resolves no package from node_modules: a Rollup project has node-resolve.
      const { outDir } = await build(bundler, root, config =>
        bundler === 'rollup' ? { ...config, plugins: [...config.plugins, nodeResolve()] } : config,
      )
      const files = await filesUnder(outDir)
      const js = await Promise.all(files.filter(f => /\.m?js$/.test(f)).map(f => readFile(f, 'utf8')))
      expect(js.length).toBeGreaterThan(0)

      for (const path of Object.values(DECODER_SETS).flat()) {
        const name = basename(path)
        const installed = sha256(await readFile(require.resolve(`three/${path}`)))
        // The bundler emitted this exact file (under its own, usually hashed, name)...
        const emitted: string[] = []
        for (const file of files) if (sha256(await readFile(file)) === installed) emitted.push(basename(file))
        expect(emitted, `${name} in ${outDir}`).not.toEqual([])
        // ...and the built code points at it (the decoder module maps the file name to the emitted URL).
        expect(
          emitted.some(e => js.some(code => code.includes(e))),
          `${name}: no built JS references ${emitted.join(', ')}`,
        ).toBe(true)
      }
      for (const code of js) expect(code).not.toMatch(CDN)
    },
    // A production webpack build minifies all of three.js with terser: minutes on a busy two-core machine.
    600_000,
  )

  it('node -e "import(\'unplugin-rodin/three\')" (and /react) works in plain Node: no DOM needed to import', async () => {
    const root = await threeProject()
    await mkdir(join(root, 'node_modules/@react-three'), { recursive: true })
    for (const pkg of ['react', '@react-three/fiber'])
      await symlink(join(REPO, 'node_modules', pkg), join(root, 'node_modules', pkg), 'dir')
    const script = `Promise.all([import('unplugin-rodin/three'), import('unplugin-rodin/react')]).then(([t, r]) => console.log(JSON.stringify([Object.keys(t), Object.keys(r), typeof window])))`
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: root })
    expect(JSON.parse(stdout)).toEqual([
      ['createRodinLoader', 'indexGltf', 'loadRodin', 'loadRodinLod'],
      ['useRodin'],
      'undefined',
    ])
  })
})
