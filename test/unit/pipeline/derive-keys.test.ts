import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parseLockfile } from '../../../src/manifest/lockfile-parse.js'
import { parseManifest } from '../../../src/manifest/manifest-parse.js'
import { resolveOptimizeOptions } from '../../../src/optimize/options.js'
import { derivedKey } from '../../../src/pipeline/derive.js'

// Pure key computation: no mode or CI involved.
describe('derived-cache keys', () => {
  it('new optimize settings (lods, textureFormat "ktx2") leave the keys of existing pins as they were', async () => {
    const dir = new URL('../../../playground/', import.meta.url)
    const manifestPath = new URL('assets.rodin.json', dir)
    const manifest = parseManifest(await readFile(manifestPath, 'utf8'), manifestPath.pathname)
    const lock = parseLockfile(await readFile(new URL('assets.rodin.lock.json', dir), 'utf8'), 'lock')
    expect(manifest.entries.length).toBeGreaterThan(5)
    for (const entry of manifest.entries) {
      const pin = lock.assets[entry.alias]!
      const opts = resolveOptimizeOptions(entry.optimize as never, entry.alias)!
      expect(opts.lods).toEqual([])
      expect(derivedKey(pin.files[pin.primary]!.sha256, opts), entry.alias).toBe(pin.optimized!.key)
    }
  })
})
