import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { readLockfile } from '../../../src/manifest/lockfile.js'
import { moduleData } from '../../../src/pipeline/module.js'
import { fileImportUrls, generateModule } from '../../../src/plugin/codegen.js'
import { sha256Hex } from '../../../src/util/hash.js'
import { emulator, project } from '../../helpers/env.js'
import { rejectionOf } from '../optimize/helpers.js'

// Pipeline tests: mode "auto" from project() unless a test says otherwise; CI is cleared by vitest.config.ts.
describe('LOD chain in the pipeline', () => {
  it('emits one file per level, pins and caches the levels, level 0 is the plain "web" output', async () => {
    const emu = await emulator({ assets: [] })
    const glb = await generateRodinLikeGlb({ triangles: 4_000, textureSize: 128 })
    const t = emu.addTask({ files: [{ name: 'base_basic_pbr.glb', bytes: glb }] })
    const p = await project(emu, {
      plain: t.uuid,
      hero: { task: t.uuid, optimize: { lods: [0.5, 0.25] } },
    })
    const pipeline = p.pipeline()
    const plain = await pipeline.asset(p.manifest.byAlias.get('plain')!)
    const hero = await pipeline.asset(p.manifest.byAlias.get('hero')!)
    expect(hero.optimized!.file).toEqual(plain.optimized!.file)
    expect(hero.optimized!.key).toBe(plain.optimized!.key) // lods leave level 0's cache key (and pin) alone
    expect(plain.optimized!.lods).toEqual([])

    const data = await moduleData(pipeline, hero, { kind: 'primary' })
    expect(data.lods).toHaveLength(3)
    const [level0, ...levels] = data.lods!
    expect(level0!.file).toBe(data.file)
    expect(level0!.triangles).toBe(hero.optimized!.stats.triangles)
    for (const [i, lod] of levels.entries()) {
      const bytes = new Uint8Array(await readFile(lod.file))
      expect(sha256Hex(bytes)).toBe(lod.sha256)
      expect(lod.triangles).toBeLessThanOrEqual(Math.ceil([0.5, 0.25][i]! * level0!.triangles * 1.1))
      expect(lod.error).toBeGreaterThan(0)
    }
    const code = generateModule(data, fileImportUrls)
    expect(code).toContain(`import __rodin_lod2 from ${JSON.stringify(levels[1]!.file)}`)
    expect(code).toMatch(
      new RegExp(
        `export const lods = \\[\\{ url: __rodin_url, triangles: ${level0!.triangles}, error: 0 \\}, \\{ url: __rodin_lod1, triangles: ${levels[0]!.triangles}, error: [\\d.e-]+ \\}, \\{ url: __rodin_lod2,`,
      ),
    )
    expect((await moduleData(pipeline, plain, { kind: 'primary' })).lods).toHaveLength(1)

    const lock = (await readLockfile(p.lockfile))!
    expect(lock.assets.plain!.optimized!.lods).toBeUndefined()
    expect(lock.assets.hero!.optimized!.lods).toEqual(
      hero.optimized!.lods.map(l => ({ key: l.key, sha256: l.file.sha256, bytes: l.file.bytes, error: l.error })),
    )

    // Served from the cache: no download, no optimizer run; frozen mode accepts the pins.
    emu.clearLog()
    const frozen = p.pipeline({ mode: 'frozen' })
    const again = await frozen.asset(p.manifest.byAlias.get('hero')!)
    expect(again.hit).toBe(true)
    expect(again.optimized!.lods).toEqual(hero.optimized!.lods)
    expect(emu.requests).toHaveLength(0)
  })

  it('frozen mode refuses levels pinned for other settings', async () => {
    const emu = await emulator({ assets: [] })
    const glb = await generateRodinLikeGlb({ triangles: 1_000, textureSize: 64 })
    const t = emu.addTask({ files: [{ name: 'base_basic_pbr.glb', bytes: glb }] })
    const p = await project(emu, { hero: { task: t.uuid, optimize: { lods: [0.5] } } })
    await p.pipeline().asset(p.manifest.byAlias.get('hero')!)
    const path = join(p.root, 'assets.rodin.json')
    const manifest = JSON.parse(await readFile(path, 'utf8'))
    manifest.assets.hero.optimize.lods = [0.4]
    await writeFile(path, JSON.stringify(manifest))
    const frozen = p.pipeline({ mode: 'frozen' })
    const entry = (await frozen.getManifest()).byAlias.get('hero')!
    const err = await rejectionOf(frozen.asset(entry))
    expect(err.code).toBe('E_LOCK_MISSING')
    expect(err.message).toMatch(/LOD level 1 of asset "hero" is not pinned/)
  })
})
