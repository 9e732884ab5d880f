import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readLockfile } from '../../../src/manifest/lockfile.js'
import { loadManifest } from '../../../src/manifest/manifest.js'
import type { ParsedKind, ParseMemo } from '../../../src/manifest/parse-memo.js'
import { tempDir } from '../../helpers/tmp.js'

const UUID = '7f3c1a2e-5b6d-4c8e-9f00-1234567890ab'
const OTHER = '00000000-0000-4000-8000-000000000001'

/** A memo in memory that records what it was asked. */
function recordingMemo(known: Record<string, unknown> = {}) {
  const sets: { kind: ParsedKind; text: string; data: unknown }[] = []
  const memo: ParseMemo = {
    async get(kind, text) {
      return known[`${kind}:${text}`]
    },
    async set(kind, text, data) {
      sets.push({ kind, text, data })
    },
  }
  return { memo, sets }
}

async function fileWith(name: string, text: string): Promise<string> {
  const path = join(await tempDir(), name)
  await writeFile(path, text)
  return path
}

describe('loadManifest with a parse memo', () => {
  it('validates a text the memo does not know and remembers the validated data (defaults applied)', async () => {
    const text = JSON.stringify({ assets: { hero: UUID, pic: { provider: 'getty', generation: 'g1' } } })
    const { memo, sets } = recordingMemo()
    const manifest = await loadManifest(await fileWith('assets.rodin.json', text), memo)
    expect(manifest.entries.map(e => e.alias)).toEqual(['hero', 'pic'])
    expect(sets).toEqual([
      {
        kind: 'manifest',
        text,
        data: { assets: { hero: UUID, pic: { provider: 'getty', generation: 'g1', index: 0, size: '1k' } } },
      },
    ])
  })

  it("uses the memo's data for a text it knows, without validating the text again", async () => {
    const text = JSON.stringify({ assets: { hero: UUID } })
    // What the memo holds wins: a memo hit means this exact text was validated before.
    const { memo, sets } = recordingMemo({ [`manifest:${text}`]: { assets: { other: OTHER } } })
    const manifest = await loadManifest(await fileWith('assets.rodin.json', text), memo)
    expect(manifest.entries.map(e => [e.alias, e.task])).toEqual([['other', OTHER]])
    expect(manifest.byId.get(`rodin:${OTHER}`)?.alias).toBe('other')
    expect(sets).toEqual([])
  })

  it('never remembers a manifest that fails validation', async () => {
    const { memo, sets } = recordingMemo()
    const path = await fileWith('assets.rodin.json', JSON.stringify({ assets: { hero: 'not-a-uuid' } }))
    await expect(loadManifest(path, memo)).rejects.toMatchObject({ code: 'E_CONFIG' })
    const dup = await fileWith('assets.rodin.json', `{"assets": {"a": "${UUID}", "a": "${OTHER}"}}`)
    await expect(loadManifest(dup, memo)).rejects.toMatchObject({ code: 'E_CONFIG' })
    expect(sets).toEqual([])
  })
})

describe('readLockfile with a parse memo', () => {
  const lock = {
    lockfileVersion: 1,
    assets: {
      hero: {
        provider: 'rodin',
        task: UUID,
        primary: 'model.glb',
        files: { 'model.glb': { sha256: 'a'.repeat(64), bytes: 3 } },
      },
    },
  }

  it('remembers a valid lockfile and serves it back with prototype-free lookup tables', async () => {
    const text = `${JSON.stringify(lock, null, 2)}\n`
    const first = recordingMemo()
    const read = await readLockfile(await fileWith('assets.rodin.lock.json', text), first.memo)
    expect(first.sets).toEqual([{ kind: 'lockfile', text, data: lock }])
    expect(Object.getPrototypeOf(read!.assets)).toBeNull()

    const second = recordingMemo({ [`lockfile:${text}`]: lock })
    const again = await readLockfile(await fileWith('assets.rodin.lock.json', text), second.memo)
    expect(again).toEqual(read)
    expect(Object.getPrototypeOf(again!.assets)).toBeNull()
    expect(Object.getPrototypeOf(again!.assets.hero!.files)).toBeNull()
    expect(second.sets).toEqual([])
  })

  it('never remembers a malformed lockfile', async () => {
    const { memo, sets } = recordingMemo()
    const bad = { ...lock, assets: { hero: { ...lock.assets.hero, primary: 'missing.glb' } } }
    const path = await fileWith('assets.rodin.lock.json', JSON.stringify(bad))
    await expect(readLockfile(path, memo)).rejects.toMatchObject({ code: 'E_CONFIG' })
    expect(sets).toEqual([])
  })
})
