import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../../../src/options.js'
import { parsedKey, storeParseMemo } from '../../../src/pipeline/parse-memo.js'
import { Pipeline } from '../../../src/pipeline/pipeline.js'
import { Store } from '../../../src/store/store.js'
import { VERIFIED_RECORD_KEY } from '../../../src/store/verified.js'
import { tempDir } from '../../helpers/tmp.js'

const data = { assets: { hero: '7f3c1a2e-5b6d-4c8e-9f00-1234567890ab' } }
const text = JSON.stringify(data)

describe('storeParseMemo', () => {
  it('serves data back for exactly the text and kind it was stored under', async () => {
    const memo = storeParseMemo(new Store(await tempDir(), { stateDir: await tempDir() }))
    await memo.set('manifest', text, data)
    expect(await memo.get('manifest', text)).toEqual(data)
    expect(await memo.get('manifest', `${text}\n`)).toBeUndefined()
    expect(await memo.get('lockfile', text)).toBeUndefined()
    expect(parsedKey('manifest', text)).not.toBe(parsedKey('lockfile', text))
  })

  it('does not trust records of a cache restored from another machine (signed with another key)', async () => {
    const cacheDir = await tempDir()
    await storeParseMemo(new Store(cacheDir, { stateDir: await tempDir() })).set('manifest', text, data)
    const elsewhere = storeParseMemo(new Store(cacheDir, { stateDir: await tempDir() }))
    expect(await elsewhere.get('manifest', text)).toBeUndefined()
  })

  it('never fails: a cache it cannot write or read is a miss', async () => {
    const blocker = join(await tempDir(), 'not-a-dir')
    await writeFile(blocker, '')
    const memo = storeParseMemo(new Store(join(blocker, 'cache'), { stateDir: await tempDir() }))
    await expect(memo.set('manifest', text, data)).resolves.toBeUndefined()
    expect(await memo.get('manifest', text)).toBeUndefined()
  })
})

describe('Pipeline parse memo', () => {
  async function projectPipeline(memoize: boolean) {
    const root = await tempDir('rodin-project-')
    await writeFile(join(root, 'assets.rodin.json'), text)
    const lockText = '{"lockfileVersion": 1, "assets": {}}\n'
    await writeFile(join(root, 'assets.rodin.lock.json'), lockText)
    const options = resolveOptions({ mode: 'offline', cacheDir: join(root, '.cache'), logLevel: 'silent' }, root, {})
    const pipeline = new Pipeline(options, undefined, { memoize })
    await pipeline.getManifest()
    await pipeline.getLockfile()
    const keys = [parsedKey('manifest', text), parsedKey('lockfile', lockText)]
    const records = await Promise.all(keys.map(k => pipeline.store.readJson<{ data: unknown }>('derived', k)))
    return { pipeline, keys, records }
  }

  it('a build pipeline remembers both files, and gc keeps those records and the verified-files record', async () => {
    const { pipeline, keys, records } = await projectPipeline(true)
    expect(records.map(r => r?.data)).toEqual([data, { lockfileVersion: 1, assets: {} }])
    const keep = await pipeline.reachable()
    for (const key of [...keys, VERIFIED_RECORD_KEY]) expect(keep.derived.has(key)).toBe(true)
  })

  it('other pipelines (the CLI) write no memo', async () => {
    const { records } = await projectPipeline(false)
    expect(records).toEqual([null, null])
  })
})
