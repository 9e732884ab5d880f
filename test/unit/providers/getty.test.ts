import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { RodinError } from '../../../src/errors.js'
import type { ApiClient, ApiRequest } from '../../../src/http/index.js'
import type { AssetEntry } from '../../../src/manifest/manifest.js'
import { createGettyProvider } from '../../../src/providers/getty.js'
import type { ProviderContext } from '../../../src/providers/types.js'

const GEN = 'F3A1C2D4-0B1E-4C6A-9D37-5E2F1A7B0D11'
const SECRET = 'getty-client-secret-55813'
const entry = (getty: Partial<NonNullable<AssetEntry['getty']>> = {}): AssetEntry => ({
  alias: 'poster',
  provider: 'getty',
  task: GEN,
  ids: [],
  optimize: undefined,
  getty: { index: 0, size: '1k', ...getty },
})

interface Answer {
  status: number
  body?: unknown
}
type Script = (req: ApiRequest, n: number) => Answer | Promise<Answer>

function fakeClient(script: Script) {
  const calls: ApiRequest[] = []
  const client: ApiClient = {
    async request(req) {
      calls.push(req)
      const a = await script(req, calls.length)
      if (!(a.status >= 200 && a.status < 300) && !req.acceptStatus?.(a.status)) {
        throw new RodinError('E_HTTP', `fake: HTTP ${a.status} after retries`, { status: a.status })
      }
      return { status: a.status, headers: {}, body: a.body ?? '' }
    },
    async close() {},
  }
  return { client, calls }
}

/**
 * A Getty with its token endpoint. Every test gets its own token URL, so the per-process token cache
 * never leaks between tests (they run in parallel in one process).
 */
function setup(download: Script, opts: { token?: Script; wait?: ProviderContext['wait'] } = {}) {
  let issued = 0
  const token = fakeClient(
    opts.token ??
      (() => ({
        status: 200,
        body: { access_token: `tok-${++issued}-abcdef`, token_type: 'Bearer', expires_in: 1800 },
      })),
  )
  const api = fakeClient(download)
  let clock = 0
  const sleeps: number[] = []
  const pc: ProviderContext = {
    api: api.client,
    wait: opts.wait ?? { timeoutMs: 30_000, intervalMs: 1_000 },
    ctx: { asset: 'poster', provider: 'getty', task: GEN },
    sleep: async ms => {
      sleeps.push(ms)
      clock += ms
    },
    now: () => clock,
    warn: () => {},
  }
  const provider = createGettyProvider({
    clientId: 'client-1',
    clientSecret: SECRET,
    tokenURL: `https://auth.example/${randomUUID()}/oauth2/token`,
    tokenClient: token.client,
  })
  return {
    provider,
    pc,
    api: api.calls,
    token: token.calls,
    sleeps,
    advance: (ms: number) => {
      clock += ms
    },
  }
}

const ok = (url = 'https://delivery.example/dl/abc.jpg?k=sig') => ({
  status: 200,
  body: { url, generated_asset_id: 'asset-1' },
})
const auth = (req: ApiRequest) => req.headers?.Authorization

