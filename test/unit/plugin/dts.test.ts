import { describe, expect, it } from 'vitest'
import type { Lockfile } from '../../../src/manifest/lockfile.js'
import { parseManifest } from '../../../src/manifest/manifest-parse.js'
import { dtsPath, renderDts } from '../../../src/plugin/dts.js'

const UUID = '7f3c1a2e-5b6d-4c8e-9f00-1234567890ab'
const SHA = 'a'.repeat(64)

const manifest = parseManifest(
  JSON.stringify({
    assets: {
      hero: UUID,
      statue: { provider: 'modelslab', id: 123456 },
      poster: { provider: 'getty', generation: 'gen-1', index: 2, size: '1k' },
    },
  }),
  '/project/assets.rodin.json',
)

/** The declared modules: id → its block. */
function modules(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of text.matchAll(/declare module ("[^"]+") \{\n([\s\S]*?)\n\}/g)) out.set(JSON.parse(m[1]!), m[2]!)
  return out
}

describe('renderDts', () => {
  it('declares every id of every entry with ?raw and ?meta, and no wildcard that could match a typo', () => {
    const mods = modules(renderDts(manifest, null, '/project'))
    for (const id of [
      'rodin:hero',
      `rodin:${UUID}`,
      'rodin:statue',
      'modelslab:123456',
      'rodin:poster',
      'getty:gen-1/2',
    ]) {
      expect(mods.has(id), id).toBe(true)
      expect(mods.has(`${id}?raw`), id).toBe(true)
      expect(mods.get(`${id}?meta`), id).toMatch(/const meta: .*\n {2}export default meta/)
    }
    expect([...mods.keys()].filter(id => id.includes('*'))).toEqual([
      'rodin:hero/*',
      `rodin:${UUID}/*`,
      'rodin:statue/*',
      'modelslab:123456/*',
      'rodin:poster/*',
    ])
    // Unpinned: Getty is always an image; a Rodin or ModelsLab primary is not known yet.
    expect(mods.get('getty:gen-1/2')).toContain(`import('unplugin-rodin').RodinImageMeta`)
    expect(mods.get('modelslab:123456')).toContain(`import('unplugin-rodin').RodinAssetMeta`)
    expect(mods.get('rodin:hero')).toContain('export const preview: string | null')
  })

  it('uses the lockfile for exact meta types, the preview and the per-file ids', () => {
    const lock: Lockfile = {
      lockfileVersion: 1,
      assets: {
        hero: {
          provider: 'rodin',
          task: UUID,
          primary: 'base_basic_pbr.glb',
          files: {
            'base_basic_pbr.glb': { sha256: SHA, bytes: 1 },
            'preview.webp': { sha256: SHA, bytes: 1 },
            'model.fbx': { sha256: SHA, bytes: 1 },
          },
        },
        // A pin for another task (the manifest moved on): ignored.
        statue: { provider: 'modelslab', task: '999', primary: 'x.glb', files: { 'x.glb': { sha256: SHA, bytes: 1 } } },
      },
    }
    const mods = modules(renderDts(manifest, lock, '/project'))
    expect(mods.get('rodin:hero')).toContain('RodinModelMeta')
    expect(mods.get('rodin:hero')).toContain('export const preview: string\n')
    expect(mods.get('rodin:hero/preview.webp')).toContain('RodinImageMeta')
    expect(mods.get('rodin:hero/preview.webp')).toContain('export const preview: null')
    expect(mods.get('rodin:hero/model.fbx')).toContain('RodinFileMeta')
    expect(mods.has('rodin:hero/*')).toBe(false)
    expect(mods.get('rodin:statue')).toContain('RodinAssetMeta')
  })

  it('gives a pinned model its node, material and animation names as literal types (not ?raw)', () => {
    const lock: Lockfile = {
      lockfileVersion: 1,
      assets: {
        hero: {
          provider: 'rodin',
          task: UUID,
          primary: 'base_basic_pbr.glb',
          files: { 'base_basic_pbr.glb': { sha256: SHA, bytes: 1 } },
        },
      },
    }
    const names = new Map([['hero', { nodes: ['Blade', 'Hilt "2"'], materials: ['Steel'], animations: [] }]])
    const mods = modules(renderDts(manifest, lock, '/project', names))
    const named = `import('unplugin-rodin').RodinModelMetaOf<"Blade" | "Hilt \\"2\\"", "Steel", never>`
    expect(mods.get('rodin:hero')).toContain(`export const meta: ${named}`)
    expect(mods.get(`rodin:${UUID}`)).toContain(named)
    expect(mods.get('rodin:hero?meta')).toContain(`const meta: ${named}`)
    expect(mods.get('rodin:hero?raw')).toMatch(/export const meta: import\('unplugin-rodin'\).RodinModelMeta$/)
  })

  it('is a script (declarations, not augmentations) and stable for the same input', () => {
    const text = renderDts(manifest, null, '/project')
    expect(text).not.toMatch(/^(import|export) /m)
    expect(renderDts(manifest, null, '/project')).toBe(text)
  })
})

describe('dtsPath', () => {
  it('is off by default, rodin-env.d.ts in the root for true, relative to the root for a string', () => {
    expect(dtsPath(undefined, '/p')).toBeNull()
    expect(dtsPath(false, '/p')).toBeNull()
    expect(dtsPath(true, '/p')).toBe('/p/rodin-env.d.ts')
    expect(dtsPath('types/assets.d.ts', '/p')).toBe('/p/types/assets.d.ts')
    expect(dtsPath('/abs/x.d.ts', '/p')).toBe('/abs/x.d.ts')
  })
})
