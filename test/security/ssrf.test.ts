// Issue 11 point 2: no SSRF through file hosts, and no file emitted that is not what its name says.
// Mode: every pipeline here runs in mode "auto" (stated per project); the HTTP-layer cases have no mode.
import { lookup } from 'node:dns/promises'
import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RodinError } from '../../src/errors.js'
import { isRodinError } from '../../src/errors.js'
import type { Lookup } from '../../src/http/address-policy.js'
import { forbiddenAddressReason } from '../../src/http/address-policy.js'
import { closeFileAgents, createFileAgent, downloadFile, resolveHttpOptions } from '../../src/http/index.js'
import { sha256Hex } from '../../src/util/hash.js'
import { emulator, FAST_HTTP, fixture, glbTask, project } from '../helpers/env.js'
import { recorder, TEST_CA } from './servers.js'

afterAll(() => closeFileAgents())

const SELF = await lookup(hostname()).then(
  resolved =>
    forbiddenAddressReason(resolved.address, { allowLoopback: false }) ? { name: hostname(), resolved } : undefined,
  () => undefined,
)

const ctx = { asset: 'hero', provider: 'rodin', task: 't-1', file: 'preview.webp' }
const HTTP = { ...FAST_HTTP, maxRetries: 0, ca: TEST_CA }

async function rejection(p: Promise<unknown>): Promise<RodinError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isRodinError(err), String(err)).toBe(true)
  return err as RodinError
}

async function storedNames(cacheDir: string): Promise<string[]> {
  const root = join(cacheDir, 'v1', 'content')
  if (!existsSync(root)) return []
  const out: string[] = []
  for (const shard of await readdir(root)) out.push(...(await readdir(join(root, shard))))
  return out
}

describe('file hosts through the pipeline (mode "auto", emulator base URL on loopback)', () => {
  it('refuses an https file URL that redirects to http://127.0.0.2/… and fetches nothing from there', async () => {
    const internal = await recorder((_req, res) => res.end('db_password=hunter2\n'), { host: '127.0.0.2' })
    const hop = await recorder(
      (_req, res) => res.writeHead(302, { location: `${internal.origin}/internal.txt` }).end(),
      {
        tls: true,
      },
    )
    const emu = await emulator({ assets: [] })
    const t = await glbTask(emu, 'pmndrs_bunny_draco.glb')
    emu.addFault({ route: 'file', file: 'preview.webp', kind: 'redirect', location: `${hop.origin}/preview.webp` })
    const p = await project(emu, { bunny: t.uuid }, { mode: 'auto', optimize: false, http: HTTP })

    const err = await rejection(p.pipeline().asset(p.manifest.byAlias.get('bunny')!))
    expect(err.code).toBe('E_UNSAFE_URL')
    expect(err.message).toMatch(/downgrade/)
    expect(err.details).toMatchObject({ asset: 'bunny', file: 'preview.webp' })
    expect(hop.requests).toHaveLength(1) // the https hop was reached (the test CA works)...
    expect(internal.requests).toEqual([]) // ...and the plain-http internal host never was
    expect(existsSync(p.lockfile)).toBe(false)
  })

  it('refuses a text file served as preview.webp with E_BAD_FILE: nothing stored, pinned or emitted', async () => {
    const emu = await emulator({ assets: [] })
    const model = await fixture('pmndrs_bunny_draco.glb')
    const text = new TextEncoder().encode('internal: db_password=hunter2\n')
    const t = emu.addTask({
      files: [
        { name: 'base_basic_pbr.glb', bytes: model },
        { name: 'preview.webp', bytes: text, contentType: 'image/webp' },
      ],
    })
    const p = await project(emu, { bunny: t.uuid }, { mode: 'auto', optimize: false })

    const err = await rejection(p.pipeline().asset(p.manifest.byAlias.get('bunny')!))
    expect(err.code).toBe('E_BAD_FILE')
    expect(err.details).toMatchObject({ asset: 'bunny', file: 'preview.webp' })
    expect(err.message).toMatch(/not a WebP image/)
    expect(existsSync(p.lockfile)).toBe(false)
    expect(await storedNames(p.options.cacheDir!)).not.toContain(sha256Hex(text))
    expect(existsSync(join(p.options.cacheDir!, 'v1', 'out'))).toBe(false)
  })

  it('refuses a primary .glb that does not parse (an HTML error page)', async () => {
    const emu = await emulator({ assets: [] })
    const html = new TextEncoder().encode('<html><body>Access denied</body></html>')
    const t = emu.addTask({ files: [{ name: 'base_basic_pbr.glb', bytes: html }] })
    const p = await project(emu, { m: t.uuid }, { mode: 'auto', optimize: false })
    const err = await rejection(p.pipeline().asset(p.manifest.byAlias.get('m')!))
    expect(err.code).toBe('E_BAD_FILE')
    expect(err.message).toMatch(/base_basic_pbr\.glb of asset "m".*not a binary glTF/)
    expect(await storedNames(p.options.cacheDir!)).toEqual([])
  })
})

