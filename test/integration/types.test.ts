import { execFile } from 'node:child_process'
import { readFile, symlink, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import rodin from '../../src/rolldown.js'
import type { RodinOptions } from '../../src/options.js'
import { emulator, glbTask, project } from '../helpers/env.js'
import { usePackage } from '../helpers/package.js'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const TSC = join(REPO, 'node_modules/typescript/bin/tsc')
// The declarations a project sees are the published ones: dist/*.d.ts, through the exports map.
const published = usePackage()

/** A TypeScript project in `root` that sees this package as `unplugin-rodin`, with `sources` under src/. */
async function tsProject(root: string, sources: Record<string, string>, typesFrom: 'dts' | 'client'): Promise<void> {
  await mkdir(join(root, 'node_modules'), { recursive: true })
  await symlink(published.get(), join(root, 'node_modules/unplugin-rodin'), 'dir').catch(() => {})
  await mkdir(join(root, 'src'), { recursive: true })
  for (const [name, text] of Object.entries(sources)) await writeFile(join(root, 'src', name), text)
  await writeFile(
    join(root, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        skipLibCheck: false,
        types: typesFrom === 'client' ? ['unplugin-rodin/client'] : [],
      },
      include: typesFrom === 'dts' ? ['src', 'rodin-env.d.ts'] : ['src'],
    }),
  )
}

/**
 * Runs the repository's `tsc --noEmit`; returns the exit code and the diagnostics. Declaration files are checked
 * too (skipLibCheck off, so a broken generated file shows up); unplugin's own declarations name optional hosts'
 * types (bun, farm, …) that are not installed, so diagnostics inside node_modules/ are left out.
 */
