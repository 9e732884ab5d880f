import { readdir } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { join, sep } from 'node:path'
import { onTestFinished } from 'vitest'
import { tempDir } from './tmp.js'

const require = createRequire(import.meta.url)

/** s3rver's built-in account (it checks SigV4 signatures against this pair). */
export const S3_KEY_ID = 'S3RVER'
export const S3_SECRET = 'S3RVER'
export const BUCKET = 'team-assets'

export interface S3Request {
  method: string
  /** Object key inside the bucket (path-style URL, without the query). */
  key: string
  status: number
  headers: Record<string, string | string[] | undefined>
}

/**
 * A real S3 implementation (`@20minutes/s3rver`) on 127.0.0.1, port 0, with a bucket and a log of every
 * request it answered. Closed when the test ends (or earlier with `stop()`).
 */
export async function startS3() {
  const S3rver = require('@20minutes/s3rver')
  const dir = await tempDir('rodin-s3-')
  const s3rver = new S3rver({ silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] })
  await s3rver.configureBuckets()
  const handle = s3rver.callback()
  const log: S3Request[] = []
  const server = createServer((req, res) => {
    res.on('finish', () => {
      const path = decodeURIComponent((req.url ?? '').split('?')[0]!)
      log.push({
        method: req.method ?? '',
        key: path.replace(`/${BUCKET}/`, ''),
        status: res.statusCode,
        headers: req.headers,
      })
    })
    handle(req, res)
  })
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done))
  let open = true
  const stop = async () => {
    if (!open) return
    open = false
    server.closeAllConnections()
    await new Promise<void>(done => server.close(() => done()))
  }
  onTestFinished(stop)
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    endpoint,
    log,
    stop,
    /** Environment a machine needs to use this server: credentials, region, and no other AWS config. */
    env: (secret = S3_SECRET): Record<string, string> => ({
      AWS_ACCESS_KEY_ID: S3_KEY_ID,
      AWS_SECRET_ACCESS_KEY: secret,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    }),
    /** A client of our own, to look into the bucket or tamper with it the way another party could. */
    async client() {
      const sdk = await import('@aws-sdk/client-s3')
      const client = new sdk.S3Client({
        region: 'us-east-1',
        endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      })
      onTestFinished(() => client.destroy())
      return {
        /** Every object key, read from s3rver's directory (its listing fails SigV4 with recent SDKs). */
        async keys(): Promise<string[]> {
          const files = await readdir(join(dir, BUCKET), { recursive: true })
          return files
            .filter(f => f.endsWith('._S3rver_object'))
            .map(f => f.slice(0, -'._S3rver_object'.length).split(sep).join('/'))
            .sort()
        },
        async get(key: string): Promise<Uint8Array> {
          const res = await client.send(new sdk.GetObjectCommand({ Bucket: BUCKET, Key: key }))
          return res.Body!.transformToByteArray()
        },
        async put(key: string, body: Uint8Array): Promise<void> {
          await client.send(new sdk.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }))
        },
        async remove(key: string): Promise<void> {
          await client.send(new sdk.DeleteObjectCommand({ Bucket: BUCKET, Key: key }))
        },
      }
    },
  }
}
