import { afterEach, describe, expect, it } from 'vitest'
import { isRodinError } from '../../../src/errors.js'
import * as http from '../../../src/http/index.js'
import { parseManifest } from '../../../src/manifest/manifest-parse.js'
import { resolveOptions } from '../../../src/options.js'
import { PROVIDERS, providerSpec, taskKey } from '../../../src/providers/index.js'
import { json, startServer } from '../http/server.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map(fn => fn()))
})

/** A value each setting accepts: a loopback URL for URLs, a marked string otherwise. */
function sample(name: string, key: string, url?: boolean): string {
  return url ? `http://127.0.0.1:9/${name}/${key}` : `${name}-${key}-from-env`
}

describe('provider registry', () => {
  it('lists rodin, modelslab and getty, in that order', () => {
    expect(PROVIDERS.map(p => p.name)).toEqual(['rodin', 'modelslab', 'getty'])
  })

  it('options read every setting of every provider from its first environment variable, else its default', () => {
    const env: Record<string, string> = {}
    for (const spec of PROVIDERS)
      for (const [key, s] of Object.entries(spec.settings)) env[s.env[0]!] = sample(spec.name, key, s.url)
    const fromEnv = resolveOptions({}, '/p', env).providers as unknown as Record<string, Record<string, unknown>>
    const bare = resolveOptions({}, '/p', {}).providers as unknown as Record<string, Record<string, unknown>>
    for (const spec of PROVIDERS) {
      for (const [key, s] of Object.entries(spec.settings)) {
        expect(fromEnv[spec.name]![key], `${spec.name}.${key}`).toBe(sample(spec.name, key, s.url))
        expect(bare[spec.name]![key], `${spec.name}.${key}`).toBe(s.default)
      }
    }
  })

  it('an option wins over its variable, and a URL setting is checked and named in the error', () => {
    for (const spec of PROVIDERS) {
      const o = resolveOptions({ providers: { [spec.name]: { apiKey: 'from-option' } } }, '/p', {
        [spec.settings.apiKey!.env[0]!]: 'from-env',
      })
      expect(o.providers[spec.name].apiKey).toBe('from-option')
      expect(() =>
        resolveOptions({ providers: { [spec.name]: { baseURL: 'http://example.com/api' } } }, '/p', {}),
      ).toThrow(new RegExp(`providers\\.${spec.name}\\.baseURL \\(${spec.settings.baseURL.env[0]}\\)`))
    }
  })

  it("each provider's client answers a rejected key with the provider's own hint", async () => {
    const server = await startServer((_req, res) => json(res, 401, { error: 'bad key' }))
    cleanup.push(() => server.close())
    const manifest = parseManifest(
      JSON.stringify({
        assets: {
          a: 'f8e8a6c0-0000-4000-8000-000000000001',
          b: { provider: 'modelslab', id: 7 },
          c: { provider: 'getty', generation: 'g1', index: 0, size: '1k' },
        },
      }),
      '/p/assets.rodin.json',
    )
    for (const entry of manifest.entries) {
      const spec = providerSpec(entry.provider)!
      const conf = { apiKey: 'k', clientId: 'id', clientSecret: 's', baseURL: server.origin, tokenURL: server.origin }
      const { client } = await spec.connect(conf, { http, options: {}, entry, cacheDir: '/c' })
      cleanup.push(() => client.close())
      const err = await client.request({ method: 'GET', path: '/x', ctx: { asset: entry.alias } }).catch(e => e)
      expect(isRodinError(err, 'E_AUTH'), String(err)).toBe(true)
      expect(err.message).toContain(spec.authHint)
      expect(spec.authHint).toContain(spec.settings.apiKey!.env[0]!)
    }
  })

  it('keeps the task record keys of the cache (a Getty key names the image and its size)', () => {
    const manifest = parseManifest(
      JSON.stringify({
        assets: {
          a: 'F8E8A6C0-0000-4000-8000-000000000001',
          b: { provider: 'modelslab', id: 7 },
          c: { provider: 'getty', generation: 'g1', index: 2, size: '4k' },
        },
      }),
      '/p/assets.rodin.json',
    )
    expect(manifest.entries.map(taskKey)).toEqual([
      'rodin-f8e8a6c0-0000-4000-8000-000000000001',
      'modelslab-7',
      'getty-g1-2-4k',
    ])
  })
})
