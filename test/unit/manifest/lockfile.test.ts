import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readLockfile, serializeLockfile, updateLockfile } from '../../../src/manifest/lockfile.js'
import { parseLockfile } from '../../../src/manifest/lockfile-parse.js'
import type { LockEntry } from '../../../src/manifest/lockfile.js'
import { FROM_SOURCE } from '../../helpers/source.js'
import { tempDir } from '../../helpers/tmp.js'

const H = (c: string) => c.repeat(64)
const entry = (task: string): LockEntry => ({
  provider: 'rodin',
  task,
  primary: 'a.glb',
  files: { 'preview.webp': { sha256: H('b'), bytes: 2 }, 'a.glb': { sha256: H('a'), bytes: 1 } },
})

describe('lockfile', () => {
  it('serializes with sorted keys, stable bytes and a final newline', () => {
    const a = serializeLockfile({ lockfileVersion: 1, assets: { z: entry('t1'), a: entry('t2') } })
    const b = serializeLockfile({ assets: { a: entry('t2'), z: entry('t1') }, lockfileVersion: 1 })
    expect(a).toBe(b)
    expect(a.endsWith('}\n')).toBe(true)
    expect(a.indexOf('"a.glb"')).toBeLessThan(a.indexOf('"preview.webp"'))
    expect(a.indexOf('"a":')).toBeLessThan(a.indexOf('"z":'))
  })

  it('returns null for a missing file and rejects malformed ones with the fix', async () => {
    const dir = await tempDir()
    expect(await readLockfile(join(dir, 'nope.json'))).toBeNull()
    expect(() => parseLockfile('{"lockfileVersion": 2, "assets": {}}', 'x.lock.json')).toThrow(/rodin-assets lock/)
    expect(() => parseLockfile('<<<<<<< HEAD', 'x.lock.json')).toThrow(/merge conflict/)
  })

  it('merges updates and writes only when bytes change', async () => {
    const dir = await tempDir()
    const path = join(dir, 'assets.rodin.lock.json')
    await updateLockfile(path, l => {
      l.assets.one = entry('t1')
    })
    await updateLockfile(path, l => {
      l.assets.two = entry('t2')
    })
    const lock = await readLockfile(path)
    expect(Object.keys(lock!.assets)).toEqual(['one', 'two'])
    const before = await readFile(path, 'utf8')
    await updateLockfile(path, l => {
      l.assets.one = entry('t1')
    })
    expect(await readFile(path, 'utf8')).toBe(before)
  })

  it('keeps every entry when several processes add entries at once', async () => {
    const dir = await tempDir()
    const path = join(dir, 'assets.rodin.lock.json')
    await writeFile(path, '')
    const script = `
      import { updateLockfile } from ${JSON.stringify(new URL('../../../src/manifest/lockfile.ts', import.meta.url).href)}
      const [path, name] = process.argv.slice(1)
      for (let i = 0; i < 5; i++) await updateLockfile(path, l => { l.assets[name + i] = { provider: 'rodin', task: name + i, primary: 'a.glb', files: { 'a.glb': { sha256: 'a'.repeat(64), bytes: 1 } } } })
    `
    await Promise.all(
      ['p', 'q', 'r', 's'].map(
        name =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(process.execPath, [...FROM_SOURCE, '--input-type=module', '-e', script, path, name], {
              stdio: 'inherit',
            })
            child.on('exit', code => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))))
          }),
      ),
    )
    const lock = await readLockfile(path)
    expect(Object.keys(lock!.assets)).toHaveLength(20)
  })
})
