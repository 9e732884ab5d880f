import { errors } from '../catalogue/index.js'
import { sha256Hex } from '../util/hash.js'
import type { StoredFile } from './store.js'

/**
 * Raw access to one remote location (an S3 bucket prefix, a shared directory). Keys are relative to the
 * remote's prefix. Backends know nothing of hashes: {@link BlobStore} verifies every byte they return.
 * Failures are `E_REMOTE` errors naming the remote and what to check.
 */
export interface BlobBackend {
  /** How the remote is shown in messages (`s3://bucket/prefix`, `file:///dir`); never holds a credential. */
  readonly label: string
  /** The object's bytes, or `null` when it does not exist. More than `maxBytes` may be cut off. */
  read: (key: string, maxBytes: number) => Promise<Uint8Array | null>
  /** The object's size, or `null` when it does not exist. */
  size: (key: string) => Promise<number | null>
  /** Creates the object unless it exists; never replaces one. */
  create: (key: string, bytes: Uint8Array) => Promise<'created' | 'exists'>
  close: () => Promise<void>
}

/** `sha256/<hex>`: one immutable object per blob, holding exactly the bytes that hash to it. */
export function blobKey(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw errors.E_INTEGRITY('notDigest', { got: sha256 })
  return `sha256/${sha256}`
}

/**
 * The team asset store: content-addressed blobs on a {@link BlobBackend}. Every read is checked against the
 * pin it was asked for before anyone sees it; a mismatch is `E_INTEGRITY` and the object is left alone
 * (the client never overwrites a remote object, not even a bad one).
 */
export class BlobStore {
  constructor(readonly backend: BlobBackend) {}

  get label(): string {
    return this.backend.label
  }

  /** Verified bytes of `pin`, or `null` when the remote does not have it. */
  async get(pin: StoredFile, what = 'a pinned file'): Promise<Uint8Array | null> {
    const key = blobKey(pin.sha256)
    // One byte more than the pin: a longer object is caught without reading all of it.
    const bytes = await this.backend.read(key, pin.bytes + 1)
    if (!bytes) return null
    const actual = bytes.byteLength > pin.bytes ? null : sha256Hex(bytes)
    if (actual !== pin.sha256 || bytes.byteLength !== pin.bytes) {
      const actualBytes = bytes.byteLength > pin.bytes ? `more than ${pin.bytes}` : String(bytes.byteLength)
      throw errors.E_INTEGRITY('remoteBlob', {
        remote: this.label,
        file: key,
        what,
        expected: pin.sha256,
        bytes: pin.bytes,
        ...(actual ? { actual } : {}),
        actualBytes,
      })
    }
    return bytes
  }

  /** True when the remote has an object of the pinned size (its content is verified only when read). */
  async has(pin: StoredFile): Promise<boolean> {
    return (await this.backend.size(blobKey(pin.sha256))) === pin.bytes
  }

  /** Uploads bytes under their own hash unless the remote already has them. */
  async put(bytes: Uint8Array): Promise<{ file: StoredFile; outcome: 'created' | 'exists' }> {
    const file = { sha256: sha256Hex(bytes), bytes: bytes.byteLength }
    return { file, outcome: await this.backend.create(blobKey(file.sha256), bytes) }
  }

  close(): Promise<void> {
    return this.backend.close()
  }
}

/** Opens the configured remote; its backend module (and for S3 the AWS SDK) is imported only now. */
export async function openRemote(remote: import('./remote-options.js').ResolvedRemote): Promise<BlobStore> {
  if (remote.kind === 'fs') {
    const { createFsBackend } = await import('./remote-fs.js')
    return new BlobStore(createFsBackend(remote.dir, remote.label))
  }
  const { createS3Backend } = await import('./remote-s3.js')
  return new BlobStore(createS3Backend(remote))
}
