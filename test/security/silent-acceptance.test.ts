// Issue 11, point 9: nothing questionable is accepted silently. Mode: auto.
import { describe, expect, it } from 'vitest'
import { parseManifest } from '../../src/manifest/manifest-parse.js'
import { resolveOptions } from '../../src/options.js'
import { Pipeline } from '../../src/pipeline/pipeline.js'
import { sanitizeFiles } from '../../src/providers/listing.js'
import { emulator, fixture, project } from '../helpers/env.js'

const UUID = '7f3c1a2e-5b6d-4c8e-9f00-1234567890ab'
const UUID2 = '0a3c1a2e-5b6d-4c8e-9f00-1234567890ab'

function configError(run: () => unknown): Error & { code?: string } {
  try {
    run()
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('accepted')
}

const TRICKY_NAMES = [
  'model\u202egnp.glb', // right-to-left override: shows as "modelbg.png"
  'a\u202ab.glb',
  'a\u2066b.glb',
  'a\u2069b.glb',
  'a\u200bb.glb', // zero-width space
  'a\u200db.glb', // zero-width joiner
  'a\ufeffb.glb',
  ' model.glb',
  'model.glb ',
]

describe('silent acceptance (issue 11, point 9)', () => {
  it('a duplicate alias key in the manifest is E_CONFIG naming the key, not "the last one wins"', () => {
    const text = `{ "assets": { "hero": "${UUID}", "crate": "${UUID2}", "hero": "${UUID2}" } }`
    const err = configError(() => parseManifest(text, '/p/assets.rodin.json'))
    expect(err.code).toBe('E_CONFIG')
    expect(err.message).toContain('"hero" appears twice in $.assets')
    // the same key in two different objects is fine
    expect(
      parseManifest(
        `{ "assets": { "a": { "task": "${UUID}", "file": "x.glb" }, "b": { "task": "${UUID2}", "file": "x.glb" } } }`,
        '/p/assets.rodin.json',
      ).entries,
    ).toHaveLength(2)
  })

  it.each(TRICKY_NAMES)('a manifest "file" %j is refused', name => {
    const text = JSON.stringify({ assets: { m: { task: UUID, file: name } } })
    expect(configError(() => parseManifest(text, '/p/assets.rodin.json')).code).toBe('E_CONFIG')
  })

  it('provider file names with bidi controls, invisible characters or edge spaces are dropped with a warning', () => {
    const warnings: string[] = []
    const kept = sanitizeFiles(
      [...TRICKY_NAMES, 'base_basic_pbr.glb'].map(name => ({ name, url: `https://files.example/${name.length}` })),
      m => warnings.push(m),
      'asset "m"',
    )
    expect(kept.map(f => f.name)).toEqual(['base_basic_pbr.glb'])
    expect(warnings).toHaveLength(TRICKY_NAMES.length)
    expect(warnings.join('\n')).not.toMatch(/[\u200b-\u200d\u202a-\u202e\u2066-\u2069\ufeff]/) // escaped as \uXXXX
  })

  it('a provider file named "__proto__" is refused with a warning like other unsafe names, and the build goes on', async () => {
    const emu = await emulator({ assets: [] })
    const glb = await fixture('khr_fox.glb')
    const task = emu.addTask({
      files: [
        { name: '__proto__', bytes: glb },
        { name: 'base_basic_pbr.glb', bytes: glb },
      ],
    })
    const p = await project(emu, { m: task.uuid })
    const warnings: string[] = []
    const pipeline = new Pipeline(resolveOptions({ ...p.options, optimize: false }, p.root, {}), {
      info() {},
      warn: m => warnings.push(m),
    })
    try {
      const record = await pipeline.asset(p.manifest.byAlias.get('m')!)
      expect(Object.keys(record.files)).toEqual(['base_basic_pbr.glb'])
    } finally {
      await pipeline.close()
    }
    expect(warnings.join('\n')).toMatch(/ignoring file with unsafe name "__proto__"/)
  })
})
