import { describe, expect, it } from 'vitest'
import { OPTIMIZE_DEFAULTS, OPTIMIZE_PRESETS, resolveOptimizeOptions } from '../../../src/optimize/options.js'
import { TOOL_VERSIONS } from '../../../src/optimize/versions.js'

const WHERE = 'plugin options'

function configMessage(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect((err as { code?: string }).code).toBe('E_CONFIG')
    return (err as Error).message
  }
  throw new Error('expected E_CONFIG')
}

describe('resolveOptimizeOptions', () => {
  it('uses the web preset when nothing is set', () => {
    expect(resolveOptimizeOptions(undefined, WHERE)).toEqual(OPTIMIZE_DEFAULTS)
    expect(OPTIMIZE_DEFAULTS).toBe(OPTIMIZE_PRESETS.web)
    expect(OPTIMIZE_DEFAULTS).toEqual({
      preset: 'web',
      dedup: true,
      prune: true,
      weld: true,
      resample: true,
      textureFormat: 'webp',
      textureSize: 2048,
      textureQuality: 80,
      compress: 'meshopt',
      simplify: false,
      lods: [],
    })
  })

  it('returns null for false, "none" and { preset: "none" }', () => {
    expect(resolveOptimizeOptions(false, WHERE)).toBeNull()
    expect(resolveOptimizeOptions('none', WHERE)).toBeNull()
    expect(resolveOptimizeOptions({ preset: 'none' }, WHERE)).toBeNull()
  })

  it('resolves preset names', () => {
    expect(resolveOptimizeOptions('web', WHERE)).toEqual(OPTIMIZE_PRESETS.web)
    const max = resolveOptimizeOptions('max', WHERE)!
    expect(max.textureSize).toBe(1024)
    expect(max.simplify).toEqual({ ratio: 0.5, error: 0.001 })
    expect(max.compress).toBe('meshopt')
  })

  it('lets object fields override the chosen preset', () => {
    expect(resolveOptimizeOptions({ textureSize: 1024, compress: 'draco' }, WHERE)).toEqual({
      ...OPTIMIZE_PRESETS.web,
      textureSize: 1024,
      compress: 'draco',
    })
    expect(resolveOptimizeOptions({ preset: 'max', simplify: false }, WHERE)).toEqual({
      ...OPTIMIZE_PRESETS.max,
      simplify: false,
    })
    // 'none' plus an override is a deliberate minimal pipeline, not "off".
    expect(resolveOptimizeOptions({ preset: 'none', dedup: true }, WHERE)).toEqual({
      ...OPTIMIZE_PRESETS.none,
      dedup: true,
    })
    // undefined fields do not override
    expect(resolveOptimizeOptions({ textureSize: undefined }, WHERE)).toEqual(OPTIMIZE_PRESETS.web)
  })

  it('hands out copies, so callers cannot change the presets', () => {
    const max = resolveOptimizeOptions('max', WHERE)!
    max.textureSize = 16
    if (max.simplify) max.simplify.ratio = 0.1
    expect(OPTIMIZE_PRESETS.max.textureSize).toBe(1024)
    expect(OPTIMIZE_PRESETS.max.simplify).toEqual({ ratio: 0.5, error: 0.001 })
  })

  it('rejects bad values with a message that names the field and the fix', () => {
    expect(configMessage(() => resolveOptimizeOptions({ textureSize: 100.5 }, WHERE))).toContain(
      'plugin options: optimize.textureSize must be an integer between 16 and 16384 (got 100.5)',
    )
    expect(configMessage(() => resolveOptimizeOptions({ textureSize: 8 }, WHERE))).toContain(
      'between 16 and 16384 (got 8)',
    )
    expect(configMessage(() => resolveOptimizeOptions({ textureQuality: 0 }, WHERE))).toContain(
      'optimize.textureQuality must be an integer between 1 and 100 (got 0)',
    )
    expect(configMessage(() => resolveOptimizeOptions({ compress: 'gzip' as never }, WHERE))).toContain(
      'optimize.compress must be "meshopt", "draco" or false (got "gzip")',
    )
    expect(configMessage(() => resolveOptimizeOptions({ dedup: 'yes' as never }, WHERE))).toContain(
      'optimize.dedup must be true or false (got "yes")',
    )
    expect(configMessage(() => resolveOptimizeOptions({ textureFormat: 'avif' as never }, WHERE))).toContain(
      'optimize.textureFormat must be "webp", "ktx2" or "keep"',
    )
    expect(configMessage(() => resolveOptimizeOptions('fast' as never, WHERE))).toContain(
      'optimize must be one of "web", "max", "none" (got "fast")',
    )
    expect(configMessage(() => resolveOptimizeOptions({ preset: 'fast' as never }, WHERE))).toContain(
      'optimize.preset must be one of',
    )
    expect(configMessage(() => resolveOptimizeOptions(42 as never, WHERE))).toContain('optimize must be a preset name')
    expect(configMessage(() => resolveOptimizeOptions([] as never, WHERE))).toContain('got an array')
  })

  it('rejects unknown keys, listing the known ones', () => {
    const message = configMessage(() =>
      resolveOptimizeOptions({ texturesize: 1024 } as never, 'assets.rodin.json: assets.crate'),
    )
    expect(message).toContain(
      'assets.rodin.json: assets.crate: optimize.texturesize is not an option (known: preset, dedup',
    )
    expect(message).toContain('textureSize')
  })

  it('validates simplify', () => {
    expect(resolveOptimizeOptions({ simplify: { ratio: 0.75, error: 0.01 } }, WHERE)!.simplify).toEqual({
      ratio: 0.75,
      error: 0.01,
    })
    expect(configMessage(() => resolveOptimizeOptions({ simplify: true as never }, WHERE))).toContain(
      'optimize.simplify must be false or an object',
    )
    expect(configMessage(() => resolveOptimizeOptions({ simplify: { ratio: 0, error: 0.01 } }, WHERE))).toContain(
      'optimize.simplify.ratio must be a number in (0, 1]',
    )
    expect(configMessage(() => resolveOptimizeOptions({ simplify: { ratio: 0.5 } as never }, WHERE))).toContain(
      'optimize.simplify.error must be a number in [0, 1]',
    )
    expect(
      configMessage(() =>
        resolveOptimizeOptions({ simplify: { ratio: 0.5, error: 0, lockBorder: true } as never }, WHERE),
      ),
    ).toContain('optimize.simplify.lockBorder is not an option')
  })

  it('messages carry the error prefix', () => {
    expect(configMessage(() => resolveOptimizeOptions({ textureSize: -1 }, WHERE))).toMatch(
      /^\[unplugin-rodin\] E_CONFIG: plugin options: /,
    )
  })
})

describe('TOOL_VERSIONS', () => {
  it('lists the version of every tool in the chain', () => {
    for (const name of [
      '@gltf-transform/core',
      '@gltf-transform/functions',
      '@gltf-transform/extensions',
      'meshoptimizer',
      'sharp',
      'draco3dgltf',
    ]) {
      expect(TOOL_VERSIONS[name as keyof typeof TOOL_VERSIONS], name).toMatch(/^\d+\.\d+\.\d+/)
    }
    expect(Object.isFrozen(TOOL_VERSIONS)).toBe(true)
  })
})
