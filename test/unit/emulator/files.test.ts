import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_SUBSCRIPTION_KEYS,
  DEFAULT_TASK_IDS,
  DEFAULT_TASKS,
  startEmulator,
} from '../../../src/emulator/index.js'
import { bytes, closeAll, download, emulator, fileURL, status, task } from './helpers.js'

afterEach(closeAll)

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

describe('emulator: signed file URLs', () => {
  it('lists absolute URLs of the form <url>/files/rodin/<token>/<encoded name>', async () => {
    const emu = await emulator()
    const t = emu.addTask({ files: [{ name: 'base basic #1.glb', bytes: bytes('glTF') }] })
    const [entry] = await download(emu, t.uuid)
    expect(entry!.name).toBe('base basic #1.glb')
    expect(entry!.url).toMatch(new RegExp(`^${emu.url}/files/rodin/[A-Za-z0-9_.-]+/base%20basic%20%231\\.glb$`))
    expect(Buffer.from(await (await fetch(entry!.url)).arrayBuffer()).toString()).toBe('glTF')
  })

  it('serves the bytes with Content-Length and a content type by extension (or the given one)', async () => {
    const emu = await emulator()
    const files = [
      { name: 'base_basic_pbr.glb', type: 'model/gltf-binary' },
      { name: 'preview.webp', type: 'image/webp' },
      { name: 'base_basic_pbr.usdz', type: 'model/vnd.usdz+zip' },
      { name: 'texture_diffuse.png', type: 'image/png' },
      { name: 'base.fbx', type: 'application/octet-stream' },
      { name: 'noext', type: 'application/octet-stream' },
    ]
    const t = emu.addTask({
      files: [
        ...files.map(f => ({ name: f.name, bytes: bytes(`bytes of ${f.name}`) })),
        { name: 'odd.glb', bytes: bytes('x'), contentType: 'text/html' },
      ],
    })
    const list = await download(emu, t.uuid)
    for (const f of files) {
      const res = await fetch(list.find(e => e.name === f.name)!.url)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(f.type)
      expect(res.headers.get('content-length')).toBe(String(`bytes of ${f.name}`.length))
      expect(await res.text()).toBe(`bytes of ${f.name}`)
    }
    expect((await fetch(list.find(e => e.name === 'odd.glb')!.url)).headers.get('content-type')).toBe('text/html')
  })

  it('answers HEAD with the headers only', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const res = await fetch(await fileURL(emu, t.uuid), { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe('27')
  })

  it('expires URLs after urlTtlMs with a 403 S3-style XML body; a new /download gives working URLs', async () => {
    const emu = await emulator({ urlTtlMs: 60 })
    const t = emu.addTask(task())
    const url = await fileURL(emu, t.uuid)
    await sleep(120)
    const res = await fetch(url)
    expect(res.status).toBe(403)
    expect(res.headers.get('content-type')).toBe('application/xml')
    const body = await res.text()
    expect(body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/,
    )
    expect(body).toContain('<Expires>')
    expect(emu.requests.at(-1)).toMatchObject({ route: 'file', status: 403, task: t.uuid, file: 'base_basic_pbr.glb' })
    const fresh = await fileURL(emu, t.uuid)
    expect(fresh).not.toBe(url)
    expect((await fetch(fresh)).status).toBe(200)
  })

  it('keeps a URL valid across later /download calls until it expires', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const first = await fileURL(emu, t.uuid)
    await fileURL(emu, t.uuid)
    expect((await fetch(first)).status).toBe(200)
  })

  it('rejects tampered tokens and names with 403 SignatureDoesNotMatch, and unknown paths with 404 NoSuchKey', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const url = await fileURL(emu, t.uuid)
    const swapped = url.replace(/base_basic_pbr\.glb$/, 'preview.webp')
    const forged = url.replace(
      /\.([A-Za-z0-9_-]+)\/base_basic_pbr\.glb$/,
      '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/base_basic_pbr.glb',
    )
    for (const bad of [swapped, forged]) {
      const res = await fetch(bad)
      expect(res.status).toBe(403)
      expect(await res.text()).toContain('<Code>SignatureDoesNotMatch</Code>')
    }
    const missing = await fetch(`${emu.url}/files/rodin/abc`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('<Code>NoSuchKey</Code>')
  })

  it('answers 404 NoSuchKey when the task was replaced and no longer has the file', async () => {
    const emu = await emulator()
    const t = emu.addTask(task())
    const url = await fileURL(emu, t.uuid)
    emu.addTask({ uuid: t.uuid, files: [] })
    const res = await fetch(url)
    expect(res.status).toBe(404)
    expect(await res.text()).toContain('<Code>NoSuchKey</Code>')
  })
})