describe('getty provider', () => {
  it('PUTs the download with size_name, a bearer token and names the file <generation>-<index>-<size>.<ext>', async () => {
    const s = setup(() => ok('https://delivery.example/dl/abc.png?k=sig'))
    const files = await s.provider.listFiles(
      entry({ index: 2, size: '4k', notes: 'hero banner', projectCode: 'P-7' }),
      s.pc,
    )
    expect(files).toEqual([{ name: `${GEN}-2-4k.png`, url: 'https://delivery.example/dl/abc.png?k=sig' }])
    expect(s.api).toHaveLength(1)
    expect(s.api[0]).toMatchObject({
      method: 'PUT',
      path: `/v3/ai/image-generations/${GEN}/images/2/download`,
      json: { size_name: '4k', notes: 'hero banner', project_code: 'P-7' },
    })
    expect(auth(s.api[0]!)).toBe('Bearer tok-1-abcdef')
    expect(s.token[0]).toMatchObject({
      method: 'POST',
      form: { grant_type: 'client_credentials', client_id: 'client-1', client_secret: SECRET },
    })
    expect(s.token[0]!.path).toMatch(/^https:\/\/auth\.example\/.*\/oauth2\/token$/)
  })

  it('omits notes and project_code when the entry has none, and defaults the extension to .jpg', async () => {
    const s = setup(() => ok('https://delivery.example/downloads/123456'))
    const files = await s.provider.listFiles(entry(), s.pc)
    expect(files[0]!.name).toBe(`${GEN}-0-1k.jpg`)
    expect(s.api[0]!.json).toEqual({ size_name: '1k' })
  })

  it('after a 202, polls with GET (never a second PUT) until 200', async () => {
    const s = setup((_req, n) => (n < 4 ? { status: 202 } : ok()))
    const files = await s.provider.listFiles(entry(), s.pc)
    expect(files).toHaveLength(1)
    expect(s.api.map(c => c.method)).toEqual(['PUT', 'GET', 'GET', 'GET'])
    expect(s.api.slice(1).every(c => c.json === undefined)).toBe(true)
    expect(s.sleeps).toEqual([1_000, 1_000, 1_000])
    expect(s.token).toHaveLength(1) // one token for all four calls
  })

  it('treats 409 (a download already in flight) as "poll with GET"', async () => {
    const s = setup((_req, n) =>
      n === 1 ? { status: 409, body: { ErrorMessage: 'download in progress' } } : n === 2 ? { status: 202 } : ok(),
    )
    await s.provider.listFiles(entry(), s.pc)
    expect(s.api.map(c => c.method)).toEqual(['PUT', 'GET', 'GET'])
  })

  it('gives up with E_TASK_PENDING after the wait budget', async () => {
    const s = setup(() => ({ status: 202 }), { wait: { timeoutMs: 5_000, intervalMs: 1_000 } })
    await expect(s.provider.listFiles(entry(), s.pc)).rejects.toMatchObject({
      code: 'E_TASK_PENDING',
      message: expect.stringMatching(/still preparing the download after 5 s/),
    })
    expect(s.api.filter(c => c.method === 'PUT')).toHaveLength(1)
    expect(s.api).toHaveLength(6)
  })

  it.each([
    [403, 'E_AUTH', /quota is used up/],
    [404, 'E_HTTP', /does not know this generation or image.*"index" \(counted from 0\)/],
    [410, 'E_TASK_FAILED', /aged out.*Generate the image again/],
    [400, 'E_CONFIG', /rejected the download request.*"projectCode"/],
  ])('maps HTTP %i on the PUT to %s', async (status, code, message) => {
    const s = setup(() => ({ status, body: { ErrorCode: 'X', ErrorMessage: 'from getty' } }))
    const err = await s.provider.listFiles(entry(), s.pc).catch(e => e)
    expect(err).toMatchObject({ code, details: { status, provider: 'getty', asset: 'poster', task: GEN } })
    expect(err.message).toMatch(message)
    expect(err.message).toContain('from getty')
    expect(err.message).toContain(`asset "poster" (getty generation ${GEN}, image 0, size 1k)`)
  })

  it('maps 404 and 410 while polling with GET too', async () => {
    for (const status of [404, 410]) {
      const s = setup((_req, n) => (n === 1 ? { status: 202 } : { status }))
      await expect(s.provider.listFiles(entry(), s.pc)).rejects.toMatchObject({ details: { status } })
      expect(s.api.map(c => c.method)).toEqual(['PUT', 'GET'])
    }
  })

  it("turns a 429 that outlasted the http layer's retries into a clear error", async () => {
    const s = setup(() => ({ status: 429 }))
    await expect(s.provider.listFiles(entry(), s.pc)).rejects.toMatchObject({
      code: 'E_HTTP',
      details: { status: 429 },
      message: expect.stringMatching(/429.*Lower "concurrency"/),
    })
  })

  it('a null url (blocked image) or a non-JSON 200 is E_NO_FILE; the body is JSON whatever its type', async () => {
    const blocked = setup(() => ({ status: 200, body: { url: null, generated_asset_id: null } }))
    await expect(blocked.provider.listFiles(entry(), blocked.pc)).rejects.toMatchObject({
      code: 'E_NO_FILE',
      message: expect.stringMatching(/is_blocked.*another "index"/),
    })
    const html = setup(() => ({ status: 200, body: '<html>oops</html>' }))
    await expect(html.provider.listFiles(entry(), html.pc)).rejects.toMatchObject({
      code: 'E_NO_FILE',
      message: expect.stringMatching(/not JSON/),
    })
  })

  it('on a 401 gets one fresh token and retries once; a second 401 is E_AUTH', async () => {
    const s = setup((_req, n) =>
      n === 2 ? { status: 401, body: { message: 'Unauthorized' } } : n === 1 ? { status: 202 } : ok(),
    )
    await s.provider.listFiles(entry(), s.pc)
    expect(s.api.map(c => `${c.method} ${auth(c)}`)).toEqual([
      'PUT Bearer tok-1-abcdef',
      'GET Bearer tok-1-abcdef',
      'GET Bearer tok-2-abcdef',
    ])
    expect(s.token).toHaveLength(2)

    const always = setup(() => ({ status: 401, body: { message: 'Unauthorized' } }))
    await expect(always.provider.listFiles(entry(), always.pc)).rejects.toMatchObject({
      code: 'E_AUTH',
      message: expect.stringMatching(/even with a fresh access token.*GETTY_API_KEY/),
    })
    expect(always.api).toHaveLength(2)
    expect(always.token).toHaveLength(2)
  })

  it('reuses the token across assets until near expiry, then fetches a new one', async () => {
    const s = setup(() => ok())
    await s.provider.listFiles(entry(), s.pc)
    await s.provider.listFiles(entry({ index: 1 }), s.pc)
    expect(s.token).toHaveLength(1)
    s.advance(25 * 60_000 + 1) // 1800 s token, renewed 5 min early
    await s.provider.listFiles(entry(), s.pc)
    expect(s.token).toHaveLength(2)
    expect(auth(s.api[2]!)).toBe('Bearer tok-2-abcdef')
  })

  it('shares one token request between parallel assets', async () => {
    let release!: () => void
    const gate = new Promise<void>(r => {
      release = r
    })
    let issued = 0
    const s = setup(() => ok(), {
      token: async () => {
        await gate
        return { status: 200, body: { access_token: `tok-${++issued}-parallel`, expires_in: 1800 } }
      },
    })
    const all = Promise.all([0, 1, 2].map(index => s.provider.listFiles(entry({ index }), s.pc)))
    release()
    await all
    expect(s.token).toHaveLength(1)
  })

  it('reports refused client credentials as E_AUTH without echoing the secret, and does not cache the failure', async () => {
    let n = 0
    const s = setup(() => ok(), {
      token: () =>
        ++n === 1
          ? { status: 400, body: { error: 'invalid_client', error_description: `bad secret ${SECRET}` } }
          : { status: 200, body: { access_token: 'tok-after-fix', expires_in: 60 } },
    })
    const err = await s.provider.listFiles(entry(), s.pc).catch(e => e)
    expect(err).toMatchObject({ code: 'E_AUTH', details: { status: 400 } })
    expect(err.message).toMatch(/GETTY_CLIENT_ID and GETTY_CLIENT_SECRET/)
    expect(err.message).not.toContain(SECRET)
    await s.provider.listFiles(entry(), s.pc)
    expect(auth(s.api[0]!)).toBe('Bearer tok-after-fix')
  })

  it('rejects a token answer without access_token', async () => {
    const s = setup(() => ok(), { token: () => ({ status: 200, body: '<html>login</html>' }) })
    await expect(s.provider.listFiles(entry(), s.pc)).rejects.toMatchObject({
      code: 'E_AUTH',
      message: expect.stringMatching(/without an access_token.*GETTY_TOKEN_URL/),
    })
  })
})
