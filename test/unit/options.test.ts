import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../../src/options.js'
import { redact } from '../../src/redact.js'

describe('resolveOptions', () => {
  it('applies defaults relative to the root', () => {
    const o = resolveOptions({}, '/p', {})
    expect(o.manifestPath).toBe('/p/assets.rodin.json')
    expect(o.lockfilePath).toBe('/p/assets.rodin.lock.json')
    expect(o.cacheDir).toBe('/p/node_modules/.cache/unplugin-rodin')
    expect(o.mode).toBe('auto')
    expect(o.providers.rodin.baseURL).toBe('https://api.hyper3d.com/api/v2')
  })

  it('reads the environment; options win over env; CI means frozen', () => {
    const env = {
      CI: 'true',
      RODIN_CACHE_DIR: '/c',
      HYPER3D_API_KEY: 'hyper-key-123',
      RODIN_BASE_URL: 'http://127.0.0.1:9/rodin/api/v2',
    }
    const o = resolveOptions({}, '/p', env)
    expect(o.mode).toBe('frozen')
    expect(o.cacheDir).toBe('/c')
    expect(o.providers.rodin.apiKey).toBe('hyper-key-123')
    expect(o.providers.rodin.baseURL).toBe('http://127.0.0.1:9/rodin/api/v2')
    expect(resolveOptions({ mode: 'auto' }, '/p', env).mode).toBe('auto')
    expect(resolveOptions({}, '/p', { ...env, RODIN_MODE: 'offline' }).mode).toBe('offline')
    expect(
      resolveOptions({}, '/p', { RODIN_API_KEY: 'rodin-key-1', HYPER3D_API_KEY: 'x' }).providers.rodin.apiKey,
    ).toBe('rodin-key-1')
    expect(resolveOptions({ lockfile: false }, '/p', {}).lockfilePath).toBeNull()
  })

  it('registers keys for redaction', () => {
    resolveOptions({ providers: { rodin: { apiKey: 'sk-live-abcdef123' } } }, '/p', {})
    expect(redact('boom sk-live-abcdef123 boom')).toBe('boom [redacted] boom')
  })

  it.each([
    [{ mode: 'fast' }, /mode must be one of auto, frozen, offline/],
    [{ concurrency: 0 }, /concurrency must be an integer/],
    [{ wait: { timeoutMs: -1 } }, /wait\.timeoutMs/],
    [{ providers: { rodin: { baseURL: 'http://api.hyper3d.com/api/v2' } } }, /providers\.rodin\.baseURL/],
    [{ cachedir: 'x' }, /unknown option "cachedir"/],
  ])('rejects %j', (user, message) => {
    expect(() => resolveOptions(user as never, '/p', {})).toThrow(message)
  })
})
