// Issue 11, point 8: the dev server may read the cache's out/ folder (what modules import), nothing else of it.
// Mode: auto.
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Store } from '../../src/store/store.js'
import { devServer } from './dev-server.js'

describe('dev server scope (issue 11, point 8)', () => {
  it('serves the emitted copies under out/ but refuses the content store, the index and the cache root', async () => {
    const { cacheDir, get } = await devServer()
    const mod = await get('/@id/rodin:m')
    expect(mod.status, mod.body).toBe(200)
    const store = new Store(cacheDir)
    const outDir = store.outDir
    const [outFile] = await readdir(outDir)
    expect((await get(`/@fs${join(outDir, outFile!)}`)).status).toBe(200)

    const shards = await readdir(join(store.root, 'content'))
    const [blob] = await readdir(join(store.root, 'content', shards[0]!))
    const [record] = await readdir(join(store.root, 'index', 'tasks'))
    await writeFile(join(cacheDir, 'unrelated.txt'), 'not for the browser')
    for (const path of [
      join(store.root, 'content', shards[0]!, blob!),
      join(store.root, 'index', 'tasks', record!),
      join(cacheDir, 'unrelated.txt'),
    ]) {
      const res = await get(`/@fs${path}?raw`)
      expect(res.status, path).toBe(403)
    }
  })
})