async function tsc(root: string): Promise<{ code: number; output: string }> {
  let code = 0
  let output: string
  try {
    output = (await promisify(execFile)(process.execPath, [TSC, '-p', root, '--pretty', 'false'], { cwd: root })).stdout
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    code = e.code ?? 1
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`
  }
  const lines = output.split('\n').filter(line => line.trim() && !line.includes('/node_modules/'))
  return { code: lines.length === 0 ? 0 : code, output: lines.join('\n') }
}

/** Runs the plugin (a Rolldown build in `root` of an entry importing `ids`) so it writes its declarations. */
async function writeDeclarations(
  root: string,
  options: RodinOptions,
  ids: string[],
  path = 'rodin-env.d.ts',
): Promise<string> {
  const { build } = await import('rolldown')
  await writeFile(join(root, 'entry.js'), `${ids.map(id => `import ${JSON.stringify(id)}`).join('\n')}\n`)
  await build({ cwd: root, input: 'entry.js', plugins: [rodin(options)], write: false })
  return readFile(join(root, path), 'utf8')
}

const GOOD_PINNED = (uuid: string) => `
import sword, { lods, meta, placeholder, preview, url } from 'rodin:hero-sword'
import raw, { meta as rawMeta } from 'rodin:hero-sword?raw'
import metaOnly from 'rodin:hero-sword?meta'
import image, { meta as imageMeta, preview as none } from 'rodin:hero-sword/preview.webp'
import byTask from 'rodin:${uuid}'
import byTaskMeta from 'rodin:${uuid}?meta'

// Exact types: pinned GLB → model meta without narrowing, image file → image meta.
export const strings: string[] = [sword, url, raw, image, byTask]
export const p: string = preview // the task has a preview image
export const n: null = none
export const triangles: number = meta.triangles + rawMeta.vertices + metaOnly.triangles + byTaskMeta.animations.length
export const meshopt: boolean = meta.decoders.meshopt
export const width: number = imageMeta.width
export const gpu: number = meta.gpuBytes
export const blur: string | null = placeholder
export const levels: { url: string; triangles: number; error: number }[] = lods
// @ts-expect-error the URL is a string
export const notNumber: number = sword
// @ts-expect-error ?meta's default export is the meta object, not a URL
export const notUrl: string = metaOnly
`

describe('types', () => {
  it('dts: every manifest id is declared with exact types, and a misspelled id fails tsc', async () => {
    const emu = await emulator({ assets: [] })
    const fox = await glbTask(emu, 'pmndrs_bunny_draco.glb')
    const p = await project(emu, { 'hero-sword': fox.uuid })
    const dts = await writeDeclarations(p.root, { ...p.options, dts: true }, ['rodin:hero-sword'])
    expect(dts).toContain(`declare module "rodin:hero-sword"`)
    expect(dts).toContain(`declare module "rodin:${fox.uuid}/base_basic_pbr.glb"`)
    expect(dts).not.toMatch(/declare module "rodin:\*"/)

    await tsProject(p.root, { 'main.ts': GOOD_PINNED(fox.uuid) }, 'dts')
    const good = await tsc(p.root)
    expect(good.output).toBe('')
    expect(good.code).toBe(0)

    await writeFile(
      join(p.root, 'src/typo.ts'),
      `import x from 'rodin:hero-swrod'\nimport y from 'rodin:hero-sword/preveiw.webp'\nexport { x, y }\n`,
    )
    const bad = await tsc(p.root)
    expect(bad.code).not.toBe(0)
    expect(bad.output).toMatch(/src\/typo\.ts\(1,15\): error TS2307: Cannot find module 'rodin:hero-swrod'/)
    expect(bad.output).toMatch(
      /src\/typo\.ts\(2,15\): error TS2307: Cannot find module 'rodin:hero-sword\/preveiw\.webp'/,
    )
    expect(bad.output.trim().split('\n')).toHaveLength(2)
  })

  it('dts before anything is pinned: the asset part of every id is still checked, meta narrows on kind', async () => {
    const emu = await emulator({ assets: [] })
    const fox = await glbTask(emu, 'pmndrs_bunny_draco.glb')
    const p = await project(emu, { 'hero-sword': fox.uuid }, { lockfile: false })
    const dts = await writeDeclarations(p.root, { ...p.options, dts: 'types/assets.d.ts' }, [], 'types/assets.d.ts')
    expect(dts).toContain('declare module "rodin:hero-sword/*"')
    await tsProject(
      p.root,
      {
        'main.ts': `
import { meta } from 'rodin:hero-sword'
import file from 'rodin:hero-sword/anything.bin'
export const triangles: number = meta.kind === 'model' ? meta.triangles : 0
export const url: string = file
// @ts-expect-error not narrowed: an image or a file has no triangles
export const t: number = meta.triangles
`,
        'typo.ts': `import x from 'rodin:hero-swrod/preview.webp'\nexport { x }\n`,
      },
      'dts',
    )
    await writeFile(
      join(p.root, 'tsconfig.json'),
      (await readFile(join(p.root, 'tsconfig.json'), 'utf8')).replace('"rodin-env.d.ts"', '"types/assets.d.ts"'),
    )
    const out = await tsc(p.root)
    expect(out.output.trim().split('\n')).toEqual([
      expect.stringMatching(
        /src\/typo\.ts\(1,15\): error TS2307: Cannot find module 'rodin:hero-swrod\/preview\.webp'/,
      ),
    ])
  })

  it("dts + unplugin-rodin/three and /react: loadRodin's and useRodin's maps are typed with the model's names; a misspelled name fails tsc", async () => {
    const emu = await emulator({ assets: [] })
    const fox = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { fox: fox.uuid })
    const dts = await writeDeclarations(p.root, { ...p.options, dts: true }, ['rodin:fox'])
    // The names come from the optimized file (and survive optimization: the fox's own names).
    expect(dts).toContain('"b_Root_00"')
    expect(dts).toContain('"fox_material"')
    expect(dts).toContain('"Survey" | "Walk" | "Run"')

    await tsProject(
      p.root,
      {
        'main.ts': `
import * as fox from 'rodin:fox'
import foxUrl, { meta } from 'rodin:fox'
import foxMeta from 'rodin:fox?meta'
import { loadRodin } from 'unplugin-rodin/three'
import { useRodin } from 'unplugin-rodin/react'
import type { AnimationClip, Material, Object3D } from 'three'

export function useFox(): Object3D {
  return useRodin(fox).nodes.b_Root_00
}

export async function show(): Promise<[Object3D, Material, AnimationClip, Object3D]> {
  const { nodes, materials, animations } = await loadRodin(fox)
  const again = await loadRodin({ url: foxUrl, meta })
  const names: 'Survey' | 'Walk' | 'Run' = foxMeta.animations[0]!
  void names
  return [nodes.b_Root_00, materials.fox_material, animations.Survey, again.nodes.fox]
}
`,
      },
      'dts',
    )
    // A three.js (and React Three Fiber) project has these and their types installed.
    await mkdir(join(p.root, 'node_modules/@types'), { recursive: true })
    await mkdir(join(p.root, 'node_modules/@react-three'), { recursive: true })
    for (const pkg of ['three', '@types/three', 'react', '@types/react', '@react-three/fiber'])
      await symlink(join(REPO, 'node_modules', pkg), join(p.root, 'node_modules', pkg), 'dir')
    const good = await tsc(p.root)
    expect(good.output).toBe('')
    expect(good.code).toBe(0)

    await writeFile(
      join(p.root, 'src/typo.ts'),
      [
        `import * as fox from 'rodin:fox'`,
        `import { loadRodin } from 'unplugin-rodin/three'`,
        `import { useRodin } from 'unplugin-rodin/react'`,
        `export const typo = loadRodin(fox).then(r => [r.nodes.b_Root_0, r.animations.Srvey])`,
        `export const useTypo = () => useRodin(fox).materials.fox_materal`,
        '',
      ].join('\n'),
    )
    const bad = await tsc(p.root)
    expect(bad.code).not.toBe(0)
    expect(bad.output).toMatch(/src\/typo\.ts\(4,\d+\): error TS2551: Property 'b_Root_0' does not exist/)
    expect(bad.output).toMatch(/src\/typo\.ts\(4,\d+\): error TS2551: Property 'Srvey' does not exist/)
    expect(bad.output).toMatch(/src\/typo\.ts\(5,\d+\): error TS2551: Property 'fox_materal' does not exist/)
    expect(bad.output.trim().split('\n')).toHaveLength(3)
  })

  it('unplugin-rodin/client: any id, exact export types, ?meta default is the meta object', async () => {
    const { tempDir } = await import('../helpers/tmp.js')
    const root = await tempDir('rodin-types-')
    await tsProject(
      root,
      {
        'main.ts': `
import url, { meta, preview } from 'rodin:anything'
import raw from 'rodin:anything?raw'
import m from 'rodin:anything?meta'
import statue, { meta as statueMeta } from 'modelslab:123456'
import poster, { meta as posterMeta } from 'getty:abc/0'
import posterOnly from 'getty:abc/0?meta'
export const s: string[] = [url, raw, statue, poster]
export const p: string | null = preview
export const t: number = m.kind === 'model' ? m.triangles + (meta.kind === 'model' ? meta.vertices : 0) : 0
export const w: number = posterMeta.kind === 'image' ? posterMeta.width : posterOnly.bytes
export const k: 'model' | 'image' | 'file' = statueMeta.kind
// @ts-expect-error ?meta's default export is the meta object
export const notUrl: string = m
// @ts-expect-error meta is a union until narrowed
export const notNarrowed: number = meta.triangles
`,
      },
      'client',
    )
    const out = await tsc(root)
    expect(out.output).toBe('')
    expect(out.code).toBe(0)
  })
})
