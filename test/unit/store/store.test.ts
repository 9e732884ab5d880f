import { readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { OUT_FILE_RE, STORE_MARKER, Store } from '../../../src/store/store.js'
import { fileIdentity } from '../../../src/store/verified.js'
import { sha256Hex } from '../../../src/util/hash.js'
import { tempDir } from '../../helpers/tmp.js'

const bytes = new TextEncoder().encode('hello glb')

describe('Store', () => {
  it('stores by sha256 and reads back verified bytes', async () => {
    const store = new Store(await tempDir())
    const f = await store.put(bytes)
    expect(f).toEqual({ sha256: sha256Hex(bytes), bytes: bytes.byteLength })
    expect(Buffer.from((await store.get(f.sha256))!).toString()).toBe('hello glb')
    expect(await store.has(f.sha256, f.bytes)).toBe(true)
    expect(await readdir(join(store.root, 'tmp'))).toEqual([]) // no temp file left behind
  })

  it('treats a bit-flipped entry as a miss and drops it', async () => {
    const store = new Store(await tempDir())
    const f = await store.put(bytes)
    const damaged = Buffer.from(bytes)
    damaged[0]! ^= 1
    await writeFile(store.contentPath(f.sha256), damaged)
    expect(await store.get(f.sha256)).toBeNull()
    expect(await store.has(f.sha256, f.bytes)).toBe(false)
    await store.put(bytes) // heals
    expect(await store.get(f.sha256)).not.toBeNull()
  })

  it('vouches for an intact entry by path and identity; a damaged, resized or missing one is null', async () => {
    const store = new Store(await tempDir())
    const ingested = await store.ingest(
      (async function* () {
        yield bytes.subarray(0, 4)
        yield bytes.subarray(4)
      })(),
    )
    const put = await store.put(new TextEncoder().encode('another glb'))
    for (const f of [ingested, put]) {
      const v = await store.vouch(f.sha256, f.bytes)
      expect(v).toEqual({ ...f, path: store.contentPath(f.sha256), identity: fileIdentity(await stat(v!.path)) })
    }
    // A same-size file with other bytes, even with its old times back, is hashed again and dropped.
    const path = store.contentPath(put.sha256)
    const before = await stat(path)
    await writeFile(path, 'ANOTHER glb')
    await utimes(path, before.atime, before.mtime)
    expect(await store.vouch(put.sha256, put.bytes)).toBeNull()
    await expect(stat(path)).rejects.toThrow(/ENOENT/)
    expect(await store.vouch(put.sha256, put.bytes)).toBeNull() // missing
    expect(await store.vouch(ingested.sha256, ingested.bytes + 1)).toBeNull() // not the size pinned
    expect(await store.vouch(ingested.sha256, ingested.bytes)).not.toBeNull()
  })

  it('materializes a named copy and rebuilds it when damaged or lost', async () => {
    const store = new Store(await tempDir())
    const f = await store.put(bytes)
    const never = async () => {
      throw new Error('should not recover')
    }
    const path = await store.materialize(f, 'x-1.glb', never)
    expect(await readFile(path, 'utf8')).toBe('hello glb')
    await writeFile(path, 'tampered!')
    await store.materialize(f, 'x-1.glb', never)
    expect(await readFile(path, 'utf8')).toBe('hello glb')
    await writeFile(store.contentPath(f.sha256), 'gone')
    await writeFile(path, 'gone')
    await store.materialize(f, 'x-1.glb', async () => bytes)
    expect(await readFile(path, 'utf8')).toBe('hello glb')
    await writeFile(path, 'gone')
    await writeFile(store.contentPath(f.sha256), 'gone')
    await expect(store.materialize(f, 'x-1.glb', async () => new Uint8Array([1]))).rejects.toMatchObject({
      code: 'E_INTEGRITY',
    })
  })

  it('writes nothing on a hit (so a read-only cache works)', async () => {
    const store = new Store(await tempDir())
    const f = await store.put(bytes)
    const path = await store.materialize(f, 'x-1.glb', async () => bytes)
    // Root ignores file modes, so prove "no write" directly: the only writer must not run.
    const writeNew = vi.spyOn(store as unknown as { writeNew: () => Promise<void> }, 'writeNew')
    expect(await store.materialize(f, 'x-1.glb', async () => bytes)).toBe(path)
    expect(await store.put(bytes)).toEqual(f)
    expect(writeNew).not.toHaveBeenCalled()
  })

  it('owns its layout: named copies are recognised by path (and real path), pins are verified', async () => {
    const dir = await tempDir()
    const store = new Store(dir)
    const f = await store.put(bytes)
    const path = await store.materialize(f, 'x-0123456789ab.glb', async () => bytes)
    expect(store.isOutFile(path)).toBe(true)
    expect(store.isOutFile(`${path}?url`)).toBe(true)
    expect(OUT_FILE_RE.test(path)).toBe(true)
    expect(store.isOutFile(store.contentPath(f.sha256))).toBe(false)
    expect(store.isOutFile(join(dir, 'out', 'x.glb'))).toBe(false)
    const { symlink } = await import('node:fs/promises')
    const linked = join(await tempDir(), 'cache')
    await symlink(dir, linked)
    expect(new Store(linked).isOutFile(path)).toBe(true) // hosts hand over real paths

    const other = { sha256: 'e'.repeat(64), bytes: 3 }
    const abc = await store.put(new TextEncoder().encode('abc'))
    await writeFile(store.contentPath(abc.sha256), 'abd')
    expect(await store.verify([f, other, abc])).toEqual(['ok', 'missing', 'corrupt'])
    expect(await store.verify([abc])).toEqual(['missing']) // the damaged entry was removed
  })

  it('writes every entry through tmp/ and marks its folder as its own', async () => {
    const store = new Store(await tempDir())
    await store.put(bytes)
    await store.writeJson('tasks', 'rodin-x', { files: {} })
    expect(await readdir(join(store.root, 'tmp'))).toEqual([])
    expect(await readFile(join(store.root, STORE_MARKER), 'utf8')).toMatch(/^unplugin-rodin cache store, layout v1/)
    expect(await readdir(join(store.root, 'index', 'tasks'))).toEqual(['rodin-x.json'])
  })
})
