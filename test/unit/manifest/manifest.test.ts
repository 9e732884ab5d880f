import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parseManifest } from '../../../src/manifest/manifest-parse.js'
import { manifestJsonSchema } from '../../../src/manifest/schema.js'

const A = '7f3c1a2e-5b6d-4c8e-9f00-1234567890ab'
const B = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'
const parse = (json: unknown) => parseManifest(JSON.stringify(json), '/p/assets.rodin.json')

describe('parseManifest', () => {
  it('merges the project budget under each entry budget, field by field, and rejects unknown measures', () => {
    const m = parse({
      budget: { bytes: 1000, triangles: 50 },
      assets: { a: A, b: { task: B, budget: { triangles: 9, gpuBytes: 7 } }, c: { provider: 'modelslab', id: 1 } },
    })
    expect(m.byAlias.get('a')!.budget).toEqual({ bytes: 1000, triangles: 50 })
    expect(m.byAlias.get('b')!.budget).toEqual({ bytes: 1000, triangles: 9, gpuBytes: 7 })
    expect(m.byAlias.get('c')!.budget).toEqual({ bytes: 1000, triangles: 50 })
    expect(parse({ assets: { a: A } }).byAlias.get('a')!.budget).toBeUndefined()
    expect(() => parse({ budget: { vertices: 5 }, assets: [A] })).toThrow(/unknown key "vertices"/)
    expect(() => parse({ assets: { a: { task: A, budget: { bytes: -1 } } } })).toThrow(/budget\.bytes/)
  })

  it('reads the object form with every provider', () => {
    const m = parse({
      optimize: 'max',
      assets: {
        'hero-sword': A,
        crate: {
          task: B.toUpperCase(),
          subscriptionKey: 'jwt',
          file: 'base_basic_shaded.glb',
          optimize: { textureSize: 1024 },
        },
        statue: { provider: 'modelslab', id: 123456 },
        poster: { provider: 'getty', generation: 'gen-1', index: 2, size: '4k' },
      },
    })
    expect(m.entries.map(e => [e.alias, e.provider, e.task])).toEqual([
      ['hero-sword', 'rodin', A],
      ['crate', 'rodin', B],
      ['statue', 'modelslab', '123456'],
      ['poster', 'getty', 'gen-1'],
    ])
    expect(m.byId.get(`rodin:${A}`)?.alias).toBe('hero-sword')
    expect(m.byId.get(`rodin:${B}`)?.alias).toBe('crate')
    expect(m.byId.get('modelslab:123456')?.alias).toBe('statue')
    expect(m.byId.get('getty:gen-1/2')?.alias).toBe('poster')
    expect(m.byAlias.get('hero-sword')?.optimize).toBe('max')
    expect(m.byAlias.get('crate')?.optimize).toEqual({ textureSize: 1024 })
    expect(m.byAlias.get('poster')?.getty).toEqual({ index: 2, size: '4k', notes: undefined, projectCode: undefined })
  })

  it('reads the array form; the uuid is the alias', () => {
    const m = parse({ assets: [A, B] })
    expect(m.entries.map(e => e.alias)).toEqual([A, B])
    expect(m.byId.get(`rodin:${A}`)?.task).toBe(A)
  })

  it.each([
    [{ assets: { x: 'not-a-uuid' } }, /\$\.assets\.x: .*Rodin task UUID/],
    [{ assets: { 'bad alias!': A } }, /aliases are 1–64 characters/],
    [{ assets: { x: { task: A, colour: 'red' } } }, /\$\.assets\.x: unknown key "colour"/],
    [{ assets: { x: { provider: 'modelslab' } } }, /\$\.assets\.x\.id/],
    [{ assets: { x: { provider: 'getty', generation: 'g', size: '8k' } } }, /\$\.assets\.x\.size/],
    [{ asset: {} }, /unknown key "asset"/],
    [{ assets: { x: { task: A, file: '../../etc/passwd' } } }, /\$\.assets\.x\.file: expected a bare file name/],
  ])('rejects %j with the JSON path and a fix', (json, message) => {
    expect(() => parse(json)).toThrow(message)
    try {
      parse(json)
    } catch (err) {
      expect((err as { code: string }).code).toBe('E_CONFIG')
      expect((err as Error).message).toContain('assets.rodin.json')
    }
  })

  it('reports broken JSON', () => {
    expect(() => parseManifest('{"assets": {', '/p/assets.rodin.json')).toThrow(/assets\.rodin\.json is not valid JSON/)
  })

  it('ships a JSON Schema equal to the generated one', async () => {
    const shipped = JSON.parse(
      await readFile(new URL('../../../schema/assets.rodin.schema.json', import.meta.url), 'utf8'),
    )
    expect(shipped).toEqual(manifestJsonSchema())
    expect(JSON.stringify(shipped)).toContain('subscriptionKey')
  })
})
