import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_GETTY_GENERATION_ID } from '../../../src/emulator/index.js'
import { bytes, closeAll, emulator } from './helpers.js'
import { gettyDownload, gettyToken } from './provider-helpers.js'

afterEach(closeAll)

const image = { name: 'gen-0.jpg', bytes: bytes('\xFF\xD8\xFF-fake-jpeg-bytes'), contentType: 'image/jpeg' }

describe('emulator: Getty token endpoint', () => {
  it('issues opaque bearer tokens with expires_in for the client-credentials grant', async () => {
    const emu = await emulator({ gettyTokenTtlSeconds: 900 })
    const a = await gettyToken(emu)
    expect(a.status).toBe(200)
    expect(a.json).toEqual({
      access_token: expect.stringMatching(/^emu-getty-/),
      token_type: 'Bearer',
      expires_in: 900,
    })
    expect((await gettyToken(emu)).json.access_token).not.toBe(a.json.access_token)
    expect(emu.gettyTokensIssued).toBe(2)
    expect(emu.requests.map(r => [r.route, r.provider, r.status])).toEqual([
      ['getty.token', 'getty', 200],
      ['getty.token', 'getty', 200],
    ])
  })

  it('refuses a wrong secret (401 invalid_client), another grant (400) and a JSON body (400), never logging the secret', async () => {
    const emu = await emulator({ gettyClientSecret: 'very-secret-client-secret' })
    const wrong = await gettyToken(emu, 'wrong-secret-value')
    expect([wrong.status, wrong.json.error]).toEqual([401, 'invalid_client'])
    const grant = await fetch(emu.gettyTokenURL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password',
    })
    expect([grant.status, (await grant.json()).error]).toEqual([400, 'unsupported_grant_type'])
    const json = await fetch(emu.gettyTokenURL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    })
    expect(json.status).toBe(400)
    expect((await gettyToken(emu)).status).toBe(200)
    expect(JSON.stringify(emu.requests)).not.toMatch(/very-secret|wrong-secret|emu-getty-/)
  })
})

