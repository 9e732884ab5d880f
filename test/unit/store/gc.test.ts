import { spawnSync } from 'node:child_process'
import { lstat, mkdir, readdir, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Store } from '../../../src/store/store.js'
import { writeFileAtomic } from '../../../src/util/atomic.js'
import { tempDir } from '../../helpers/tmp.js'

const none = { content: new Set<string>(), tasks: new Set<string>(), derived: new Set<string>() }

describe('Store.gc', () => {
  it('keeps temp files younger than the limit (by the injected clock) and what keep names', async () => {
    const store = new Store(await tempDir(), { stateDir: await tempDir() })
    const kept = await store.put(new TextEncoder().encode('kept'))
    const dropped = await store.put(new TextEncoder().encode('dropped'))
    await store.writeJson('tasks', 'rodin-a/b', { files: {} }) // stored under a sanitised name
    const tmp = join(store.root, 'tmp', '42-0123456789ab')
    await writeFile(tmp, 'x')
    const t = (await lstat(tmp)).mtimeMs
    const keep = { ...none, content: new Set([kept.sha256]), tasks: new Set(['rodin-a/b']) }
    const early = await store.gc(keep, { dryRun: true, now: () => t + 59_000, tempAgeMs: 60_000 })
    expect(early.map(e => e.path)).toEqual([`v1/content/${dropped.sha256.slice(0, 2)}/${dropped.sha256}`])
    const late = await store.gc(keep, { now: () => t + 61_000, tempAgeMs: 60_000 })
    expect(late.map(e => e.kind)).toEqual(['content', 'tmp'])
    expect(await store.get(kept.sha256)).not.toBeNull()
    expect(await store.readJson('tasks', 'rodin-a/b')).toEqual({ files: {} })
  })

  it('removes only the link when the versioned folder itself is a link', async () => {
    const cacheDir = await tempDir()
    const elsewhere = await tempDir()
    await mkdir(join(elsewhere, 'content', 'ab'), { recursive: true })
    await writeFile(join(elsewhere, 'content', 'ab', 'ab'.repeat(32)), 'precious')
    await symlink(elsewhere, join(cacheDir, 'v1'))
    const entries = await new Store(cacheDir).gc(none)
    expect(entries).toEqual([{ path: 'v1', bytes: 0, kind: 'link' }])
    expect(await readdir(cacheDir)).toEqual([])
    expect(await readdir(join(elsewhere, 'content', 'ab'))).toEqual(['ab'.repeat(32)])
  })
})

describe('writeFileAtomic', () => {
  it('removes temp files of dead writers of the same path, not those of live ones or of other paths', async () => {
    const dir = await tempDir()
    const path = join(dir, 'lock.json')
    const dead = spawnSync(process.execPath, ['-e', '0']).pid! // exited: its pid is free
    const names = [
      `.lock.json.${dead}.0123abcd.tmp`, // a killed writer: goes
      `.lock.json.${process.ppid}.0123abcd.tmp`, // a live writer: stays
      `.other.json.${dead}.0123abcd.tmp`, // another file's: stays
      `.lock.json.${dead}.nothex!.tmp`, // not a name this writer makes: stays
    ]
    for (const n of names) await writeFile(join(dir, n), 'partial')
    const old = new Date(Date.now() - 2 * 3_600_000)
    await writeFile(join(dir, `.lock.json.${process.ppid}.fedcba98.tmp`), 'old')
    await utimes(join(dir, `.lock.json.${process.ppid}.fedcba98.tmp`), old, old) // live pid, but an hour old: goes
    await writeFileAtomic(path, '{}')
    expect((await readdir(dir)).sort()).toEqual(['lock.json', ...names.slice(1)].sort())
  })
})
