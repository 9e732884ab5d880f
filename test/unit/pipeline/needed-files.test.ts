// Mode: every pipeline here runs in mode "auto" unless the test says otherwise.
import { describe, expect, it } from 'vitest'
import { readLockfile } from '../../../src/manifest/lockfile.js'
import { moduleData } from '../../../src/pipeline/module.js'
import { emulator, fixture, project } from '../../helpers/env.js'

async function taskWithExtras() {
  const emu = await emulator({ assets: [] })
  const model = await fixture('pmndrs_bunny_draco.glb')
  const webp = await fixture('preview.webp')
  const t = emu.addTask({
    files: [
      { name: 'base_basic_pbr.glb', bytes: model },
      { name: 'base_basic_shaded.glb', bytes: model },
      { name: 'texture_diffuse.webp', bytes: webp },
      { name: 'model.fbx', bytes: new TextEncoder().encode('; FBX 7.4.0 project file\n') },
      { name: 'preview.webp', bytes: webp },
    ],
  })
  const p = await project(emu, { bunny: t.uuid }, { mode: 'auto', optimize: false })
  return { emu, p, entry: p.manifest.byAlias.get('bunny')! }
}

const fileGets = (emu: Awaited<ReturnType<typeof taskWithExtras>>['emu']) =>
  emu.requests.filter(q => q.route === 'file').map(q => q.file)

describe('files an unpinned task downloads', () => {
  it('downloads only the primary and the preview, and pins only those', async () => {
    const { emu, p, entry } = await taskWithExtras()
    const r = await p.pipeline().asset(entry)
    expect(Object.keys(r.files)).toEqual(['base_basic_pbr.glb', 'preview.webp'])
    expect(fileGets(emu).sort()).toEqual(['base_basic_pbr.glb', 'preview.webp'])
    expect(Object.keys((await readLockfile(p.lockfile))!.assets.bunny!.files)).toEqual([
      'base_basic_pbr.glb',
      'preview.webp',
    ])
  })

  it('fetches another task file on its first import, then caches and pins it', async () => {
    const { emu, p, entry } = await taskWithExtras()
    const pipeline = p.pipeline()
    const r = await pipeline.asset(entry)
    const data = await moduleData(pipeline, r, { kind: 'file', name: 'texture_diffuse.webp' })
    expect(data.meta.kind).toBe('image')
    expect(fileGets(emu)).toContain('texture_diffuse.webp')
    const lock = await readLockfile(p.lockfile)
    expect(Object.keys(lock!.assets.bunny!.files)).toEqual([
      'base_basic_pbr.glb',
      'preview.webp',
      'texture_diffuse.webp',
    ])

    emu.clearLog()
    const warm = p.pipeline({ mode: 'frozen' })
    const again = await warm.asset(entry)
    await moduleData(warm, again, { kind: 'file', name: 'texture_diffuse.webp' })
    expect(emu.requests).toEqual([])
  })

  it('a name the task does not list is E_NO_FILE; frozen mode never fetches an unpinned file', async () => {
    const { p, entry } = await taskWithExtras()
    const pipeline = p.pipeline()
    const r = await pipeline.asset(entry)
    await expect(moduleData(pipeline, r, { kind: 'file', name: 'nope.png' })).rejects.toMatchObject({
      code: 'E_NO_FILE',
    })
    const frozen = p.pipeline({ mode: 'frozen' })
    const fr = await frozen.asset(entry)
    await expect(moduleData(frozen, fr, { kind: 'file', name: 'model.fbx' })).rejects.toMatchObject({
      code: 'E_LOCK_MISSING',
    })
  })
})