describe('emulator: Getty image download', () => {
  it('PUT answers 200 {url, generated_asset_id} at once by default; the delivery host serves the image', async () => {
    const emu = await emulator()
    const { id } = emu.addGettyGeneration({ images: [image] })
    expect(id).toMatch(/^[0-9A-F-]{36}$/)
    const a = await gettyDownload(emu, id)
    expect(a.status).toBe(200)
    expect(a.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(a.json).toEqual({ url: `${emu.url}/files/getty/${id}/0/1k/gen-0.jpg`, generated_asset_id: `${id}-0-1k` })
    const file = await fetch(a.json.url)
    expect(file.headers.get('content-type')).toBe('image/jpeg')
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(image.bytes)
    const log = emu.requests.filter(r => r.route !== 'getty.token')
    expect(log).toEqual([
      expect.objectContaining({
        method: 'PUT',
        route: 'getty.download',
        task: id,
        authorization: true,
        apiKeyHeader: true,
        status: 200,
      }),
      expect.objectContaining({
        method: 'GET',
        route: 'file',
        provider: 'getty',
        task: id,
        file: 'gen-0.jpg',
        authorization: false,
        apiKeyHeader: false,
        credentialQuery: false,
      }),
    ])
  })

  it('202 (empty) → GET polls 202 … 200; a second PUT meanwhile answers 409; a PUT after the 200 starts anew', async () => {
    const emu = await emulator()
    const { id } = emu.addGettyGeneration({ images: [image], pendingPolls: 2 })
    const token = (await gettyToken(emu)).json.access_token
    const put = await gettyDownload(emu, id, { token })
    expect([put.status, put.text, put.headers.get('content-length')]).toEqual([202, '', '0'])
    const again = await gettyDownload(emu, id, { token })
    expect([again.status, again.json.ErrorCode]).toEqual([409, 'DownloadInProgress'])
    expect((await gettyDownload(emu, id, { token, method: 'GET' })).status).toBe(202)
    const done = await gettyDownload(emu, id, { token, method: 'GET' })
    expect(done.status).toBe(200)
    expect(done.json.url).toContain(`/files/getty/${id}/0/1k/`)
    expect((await gettyDownload(emu, id, { token, method: 'GET' })).status).toBe(200)
    expect((await gettyDownload(emu, id, { token })).status).toBe(202)
  })

  it('GET before any PUT is 404; unknown generation or index 404; aged out 410; blocked image url null', async () => {
    const emu = await emulator()
    const { id } = emu.addGettyGeneration({ images: [image, { ...image, name: 'b.jpg', blocked: true }] })
    const gone = emu.addGettyGeneration({ images: [image], gone: true })
    const token = (await gettyToken(emu)).json.access_token
    expect((await gettyDownload(emu, id, { token, method: 'GET' })).json.ErrorCode).toBe('DownloadNotFound')
    expect((await gettyDownload(emu, 'NO-SUCH-GENERATION', { token })).status).toBe(404)
    expect((await gettyDownload(emu, id, { token, index: 5 })).status).toBe(404)
    const old = await gettyDownload(emu, gone.id, { token })
    expect([old.status, old.json.ErrorCode]).toEqual([410, 'GenerationRequestGone'])
    const blocked = await gettyDownload(emu, id, { token, index: 1 })
    expect([blocked.status, blocked.json]).toEqual([200, { url: null, generated_asset_id: null }])
  })

  it('validates the PUT body: sizes, unknown fields and the project_code rule', async () => {
    const emu = await emulator()
    const plain = emu.addGettyGeneration({ images: [image], sizes: ['1k'] })
    const coded = emu.addGettyGeneration({ images: [image], requireProjectCode: true })
    const token = (await gettyToken(emu)).json.access_token
    const put = (id: string, body: unknown) =>
      gettyDownload(emu, id, { token, body }).then(a => `${a.status} ${a.json?.ErrorCode ?? ''}`.trim())
    expect(await put(plain.id, { size_name: '4k' })).toBe('400 InvalidSize')
    expect(await put(plain.id, { size_name: '1k', extra: 1 })).toBe('400 InvalidRequest')
    expect(await put(plain.id, { size_name: '1k', project_code: 'P1' })).toBe('400 ProjectCodeNotAllowed')
    expect(await put(coded.id, { size_name: '1k' })).toBe('400 ProjectCodeRequired')
    expect(await put(coded.id, { size_name: '4k', project_code: 'P1', notes: 'banner' })).toBe('200')
  })

  it('needs the Api-Key header and a live bearer token (401 {"message":"Unauthorized"})', async () => {
    let now = 1_000_000
    const emu = await emulator({ gettyTokenTtlSeconds: 60, now: () => now })
    const { id } = emu.addGettyGeneration({ images: [image] })
    for (const call of [{ apiKey: null }, { apiKey: 'wrong-api-key' }, { token: null }, { token: 'made-up-token' }]) {
      const a = await gettyDownload(emu, id, call)
      expect([a.status, a.json]).toEqual([401, { message: 'Unauthorized' }])
    }
    const token = (await gettyToken(emu)).json.access_token
    now += 59_999
    expect((await gettyDownload(emu, id, { token })).status).toBe(200)
    now += 2
    expect((await gettyDownload(emu, id, { token })).status).toBe(401) // expired
  })

  it('serves the download answer as text/plain when asked, or in the scripted content type', async () => {
    const emu = await emulator()
    const a = emu.addGettyGeneration({ images: [image] })
    const b = emu.addGettyGeneration({ images: [image], contentType: 'text/plain' })
    const plain = await gettyDownload(emu, a.id, { accept: 'text/plain' })
    expect(plain.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(plain.json.url).toEqual(expect.any(String))
    expect((await gettyDownload(emu, b.id)).headers.get('content-type')).toBe('text/plain')
  })

  it('revoke-token fault: 401 now, every earlier token dead, a fresh one works', async () => {
    const emu = await emulator()
    const { id } = emu.addGettyGeneration({ images: [image] })
    const token = (await gettyToken(emu)).json.access_token
    emu.addFault({ route: 'getty.download', kind: 'revoke-token' })
    expect((await gettyDownload(emu, id, { token })).status).toBe(401)
    expect((await gettyDownload(emu, id, { token })).status).toBe(401)
    expect((await gettyDownload(emu, id)).status).toBe(200)
  })

  it('logs credentials that reach the delivery host', async () => {
    const emu = await emulator()
    const { id } = emu.addGettyGeneration({ images: [image] })
    const url = (await gettyDownload(emu, id)).json.url
    await (await fetch(`${url}?api_key=leaked-value`, { headers: { authorization: 'Bearer leaked' } })).arrayBuffer()
    expect(emu.requests.at(-1)).toMatchObject({
      route: 'file',
      provider: 'getty',
      authorization: true,
      credentialQuery: true,
      status: 200,
    })
    expect(JSON.stringify(emu.requests)).not.toContain('leaked')
  })

  it('serves a default generation of two 1024 × 1024 JPEGs', async () => {
    const emu = await emulator()
    const a = await gettyDownload(emu, DEFAULT_GETTY_GENERATION_ID, { index: 1 })
    const jpeg = Buffer.from(await (await fetch(a.json.url)).arrayBuffer())
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 1024, height: 1024 })
  })

  it('lets another process add generations through POST /__emu/getty-generations', async () => {
    const emu = await emulator()
    const res = await fetch(`${emu.url}/__emu/getty-generations`, {
      method: 'POST',
      body: JSON.stringify({
        id: 'REMOTE-GEN-1',
        pendingPolls: 1,
        images: [
          { name: 'x.jpg', base64: Buffer.from('jpeg').toString('base64') },
          { name: 'y.jpg', base64: '', blocked: true },
        ],
      }),
    })
    expect(await res.json()).toEqual({ id: 'REMOTE-GEN-1' })
    expect((await gettyDownload(emu, 'REMOTE-GEN-1')).status).toBe(202)
    expect((await gettyDownload(emu, 'REMOTE-GEN-1', { index: 1 })).json.url).toBeNull()
    expect(() => emu.addGettyGeneration({ images: [] })).toThrow(/non-empty/)
  })
})
