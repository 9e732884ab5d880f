import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Store } from '../../../src/store/store.js'
import { VerifiedFiles } from '../../../src/store/verified.js'
import type { VerifiedRecordIO } from '../../../src/store/verified.js'
import { tempDir } from '../../helpers/tmp.js'

afterEach(() => {
  vi.restoreAllMocks()
})

function memoryIO(initial: { files?: Record<string, string> } | null = null) {
  let record = initial
  const writes: { files: Record<string, string> }[] = []
  const io: VerifiedRecordIO = {
    read: async () => record,
    write: async value => {
      writes.push(value)
      record = value
    },
  }
  return { io, writes }
}

describe('VerifiedFiles', () => {
  it('matches a file only while size, times, inode and hash are the ones recorded', async () => {
    const dir = await tempDir()
    const path = join(dir, 'a.glb')
    await writeFile(path, 'abc')
    const st = await stat(path)
    const { io, writes } = memoryIO()
    const first = new VerifiedFiles(io)
    first.add('a.glb', st, 'h1')
    await first.flush()
    expect(writes).toHaveLength(1)

    const next = new VerifiedFiles(io)
    expect(await next.matches('a.glb', st, 'h1')).toBe(true)
    expect(await next.matches('a.glb', st, 'h2')).toBe(false)
    expect(await next.matches('b.glb', st, 'h1')).toBe(false)
    await writeFile(path, 'xyz') // same size, new bytes: the ctime (and mtime) move on
    expect(await next.matches('a.glb', await stat(path), 'h1')).toBe(false)
  })

  it('writes only after it hashed something, only what this process used, and never fails on a write', async () => {
    const dir = await tempDir()
    for (const n of ['a', 'b', 'c']) await writeFile(join(dir, n), n)
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(n => stat(join(dir, n))))
    const earlier = memoryIO()
    const seed = new VerifiedFiles(earlier.io)
    seed.add('a', a!, 'ha')
    seed.add('b', b!, 'hb')
    await seed.flush()

    const readOnly = memoryIO(earlier.writes[0]!)
    const matching = new VerifiedFiles(readOnly.io)
    expect(await matching.matches('a', a!, 'ha')).toBe(true)
    await matching.flush()
    expect(readOnly.writes).toEqual([])

    const later = memoryIO(earlier.writes[0]!)
    const working = new VerifiedFiles(later.io)
    expect(await working.matches('a', a!, 'ha')).toBe(true)
    working.add('c', c!, 'hc')
    await working.flush()
    expect(Object.keys(later.writes[0]!.files).sort()).toEqual(['a', 'c'])

    const again = memoryIO(later.writes[0]!)
    const rehashing = new VerifiedFiles(again.io)
    rehashing.add('a', a!, 'ha') // hashed again (a build reading the bytes), unchanged: nothing to write
    await rehashing.flush()
    expect(again.writes).toEqual([])

    const failing = new VerifiedFiles({ read: async () => null, write: () => Promise.reject(new Error('ENOSPC')) })
    failing.add('a', a!, 'ha')
    await expect(failing.flush()).resolves.toBeUndefined()
  })
})

describe('Store with rememberVerified', () => {
  const bytes = new TextEncoder().encode('hello glb')

  it('a later store stats the files an earlier one hashed, and still catches a changed one', async () => {
    const cacheDir = await tempDir()
    const stateDir = await tempDir()
    const first = new Store(cacheDir, { stateDir, rememberVerified: true })
    const f = await first.put(bytes)
    expect(await first.has(f.sha256, f.bytes)).toBe(true)
    const copy = await first.materialize(f, 'm-1.glb', async () => bytes)
    expect(await first.materialize(f, 'm-1.glb', async () => bytes)).toBe(copy) // hashes the copy it made
    await first.flush()

    const hashes = vi.spyOn(Store.prototype as unknown as { readVerified: () => unknown }, 'readVerified')
    const next = new Store(cacheDir, { stateDir, rememberVerified: true })
    expect(await next.has(f.sha256, f.bytes)).toBe(true)
    expect(await next.materialize(f, 'm-1.glb', async () => bytes)).toBe(copy)
    expect(hashes).not.toHaveBeenCalled()

    await writeFile(copy, 'hello GLB') // same size, other bytes
    const again = new Store(cacheDir, { stateDir, rememberVerified: true })
    expect(await again.materialize(f, 'm-1.glb', async () => bytes)).toBe(copy)
    expect(hashes).toHaveBeenCalled()
    expect(new TextDecoder().decode((await again.get(f.sha256))!)).toBe('hello glb')
  })

  it("does not trust the record in a cache restored from elsewhere (another user's key)", async () => {
    const cacheDir = await tempDir()
    const first = new Store(cacheDir, { stateDir: await tempDir(), rememberVerified: true })
    const f = await first.put(bytes)
    expect(await first.has(f.sha256, f.bytes)).toBe(true)
    await first.flush()
    const hashes = vi.spyOn(Store.prototype as unknown as { readVerified: () => unknown }, 'readVerified')
    const elsewhere = new Store(cacheDir, { stateDir: await tempDir(), rememberVerified: true })
    expect(await elsewhere.has(f.sha256, f.bytes)).toBe(true)
    expect(hashes).toHaveBeenCalledTimes(1)
  })
})
