import { afterEach, describe, expect, it, vi } from 'vitest'
import { getZstd } from '../../../src/optimize/io.js'

describe('getZstd', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('instantiates the decoder without fetch (which would load the built-in HTTP client) and puts fetch back', async () => {
    const fetch = vi.fn(() => Promise.reject(new Error('no fetch in the optimizer')))
    vi.stubGlobal('fetch', fetch)
    const zstd = await getZstd()
    expect(fetch).not.toHaveBeenCalled()
    expect(globalThis.fetch).toBe(fetch)
    // One frame: single segment, content size 5, one raw last block of 5 bytes.
    const frame = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x05, 0x29, 0x00, 0x00, ...Buffer.from('hello'))
    expect(Buffer.from(zstd.decode(frame, 5)).toString()).toBe('hello')
  })
})
