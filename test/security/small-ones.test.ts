// Issue 11, point 10 (the items of this branch): URL display, long lists, strict http options, quoting.
// Mode: stated per test.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveHttpOptions } from '../../src/http/options.js'
import { assertSafeURL } from '../../src/http/url-policy.js'
import { resolveOptions } from '../../src/options.js'
import { Pipeline } from '../../src/pipeline/pipeline.js'
import { displayURL } from '../../src/redact.js'
import { emulator, project } from '../helpers/env.js'
import { tempDir } from '../helpers/tmp.js'
import { glb } from './hostile-glb.js'

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('accepted')
}

describe('smaller ones (issue 11, point 10)', () => {
  it('URLs without an origin print with their scheme, never as "null/…"', () => {
    expect(displayURL('file:///etc/passwd')).toBe('file:///etc/passwd')
    expect(displayURL('s3://bucket/models/x.glb?X-Amz-Signature=abc')).toBe('s3://bucket/models/x.glb')
    expect(displayURL('data:text/plain,hello')).toMatch(/^data:/)
    let message = ''
    try {
      assertSafeURL('file:///etc/passwd', { what: 'a file URL' })
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toContain('file:///etc/passwd')
    expect(message).not.toContain('null/')
  })

  it.each([
    ['frozen', 'E_LOCK_MISSING'],
    ['offline', 'E_OFFLINE_MISS'],
  ] as const)(
    '10,000 missing assets in mode %s: one short error listing the first 20 and a count',
    async (mode, code) => {
      const root = await tempDir()
      const uuids = Array.from({ length: 10_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)
      await writeFile(join(root, 'assets.rodin.json'), JSON.stringify({ assets: uuids }))
      const pipeline = new Pipeline(resolveOptions({ mode, cacheDir: join(root, '.cache') }, root, {}))
      const err = await rejection(pipeline.preflight())
      expect(err.code).toBe(code)
      expect(err.message.length).toBeLessThan(3_000)
      expect(err.message).toContain(`"${uuids[19]}"`)
      expect(err.message).not.toContain(`"${uuids[20]}"`)
      expect(err.message).toContain('and 9980 more')
    },
  )

  it.each<Record<string, number>>([{ toString: 5 }, { constructor: 1 }, { hasOwnProperty: 3 }])(
    'http options %j are refused (inherited names are not options)',
    http => {
      expect(() => resolveHttpOptions(http as never)).toThrow(/E_CONFIG: unknown option "\w+" in "http"/)
      expect(() => resolveOptions({ http: http as never }, '/p', {})).toThrow(/E_CONFIG: .*unknown option/)
    },
  )

  it('a bad model is named once: asset "m" (file), not model "asset "m" (file)"', async () => {
    const emu = await emulator({ assets: [] })
    const task = emu.addTask({
      // A well-formed GLB container (downloads check that much) whose accessor points at a bufferView that is not there.
      files: [
        {
          name: 'base_basic_pbr.glb',
          bytes: glb(JSON.stringify({ asset: { version: '2.0' }, accessors: [BAD_ACCESSOR] })),
        },
      ],
    })
    const p = await project(emu, { m: task.uuid })
    const pipeline = p.pipeline({ mode: 'auto' })
    const err = await rejection(pipeline.asset(p.manifest.byAlias.get('m')!))
    expect(err.code).toBe('E_BAD_GLB')
    expect(err.message).toContain('asset "m" (base_basic_pbr.glb): not a valid GLB')
    expect(err.message).not.toMatch(/model "asset/)
  })
})

const BAD_ACCESSOR = { bufferView: 7, componentType: 5126, count: 3, type: 'VEC3' }
