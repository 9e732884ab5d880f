import type { Readable } from 'node:stream'
import { errors } from '../catalogue/index.js'
import { RodinError } from '../errors.js'
import type { BlobBackend } from './blob.js'
import type { ResolvedRemote } from './remote-options.js'

type S3Remote = Extract<ResolvedRemote, { kind: 's3' }>
type Sdk = typeof import('@aws-sdk/client-s3')

const CREDENTIALS_HINT =
  'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, AWS_SESSION_TOKEN, or the web-identity role of your CI: AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE)'

/**
 * A team store in an S3-compatible bucket: `<prefix>/sha256/<hex>`. `@aws-sdk/client-s3` is an optional peer,
 * imported on first use only (a warm local build never loads it). Custom endpoints (R2, B2, MinIO, Ceph) get
 * path-style addressing, and checksums only "when required": those services reject the SDK's default CRC32
 * headers. Writes are HEAD, then PUT with `If-None-Match: *`, so an object is never replaced.
 */
export function createS3Backend(
  remote: S3Remote,
  load: () => Promise<Sdk> = () => import('@aws-sdk/client-s3'),
): BlobBackend {
  let opened: Promise<{ sdk: Sdk; client: InstanceType<Sdk['S3Client']> }> | undefined
  const open = () => {
    opened ??= load().then(
      sdk => ({
        sdk,
        client: new sdk.S3Client({
          region: remote.region,
          ...(remote.endpoint ? { endpoint: remote.endpoint, forcePathStyle: true } : {}),
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
          maxAttempts: 3, // the SDK's standard retry: jittered back-off on throttling, 5xx and network errors
          requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
        }),
      }),
      err => {
        throw errors.E_REMOTE('s3Client', {
          remote: remote.label,
          reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message,
          cause: err,
        })
      },
    )
    return opened
  }
  const key = (k: string) => (remote.prefix ? `${remote.prefix}/${k}` : k)
  const wrap = (op: string, k: string, err: unknown) => remoteError(remote, op, key(k), err)

  return {
    label: remote.label,
    async read(k, maxBytes) {
      const { sdk, client } = await open()
      let body: Readable
      try {
        const res = await client.send(new sdk.GetObjectCommand({ Bucket: remote.bucket, Key: key(k) }))
        body = res.Body as Readable
      } catch (err) {
        if (status(err) === 404 && name(err) !== 'NoSuchBucket') return null
        throw wrap('GET', k, err)
      }
      const chunks: Buffer[] = []
      let total = 0
      try {
        for await (const chunk of body) {
          chunks.push(chunk as Buffer)
          total += (chunk as Buffer).byteLength
          if (total >= maxBytes) break // the caller rejects anything longer than its pin anyway
        }
      } catch (err) {
        throw wrap('GET', k, err)
      } finally {
        body.destroy()
      }
      return new Uint8Array(Buffer.concat(chunks).subarray(0, maxBytes))
    },
    async size(k) {
      const { sdk, client } = await open()
      try {
        const res = await client.send(new sdk.HeadObjectCommand({ Bucket: remote.bucket, Key: key(k) }))
        return res.ContentLength ?? null
      } catch (err) {
        if (status(err) === 404) return null
        throw wrap('HEAD', k, err)
      }
    },
    async create(k, bytes) {
      if ((await this.size(k)) !== null) return 'exists'
      const { sdk, client } = await open()
      const put = (conditional: boolean) =>
        client.send(
          new sdk.PutObjectCommand({
            Bucket: remote.bucket,
            Key: key(k),
            Body: bytes,
            ContentLength: bytes.byteLength,
            ContentType: 'application/octet-stream',
            ...(conditional ? { IfNoneMatch: '*' } : {}),
          }),
        )
      try {
        await put(true)
        return 'created'
      } catch (err) {
        // 412: someone else created it since our HEAD. 409: a concurrent conditional write is under way.
        if (status(err) === 412 || status(err) === 409) return 'exists'
        // Services without conditional writes: the HEAD above found nothing, and the bytes are content-addressed.
        if (status(err) === 501) {
          try {
            await put(false)
            return 'created'
          } catch (again) {
            throw wrap('PUT', k, again)
          }
        }
        throw wrap('PUT', k, err)
      }
    },
    async close() {
      if (opened) (await opened.catch(() => undefined))?.client.destroy()
    },
  }
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode
}

function name(err: unknown): string {
  return (err as Error)?.name ?? 'Error'
}

/**
 * An `E_REMOTE` naming the remote, the operation and the credential to check. The SDK's own message is left
 * out on purpose: only the error's name and HTTP status are shown, so nothing a server echoes can leak.
 */
export function remoteError(remote: S3Remote, op: string, key: string, err: unknown): RodinError {
  if (err instanceof RodinError) return err
  const code = status(err)
  const n = name(err)
  const sysCode = (err as NodeJS.ErrnoException)?.code
  const at = `${op} ${key}`
  let why: string
  if (n === 'CredentialsProviderError' || /credential/i.test(n)) {
    why = `no AWS credentials were found for ${at}; set ${CREDENTIALS_HINT}`
  } else if (code === 401 || code === 403 || /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|Expired/.test(n)) {
    why = `access denied on ${at} (${n === 'Unknown' ? 'Forbidden' : n}, HTTP ${code ?? 403}); check ${CREDENTIALS_HINT}, and that they allow s3:GetObject${op === 'PUT' ? ' and s3:PutObject' : ''} on bucket ${remote.bucket}${op === 'PUT' ? ' (or make this remote read-only: RODIN_REMOTE_READONLY=1)' : ''}`
  } else if (n === 'NoSuchBucket') {
    why = `the bucket ${remote.bucket} does not exist (${at}); check the remote URL${remote.endpoint ? ' and endpoint' : ''}`
  } else if (code === 301 || /PermanentRedirect|AuthorizationHeaderMalformed|IllegalLocationConstraint/.test(n)) {
    why = `the bucket is in another region (${n}, ${at}); set remote.region or AWS_REGION (currently ${remote.region})`
  } else if (code === undefined) {
    why = `cannot reach ${remote.endpoint ?? 'Amazon S3'} for ${at} (${sysCode ?? n}) after retries; check the endpoint and the network`
  } else if (code >= 500) {
    why = `the server failed ${at} with HTTP ${code} (${n}) after retries; try again later`
  } else {
    why = `${at} failed with HTTP ${code} (${n})`
  }
  return errors.E_REMOTE('s3', { remote: remote.label, why, status: code })
}