describe('file-host policy at the HTTP layer', () => {
  it('refuses every https → http downgrade, even to loopback when loopback is allowed', async () => {
    const plain = await recorder((_req, res) => res.end('x'))
    const hop = await recorder((_req, res) => res.writeHead(302, { location: `${plain.origin}/x.webp` }).end(), {
      tls: true,
    })
    const err = await rejection(
      downloadFile(`${hop.origin}/a.webp`, { ctx, http: HTTP, policy: { allowLoopback: true } }),
    )
    expect(err.code).toBe('E_UNSAFE_URL')
    expect(err.message).toMatch(/redirect from .* to http:\/\/127\.0\.0\.1:\d+\/x\.webp is not allowed: .*downgrade/)
    expect(plain.requests).toEqual([])
  })

  it.each([
    'https://10.0.0.1/a.webp',
    'https://169.254.169.254/latest/meta-data',
    'https://[::ffff:10.1.2.3]/a.webp',
    'https://0.0.0.0/a.webp',
    'https://[fd00::1]/a.webp',
    'https://192.168.1.1/a.webp',
  ])('refuses the internal address %s as a redirect target, unvisited', async target => {
    const hop = await recorder((_req, res) => res.writeHead(302, { location: target }).end(), { tls: true })
    const err = await rejection(
      downloadFile(`${hop.origin}/a.webp`, { ctx, http: HTTP, policy: { allowLoopback: true } }),
    )
    expect(err.code).toBe('E_UNSAFE_URL')
    expect(err.message).toMatch(/private, link-local or reserved/)
  })

  it('refuses loopback file hosts unless the provider base URL is loopback', async () => {
    const files = await recorder((_req, res) => res.end('x'), { tls: true })
    const err = await rejection(
      downloadFile(`${files.origin}/a.webp`, { ctx, http: HTTP, policy: { allowLoopback: false } }),
    )
    expect(err.code).toBe('E_UNSAFE_URL')
    expect(err.message).toMatch(/loopback/)
    expect(files.requests).toEqual([])
  })

  it('checks the address a name resolves to, at connect time (a name resolving to 10.x is refused)', async () => {
    const asked: string[] = []
    const fakeDns: Lookup = (name, _options, callback) => {
      asked.push(name)
      callback(null, [{ address: '10.20.30.40', family: 4 }])
    }
    const agent = createFileAgent(resolveHttpOptions(HTTP), { allowLoopback: true }, fakeDns)
    try {
      const err = await rejection(
        downloadFile('https://files.example.test/a.webp', {
          ctx,
          http: HTTP,
          policy: { allowLoopback: true },
          internal: { dispatcher: agent },
        }),
      )
      expect(err.code).toBe('E_UNSAFE_URL')
      expect(err.message).toMatch(/files\.example\.test resolves to 10\.20\.30\.40/)
      expect(asked).toEqual(['files.example.test'])
    } finally {
      await agent.close()
    }
  })

  // The machine's own name resolves through /etc/hosts (to 127.0.x.x or a private address almost
  // everywhere); without a post-resolution check it would be reachable as a "public" https host.
  it.skipIf(!SELF)(
    'refuses a real host name that resolves to an internal address, with the real resolver',
    async () => {
      const { name, resolved } = SELF!
      const files = await recorder((_req, res) => res.end('x'), { tls: true, host: resolved.address })
      const port = new URL(files.origin).port
      const err = await rejection(
        downloadFile(`https://${name}:${port}/a.webp`, { ctx, http: HTTP, policy: { allowLoopback: false } }),
      )
      expect(err.code).toBe('E_UNSAFE_URL')
      expect(err.message).toContain(`resolves to ${resolved.address}`)
      expect(files.requests).toEqual([])
    },
  )
})
