import { describe, expect, it } from 'vitest'
import { isRodinError } from '../../../src/errors.js'
import { HTTP_DEFAULTS, resolveHttpOptions } from '../../../src/http/index.js'

function configError(fn: () => unknown): Error {
  try {
    fn()
  } catch (err) {
    expect(isRodinError(err, 'E_CONFIG')).toBe(true)
    return err as Error
  }
  throw new Error('expected E_CONFIG')
}

describe('resolveHttpOptions', () => {
  it('returns the documented defaults', () => {
    expect(resolveHttpOptions()).toEqual({
      connectTimeoutMs: 10_000,
      headersTimeoutMs: 30_000,
      stallTimeoutMs: 30_000,
      deadlineMs: 600_000,
      maxBytes: 1024 ** 3,
      maxRetries: 4,
      minRetryDelayMs: 500,
      maxRetryDelayMs: 30_000,
      maxRedirects: 5,
    })
    expect(resolveHttpOptions({})).toEqual(HTTP_DEFAULTS)
  })

  it('overrides single fields and treats undefined as unset', () => {
    const o = resolveHttpOptions({ maxRetries: 0, stallTimeoutMs: undefined, maxBytes: 1000 })
    expect(o.maxRetries).toBe(0)
    expect(o.stallTimeoutMs).toBe(30_000)
    expect(o.maxBytes).toBe(1000)
  })

  it('does not share state with HTTP_DEFAULTS', () => {
    const o = resolveHttpOptions()
    o.maxRetries = 99
    expect(HTTP_DEFAULTS.maxRetries).toBe(4)
  })

  it('rejects bad values with a message that says how to fix them', () => {
    expect(configError(() => resolveHttpOptions({ maxRetries: -1 })).message).toMatch(
      /"maxRetries" must be an integer from 0 to 20, got -1/,
    )
    expect(configError(() => resolveHttpOptions({ stallTimeoutMs: 0 })).message).toMatch(/stallTimeoutMs.*milliseconds/)
    expect(configError(() => resolveHttpOptions({ maxBytes: 1.5 })).message).toMatch(/maxBytes/)
    expect(configError(() => resolveHttpOptions({ deadlineMs: '10' as unknown as number })).message).toMatch(/got "10"/)
    expect(configError(() => resolveHttpOptions({ deadlineMs: Number.NaN })).message).toMatch(/deadlineMs/)
  })

  it('rejects unknown keys and inconsistent delays', () => {
    expect(configError(() => resolveHttpOptions({ retries: 3 } as never)).message).toMatch(
      /unknown option "retries".*maxRetries/,
    )
    expect(configError(() => resolveHttpOptions({ minRetryDelayMs: 5000, maxRetryDelayMs: 100 })).message).toMatch(
      /lower minRetryDelayMs or raise maxRetryDelayMs/,
    )
    expect(configError(() => resolveHttpOptions([] as never)).message).toMatch(/must be an object/)
  })
})
