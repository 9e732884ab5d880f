import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/util/hash.js'
import { BUNDLERS, build, fileOfUrl, runEntry, useEmulatorEnv } from '../helpers/bundlers.js'
import type { AppResult, Bundler } from '../helpers/bundlers.js'
import { tempDir } from '../helpers/tmp.js'
import { validate } from '../unit/optimize/helpers.js'

// The documented configs read the environment (RODIN_MODE=auto and the emulator, set by useEmulatorEnv).
const suite = useEmulatorEnv('rodin-lods-cache-')

type LodApp = AppResult & { lods: { url: string; triangles: number; error: number }[]; placeholder: string }

async function project(): Promise<string> {
  const root = await tempDir('rodin-lods-')
  const manifest = { assets: { hero: { task: suite.task.uuid, optimize: { lods: [0.5, 0.25] } } } }
  await writeFile(join(root, 'assets.rodin.json'), JSON.stringify(manifest))
  await mkdir(join(root, 'src'), { recursive: true })
  await writeFile(
    join(root, 'src/main.js'),
    `import url, { meta, lods, placeholder } from 'rodin:hero'\nglobalThis.rodinResult = { url, meta, lods, placeholder }\n`,
  )
  return root
}

describe('lods and placeholder in every bundler', () => {
  it.each(BUNDLERS)(
    '%s: each level is an emitted file with fewer triangles; level 0 is `url`',
    async (bundler: Bundler) => {
      const root = await project()
      const { outDir } = await build(bundler, root)
      const app = (await runEntry(bundler, outDir)) as LodApp
      expect(app.placeholder).toMatch(/^data:image\/webp;base64,/)
      expect(app.lods).toHaveLength(3)
      expect(app.lods[0]).toEqual({ url: app.url, triangles: app.meta.triangles, error: 0 })
      const level0 = app.lods[0]!.triangles
      const lock = JSON.parse(await readFile(join(root, 'assets.rodin.lock.json'), 'utf8'))
      for (const [i, lod] of app.lods.slice(1).entries()) {
        expect(lod.url).not.toBe(app.url)
        const bytes = new Uint8Array(await readFile(fileOfUrl(bundler, outDir, lod.url)))
        expect(lod.triangles).toBeLessThanOrEqual(Math.ceil([0.5, 0.25][i]! * level0 * 1.1))
        expect(lod.error).toBeGreaterThan(0)
        if (bundler === 'vite') expect((await validate(bytes)).errorCodes).toEqual([])
        expect(sha256Hex(bytes)).toBe(lock.assets.hero.optimized.lods[i].sha256) // the pinned level
      }
    },
  )
})
