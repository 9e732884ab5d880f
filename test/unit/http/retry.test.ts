import { describe, expect, it } from 'vitest'
import { computeRetryDelay, isRetryableStatus, parseRetryAfter } from '../../../src/http/index.js'

const o = { minRetryDelayMs: 500, maxRetryDelayMs: 30_000 }

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1000)
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000)
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter('1.5', now)).toBe(1500)
  })

  it('reads the three HTTP-date forms relative to now', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter('Wednesday, 01-Jan-25 00:00:07 GMT', now)).toBe(7000)
    expect(parseRetryAfter('Wed Jan  1 00:00:09 2025', now)).toBe(9000)
  })

  it('treats a past date as "now"', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0)
  })

  it('ignores absent and garbage values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(parseRetryAfter('', now)).toBeUndefined()
    expect(parseRetryAfter('-5', now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('5 minutes', now)).toBeUndefined()
    expect(parseRetryAfter('Wed, 99 Foo 2025 00:00:05 GMT', now)).toBeUndefined()
  })
})

describe('computeRetryDelay', () => {
  it('grows exponentially with full jitter between the floor and the ceiling', () => {
    expect(computeRetryDelay(1, undefined, o, () => 0)).toBe(500)
    expect(computeRetryDelay(1, undefined, o, () => 1)).toBe(1000)
    expect(computeRetryDelay(3, undefined, o, () => 1)).toBe(4000)
    expect(computeRetryDelay(3, undefined, o, () => 0.5)).toBe(2250)
  })

  it('never exceeds maxRetryDelayMs', () => {
    expect(computeRetryDelay(20, undefined, o, () => 1)).toBe(30_000)
    expect(computeRetryDelay(1000, undefined, o, () => 1)).toBe(30_000)
  })

  it('is jittered: different random draws give different waits', () => {
    const seen = new Set(Array.from({ length: 50 }, () => computeRetryDelay(4, undefined, o)))
    expect(seen.size).toBeGreaterThan(10)
    for (const d of seen) expect(d >= 500 && d <= 8000).toBe(true)
  })

  it('honours Retry-After, capped at maxRetryDelayMs', () => {
    expect(computeRetryDelay(1, 1000, o, () => 0)).toBe(1000)
    expect(computeRetryDelay(5, 0, o, () => 1)).toBe(0)
    expect(computeRetryDelay(1, 3_600_000, o)).toBe(30_000)
  })

  it('clamps a bad random source', () => {
    expect(computeRetryDelay(1, undefined, o, () => 7)).toBe(1000)
    expect(computeRetryDelay(1, undefined, o, () => -1)).toBe(500)
  })
})

describe('isRetryableStatus', () => {
  it('retries 408, 429 and 5xx only', () => {
    for (const s of [408, 429, 500, 502, 503, 504, 599]) expect(isRetryableStatus(s)).toBe(true)
    for (const s of [200, 301, 400, 401, 403, 404, 409, 410, 422]) expect(isRetryableStatus(s)).toBe(false)
  })
})
