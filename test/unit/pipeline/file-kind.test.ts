import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import type { AssetEntry } from '../../../src/manifest/manifest.js'
import { assertFileKind } from '../../../src/pipeline/file-kind.js'
import { fixture } from '../../helpers/env.js'
import { tempDir } from '../../helpers/tmp.js'

const entry = { alias: 'a', provider: 'rodin', task: 't' } as AssetEntry

async function check(name: string, bytes: Uint8Array): Promise<string | null> {
  const path = join(await tempDir(), 'f')
  await writeFile(path, bytes)
  return assertFileKind(path, bytes.byteLength, entry, name).then(
    () => null,
    (err: { code: string; message: string }) => `${err.code} ${err.message}`,
  )
}

describe('assertFileKind', () => {
  it('accepts real files of each checked kind', async () => {
    const pixel = sharp({ create: { width: 2, height: 2, channels: 3, background: '#f00' } })
    expect(await check('m.glb', await fixture('khr_fox.glb'))).toBeNull()
    expect(await check('preview.webp', await fixture('preview.webp'))).toBeNull()
    expect(await check('a.png', await pixel.clone().png().toBuffer())).toBeNull()
    expect(await check('a.JPG', await pixel.clone().jpeg().toBuffer())).toBeNull()
    expect(await check('scene.gltf', new TextEncoder().encode('{"asset":{"version":"2.0"}}'))).toBeNull()
    expect(await check('notes.txt', new TextEncoder().encode('anything'))).toBeNull() // no declared kind
  })

  it('refuses bytes that are not what the extension says', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } })
      .png()
      .toBuffer()
    expect(await check('preview.webp', png)).toMatch(/^E_BAD_FILE .*preview\.webp of asset "a".*not a WebP image/)
    expect(await check('a.png', await fixture('preview.webp'))).toMatch(/not a PNG image/)
    expect(await check('a.jpg', new Uint8Array(0))).toMatch(/it is empty/)
    expect(await check('scene.gltf', new TextEncoder().encode('{"nodes":[]}'))).toMatch(/no asset\.version/)
  })

  it('refuses a GLB whose header, chunk layout or JSON is wrong', async () => {
    const good = Buffer.from(await fixture('khr_fox.glb'))
    const truncated = good.subarray(0, good.byteLength - 10)
    expect(await check('m.glb', truncated)).toMatch(/header says \d+ bytes, the file has \d+/)
    const v1 = Buffer.from(good)
    v1.writeUInt32LE(1, 4)
    expect(await check('m.glb', v1)).toMatch(/version 1, not 2/)
    const badJson = Buffer.from(good)
    badJson.write('!', 20)
    expect(await check('m.glb', badJson)).toMatch(/JSON does not parse/)
    const longChunk = Buffer.from(good)
    longChunk.writeUInt32LE(good.byteLength, 12)
    expect(await check('m.glb', longChunk)).toMatch(/JSON chunk does not fit/)
  })
})
