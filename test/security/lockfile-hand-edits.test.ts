// Issue 11, point 6: hand-edited lockfiles are refused with E_CONFIG, and file lookups never reach
// Object.prototype. Mode: auto (the dev server test).
import { describe, expect, it } from 'vitest'
import { parseLockfile } from '../../src/manifest/lockfile-parse.js'
import { devServer } from './dev-server.js'

const H = (c: string) => c.repeat(64)
const lockText = (primary: string, names: string[] = ['model.glb', 'preview.webp']) =>
  JSON.stringify({
    lockfileVersion: 1,
    assets: {
      m: {
        provider: 'rodin',
        task: '7f3c1a2e-5b6d-4c8e-9f00-1234567890ab',
        primary,
        files: Object.fromEntries(names.map((n, i) => [n, { sha256: H(String(i % 10)), bytes: 1 + i }])),
      },
    },
  })

function configError(text: string): Error & { code?: string } {
  try {
    parseLockfile(text, '/p/assets.rodin.lock.json')
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('the lockfile was accepted')
}

describe('hand-edited lockfiles (issue 11, point 6)', () => {
  it('accepts an untouched entry', () => {
    expect(parseLockfile(lockText('model.glb'), 'x').assets.m?.primary).toBe('model.glb')
  })

  it.each(['other.glb', 'constructor', 'toString', '__proto__'])(
    'refuses primary %j, which is not one of its files',
    primary => {
      const err = configError(lockText(primary))
      expect(err.code).toBe('E_CONFIG')
      expect(err.message).toMatch(/assets\.m\.primary/)
      expect(err.message).toContain('is not one of its files')
    },
  )

  it.each(['../escape.glb', 'a/b.glb', 'evil\u202egnp.glb', 'x\u200b.glb', ' lead.glb', 'trail.glb ', '__proto__'])(
    'refuses file name %j, like the same name from a provider',
    name => {
      const err = configError(lockText('model.glb', ['model.glb', name]))
      expect(err.code).toBe('E_CONFIG')
      expect(err.message).toMatch(/assets\.m\.files/)
      expect(err.message).toMatch(/not a safe file name|"__proto__" in \$.assets.m.files is not allowed/)
      expect(err.message).not.toMatch(/[\u200b\u202a-\u202e]/) // shown as \uXXXX, never able to reorder the message
    },
  )

  it('name lookups do not reach Object.prototype', () => {
    const lock = parseLockfile(lockText('model.glb'), 'x')
    expect(lock.assets.constructor).toBeUndefined()
    expect(lock.assets.m?.files.constructor).toBeUndefined()
  })

  it('Vite dev: /@id/rodin:m/constructor is E_NO_FILE, not a crash', async () => {
    const { get } = await devServer()
    expect((await get('/@id/rodin:m')).status).toBe(200)
    const res = await get('/@id/rodin:m/constructor')
    expect(res.body).toContain('E_NO_FILE')
    expect(res.body).toMatch(/the task has no file \\?"constructor\\?"/) // JSON-escaped in Vite's error page
    expect(res.body).not.toMatch(/TypeError|Cannot read properties/)
  })
})
