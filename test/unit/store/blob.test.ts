import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { isRodinError } from '../../../src/errors.js'
import { BlobStore, blobKey } from '../../../src/store/blob.js'
import { createFsBackend } from '../../../src/store/remote-fs.js'
import { resolveRemote } from '../../../src/store/remote-options.js'
import { createS3Backend } from '../../../src/store/remote-s3.js'
import { sha256Hex } from '../../../src/util/hash.js'
import { BUCKET, startS3 } from '../../helpers/s3.js'
import { tempDir } from '../../helpers/tmp.js'

const bytes = new TextEncoder().encode('an optimized glb, pretend')
const pin = { sha256: sha256Hex(bytes), bytes: bytes.byteLength }

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

afterEach(() => {
  vi.unstubAllEnvs()
})

function stubEnv(env: Record<string, string>) {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v)
}

async function s3Store(prefix = 'proj') {
  const s3 = await startS3()
  stubEnv(s3.env())
  const remote = resolveRemote({ url: `s3://${BUCKET}/${prefix}`, endpoint: s3.endpoint }, {})!
  if (remote.kind !== 's3') throw new Error('expected s3')
  const store = new BlobStore(createS3Backend(remote))
  onTestFinished(() => store.close())
  return { s3, store, remote }
}

describe('BlobStore on a shared directory', () => {
  it('stores one immutable object at sha256/<hex>, reads it back verified, and never replaces it', async () => {
    const dir = await tempDir()
    const store = new BlobStore(createFsBackend(dir, `file://${dir}`))
    expect(await store.has(pin)).toBe(false)
    expect(await store.get(pin)).toBeNull()
    expect((await store.put(bytes)).outcome).toBe('created')
    expect(await readFile(join(dir, 'sha256', pin.sha256))).toEqual(Buffer.from(bytes))
    expect(await store.has(pin)).toBe(true)
    expect(await store.get(pin)).toEqual(bytes)
    expect((await store.put(bytes)).outcome).toBe('exists')
    expect(await readdir(join(dir, 'sha256'))).toEqual([pin.sha256]) // no temp file left behind
  })

  it('a tampered object is E_INTEGRITY and stays as it is', async () => {
    const dir = await tempDir()
    const store = new BlobStore(createFsBackend(dir, `file://${dir}`))
    await mkdir(join(dir, 'sha256'))
    await writeFile(join(dir, blobKey(pin.sha256)), 'evil bytes of another length')
    const err = await rejection(store.get(pin, 'x.glb of asset "fox"'))
    expect(isRodinError(err, 'E_INTEGRITY')).toBe(true)
    expect(err.message).toContain(`file://${dir}`)
    expect(err.message).toContain('x.glb of asset "fox"')
    expect((await store.put(bytes)).outcome).toBe('exists') // the client never overwrites, not even a bad object
    expect(await readFile(join(dir, blobKey(pin.sha256)), 'utf8')).toBe('evil bytes of another length')
  })

  it('two machines creating the same blob at once both succeed, and one object results', async () => {
    const dir = await tempDir()
    const a = new BlobStore(createFsBackend(dir, 'a'))
    const b = new BlobStore(createFsBackend(dir, 'b'))
    const outcomes = await Promise.all([...Array(6)].map((_, i) => (i % 2 ? a : b).put(bytes)))
    expect(outcomes.filter(o => o.outcome === 'created')).toHaveLength(1)
    expect(await readdir(join(dir, 'sha256'))).toEqual([pin.sha256])
    expect(await a.get(pin)).toEqual(bytes)
  })

  it('a directory that is not there (volume not mounted) is E_REMOTE, not an empty store', async () => {
    const dir = join(await tempDir(), 'not-mounted')
    const store = new BlobStore(createFsBackend(dir, `file://${dir}`))
    const err = await rejection(store.get(pin))
    expect(isRodinError(err, 'E_REMOTE')).toBe(true)
    expect(err.message).toMatch(
      /team store file:\/\/.*not-mounted: .* is not reachable \(ENOENT\); check that the volume is mounted/,
    )
  })
})

