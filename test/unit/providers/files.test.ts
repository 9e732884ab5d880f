import { describe, expect, it } from 'vitest'
import type { AssetEntry } from '../../../src/manifest/manifest.js'
import { pickPreview, pickPrimary } from '../../../src/manifest/files.js'
import { sanitizeFiles } from '../../../src/providers/listing.js'

const entry = (extra: Partial<AssetEntry> = {}): AssetEntry => ({
  alias: 'a',
  provider: 'rodin',
  task: 't',
  ids: [],
  optimize: undefined,
  ...extra,
})

describe('pickPrimary', () => {
  it.each([
    [['preview.webp', 'base_basic_shaded.glb', 'base_basic_pbr.glb'], 'base_basic_pbr.glb'],
    [['preview.webp', 'base_basic_shaded.glb'], 'base_basic_shaded.glb'],
    [['base.fbx', 'model.gltf', 'preview.webp'], 'model.gltf'],
    [['base.obj', 'texture_diffuse.png', 'base.stl'], 'base.obj'],
    [['image.png'], 'image.png'],
  ])('picks by name from %j', (names, expected) => {
    expect(pickPrimary(entry(), names)).toBe(expected)
    expect(pickPrimary(entry(), [...names].reverse())).toBe(expected) // never by position
  })

  it('honours "file" and names the alternatives when it is absent', () => {
    expect(pickPrimary(entry({ file: 'base_basic_shaded.glb' }), ['base_basic_pbr.glb', 'base_basic_shaded.glb'])).toBe(
      'base_basic_shaded.glb',
    )
    expect(() => pickPrimary(entry({ file: 'x.glb' }), ['a.glb'])).toThrow(/no file "x\.glb" \(it has: a\.glb\)/)
  })

  it('finds the preview', () => {
    expect(pickPreview(['base_basic_pbr.glb', 'preview.webp'], 'base_basic_pbr.glb')).toBe('preview.webp')
    expect(pickPreview(['base_basic_pbr.glb'], 'base_basic_pbr.glb')).toBeNull()
  })
})

describe('sanitizeFiles', () => {
  it('drops names that could act as paths and repeated names', () => {
    const warnings: string[] = []
    const out = sanitizeFiles(
      [
        { name: 'a.glb', url: 'u1' },
        { name: '../evil.glb', url: 'u2' },
        { name: 'a/b.glb', url: 'u3' },
        { name: 'C:\\x.glb', url: 'u4' },
        { name: 'a.glb', url: 'u5' },
        { name: '..', url: 'u6' },
        { name: 'ok\u0001.glb', url: 'u7' },
      ],
      w => warnings.push(w),
      'asset "a"',
    )
    expect(out).toEqual([{ name: 'a.glb', url: 'u1' }])
    expect(warnings).toHaveLength(5)
  })
})