describe('emulator: default tasks', () => {
  const ALIASES = ['fox', 'crate', 'bunny_draco', 'morph', 'barnlamp', 'barnlamp_ktx2']
  const FIXTURE = {
    fox: 'khr_fox.glb',
    crate: 'sketchfab_wooden_crate.glb',
    bunny_draco: 'pmndrs_bunny_draco.glb',
    morph: 'khr_morphstresstest.glb',
    barnlamp: 'khr_anisotropy_barnlamp.glb',
    barnlamp_ktx2: 'khr_barnlamp_ktx2.glb',
  } as Record<string, string>

  it('has one finished task per fixture with fixed v4 uuids and subscription keys', () => {
    expect(Object.keys(DEFAULT_TASK_IDS)).toEqual(ALIASES)
    expect(new Set(Object.values(DEFAULT_TASK_IDS)).size).toBe(ALIASES.length)
    for (const id of Object.values(DEFAULT_TASK_IDS))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(DEFAULT_TASKS.map(t => t.uuid)).toEqual(Object.values(DEFAULT_TASK_IDS))
    expect(DEFAULT_TASKS.map(t => t.subscriptionKey)).toEqual(Object.values(DEFAULT_SUBSCRIPTION_KEYS))
    for (const t of DEFAULT_TASKS) expect(t.files.map(f => f.name)).toEqual(['base_basic_pbr.glb', 'preview.webp'])
    expect(Object.isFrozen(DEFAULT_TASKS[0]!.jobs![0])).toBe(true)
  })

  it('serves the real fixture GLBs and a real WebP preview when no assets are given', async () => {
    const emu = await startEmulator()
    try {
      for (const alias of ALIASES) {
        const uuid = DEFAULT_TASK_IDS[alias as keyof typeof DEFAULT_TASK_IDS]
        expect(await status(emu, DEFAULT_SUBSCRIPTION_KEYS[alias as keyof typeof DEFAULT_SUBSCRIPTION_KEYS])).toEqual([
          'Done',
        ])
        const list = await download(emu, uuid)
        const glb = new Uint8Array(
          await (await fetch(list.find(f => f.name === 'base_basic_pbr.glb')!.url)).arrayBuffer(),
        )
        expect(Buffer.from(glb.subarray(0, 4)).toString('latin1')).toBe('glTF')
        expect(new DataView(glb.buffer).getUint32(8, true)).toBe(glb.length)
        expect(
          Buffer.from(glb).equals(readFileSync(new URL(`../../../fixtures/${FIXTURE[alias]}`, import.meta.url))),
        ).toBe(true)
        const webp = Buffer.from(await (await fetch(list.find(f => f.name === 'preview.webp')!.url)).arrayBuffer())
        expect(webp.subarray(0, 4).toString('latin1')).toBe('RIFF')
        expect(webp.subarray(8, 12).toString('latin1')).toBe('WEBP')
      }
    } finally {
      await emu.close()
    }
  })

  it('serves only the given assets when assets are passed', async () => {
    const emu = await startEmulator({ assets: [] })
    try {
      const res = await fetch(`${emu.rodinBaseURL}/download`, {
        method: 'POST',
        headers: { authorization: `Bearer ${emu.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ task_uuid: DEFAULT_TASK_IDS.fox }),
      })
      expect(res.status).toBe(404)
    } finally {
      await emu.close()
    }
  })
})

describe('emulator: file-host log', () => {
  it('records the task of a file request only when the token names one', async () => {
    const emu = await emulator()
    const t = emu.addTask(task({ uuid: 'tâche-1' }))
    await (await fetch(await fileURL(emu, t.uuid))).arrayBuffer()
    await (await fetch(`${emu.url}/files/rodin/%01garbage!!/x.glb`)).arrayBuffer()
    const files = emu.requests.filter(r => r.route === 'file')
    expect(files[0]).toMatchObject({ task: 'tâche-1', status: 200 })
    expect(files[1]!.task).toBeUndefined()
    expect(files[1]).toMatchObject({ file: 'x.glb', status: 403 })
  })
})