describe('BlobStore on S3 (s3rver on loopback, SigV4 checked)', () => {
  it('uploads with HEAD then PUT (If-None-Match: *), under <prefix>/sha256/<hex>, path-style', async () => {
    const { s3, store } = await s3Store()
    expect((await store.put(bytes)).outcome).toBe('created')
    expect(s3.log.map(r => `${r.method} ${r.key}`)).toEqual([
      `HEAD proj/sha256/${pin.sha256}`,
      `PUT proj/sha256/${pin.sha256}`,
    ])
    expect(s3.log[1]!.headers['if-none-match']).toBe('*')
    // Checksums only when required: R2, B2 and MinIO reject the SDK's default CRC32 headers.
    expect(
      Object.keys(s3.log[1]!.headers).filter(
        h => h.startsWith('x-amz-checksum') || h === 'x-amz-sdk-checksum-algorithm',
      ),
    ).toEqual([])
    expect((await store.put(bytes)).outcome).toBe('exists')
    expect(s3.log.map(r => r.method)).toEqual(['HEAD', 'PUT', 'HEAD']) // present: no second PUT
    expect(await store.get(pin)).toEqual(bytes)
    expect(await (await s3.client()).keys()).toEqual([`proj/sha256/${pin.sha256}`])
  })

  it('a missing object is null; a tampered or longer one is E_INTEGRITY', async () => {
    const { s3, store } = await s3Store('')
    expect(await store.get(pin)).toBeNull()
    expect(await store.has(pin)).toBe(false)
    const client = await s3.client()
    const other = new Uint8Array(bytes)
    other[0]! ^= 1
    await client.put(`sha256/${pin.sha256}`, other)
    const err = await rejection(store.get(pin))
    expect(isRodinError(err, 'E_INTEGRITY')).toBe(true)
    expect(err.message).toContain(`s3://${BUCKET} (endpoint ${s3.endpoint})`)
    await client.put(`sha256/${pin.sha256}`, new Uint8Array(1_000_000))
    expect(isRodinError(await rejection(store.get(pin)), 'E_INTEGRITY')).toBe(true)
  })

  it('wrong credentials are E_REMOTE naming the remote and the credential to check, never the secret', async () => {
    const s3 = await startS3()
    const secret = 'wrong-secret-d41d8cd98f00b204'
    stubEnv(s3.env(secret))
    const remote = resolveRemote({ url: `s3://${BUCKET}`, endpoint: s3.endpoint }, { AWS_SECRET_ACCESS_KEY: secret })!
    const store = new BlobStore(createS3Backend(remote as Extract<typeof remote, { kind: 's3' }>))
    onTestFinished(() => store.close())
    for (const op of [() => store.get(pin), () => store.put(bytes)]) {
      const err = await rejection(op())
      expect(isRodinError(err, 'E_REMOTE')).toBe(true)
      expect(err.message).toContain(`s3://${BUCKET}`)
      expect(err.message).toContain('access denied')
      expect(err.message).toContain('AWS_SECRET_ACCESS_KEY')
      expect(err.message).not.toContain(secret)
      expect(JSON.stringify(err)).not.toContain(secret)
    }
    expect(s3.log.some(r => r.method === 'PUT')).toBe(false)
  })

  it('a missing @aws-sdk/client-s3 is E_REMOTE saying what to install', async () => {
    const remote = resolveRemote('s3://bucket-x/p', {})!
    const load = () => Promise.reject(Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' }))
    const store = new BlobStore(createS3Backend(remote as Extract<typeof remote, { kind: 's3' }>, load))
    const err = await rejection(store.get(pin))
    expect(isRodinError(err, 'E_REMOTE')).toBe(true)
    expect(err.message).toContain('team store s3://bucket-x/p needs the package @aws-sdk/client-s3')
    expect(err.message).toContain('npm install --save-dev @aws-sdk/client-s3')
  })
})

describe('conditional PUT (s3rver ignores If-None-Match, so a server of our own answers it)', () => {
  it('sends If-None-Match: * and takes 412 as "someone else created it"; never a second write', async () => {
    const seen: { method: string; url: string; ifNoneMatch?: string }[] = []
    const server = createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, ifNoneMatch: req.headers['if-none-match'] as string })
      req.resume()
      req.on('end', () => {
        res.statusCode = req.method === 'HEAD' ? 404 : 412
        if (req.method === 'HEAD') return res.end()
        res.setHeader('content-type', 'application/xml')
        res.end('<?xml version="1.0"?><Error><Code>PreconditionFailed</Code><Message>x</Message></Error>')
      })
    })
    await new Promise<void>(done => server.listen(0, '127.0.0.1', done))
    onTestFinished(() => new Promise<void>(done => server.close(() => done())))
    stubEnv({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-example-123' })
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const remote = resolveRemote({ url: 's3://bucket-y/pre', endpoint }, {})!
    const store = new BlobStore(createS3Backend(remote as Extract<typeof remote, { kind: 's3' }>))
    onTestFinished(() => store.close())
    expect((await store.put(bytes)).outcome).toBe('exists')
    expect(seen.map(r => [r.method, r.url.split('?')[0], r.ifNoneMatch])).toEqual([
      ['HEAD', `/bucket-y/pre/sha256/${pin.sha256}`, undefined],
      ['PUT', `/bucket-y/pre/sha256/${pin.sha256}`, '*'],
    ])
  })
})
