import { describe, expect, it } from 'vitest'
import type { RodinError } from '../../../src/errors.js'
import { isRodinError } from '../../../src/errors.js'
import { assertSafeURL, isLoopbackHost } from '../../../src/http/index.js'

const ctx = { asset: 'hero-sword', provider: 'rodin', task: 'task-1', what: 'file URL' }

function unsafe(url: string): RodinError {
  try {
    assertSafeURL(url, ctx)
  } catch (err) {
    expect(isRodinError(err, 'E_UNSAFE_URL')).toBe(true)
    return err as RodinError
  }
  throw new Error(`expected ${url} to be rejected`)
}

describe('assertSafeURL', () => {
  it('accepts https anywhere and http on loopback', () => {
    for (const url of [
      'https://cdn.example.com/a.glb?sig=1',
      'http://127.0.0.1:8080/x',
      'http://127.9.9.9/',
      'http://localhost:3000/',
      'http://[::1]:9/',
      'http://2130706433/',
    ]) {
      expect(assertSafeURL(url, ctx)).toBeInstanceOf(URL)
    }
  })

  it('rejects plain http to other hosts, naming the asset and the fix', () => {
    const err = unsafe('http://example.com/file.glb?X-Amz-Signature=abcdef123456')
    expect(err.message).toContain('asset "hero-sword"')
    expect(err.message).toContain('task task-1')
    expect(err.message).toContain('use an https:// URL')
    expect(err.message).not.toContain('Signature')
    expect(err.details).toMatchObject({
      asset: 'hero-sword',
      provider: 'rodin',
      task: 'task-1',
      url: 'http://example.com/file.glb',
    })
    expect(err.details).not.toHaveProperty('what')
  })

  it('rejects other schemes, private-but-not-loopback http, and junk', () => {
    for (const url of [
      'file:///etc/passwd',
      'data:text/plain,hi',
      'ftp://example.com/x',
      'javascript:alert(1)',
      'http://10.0.0.1/',
      'http://169.254.169.254/latest',
      'http://localhost.evil.com/',
      'http://[::ffff:127.0.0.1]/',
    ])
      unsafe(url)
    expect(unsafe('not a url').message).toMatch(/not a valid absolute URL/)
    expect(unsafe('/relative/path').message).toMatch(/not a valid absolute URL/)
  })

  it('rejects credentials in the URL without echoing them', () => {
    const err = unsafe('https://user:hunter2pass@cdn.example.com/x.glb')
    expect(err.message).toMatch(/embeds credentials/)
    expect(err.message).not.toContain('hunter2pass')
  })
})

describe('isLoopbackHost', () => {
  it('knows loopback names', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true)
    expect(isLoopbackHost('[::1]')).toBe(true)
    expect(isLoopbackHost('LOCALHOST')).toBe(true)
    expect(isLoopbackHost('128.0.0.1')).toBe(false)
    expect(isLoopbackHost('127.example.com')).toBe(false)
  })
})
