import pLimit from 'p-limit'
import { errors } from '../catalogue/index.js'
import { type RodinError, isRodinError } from '../errors.js'
import type { BlobStore } from '../store/blob.js'
import type { ResolvedRemote } from '../store/remote-options.js'
import type { Store, StoredFile } from '../store/store.js'

interface Logger {
  warn: (message: string) => void
}

/**
 * The pipeline's side of the team store (§7): reads pinned blobs into the local cache, and uploads what a
 * build fetched or produced. Opened on first need only. A remote that fails (unreachable, denied) is warned
 * about once and not asked again in this build: the caller falls back to the provider.
 */
export class RemoteLink {
  private blobs?: Promise<BlobStore>
  private queued = new Set<string>()
  /** Blobs the remote was found to lack in this build: not asked for twice. */
  private absent = new Set<string>()
  private reading = new Map<string, Promise<Uint8Array | null>>()
  private uploads: Promise<void>[] = []
  private uploadFailures: RodinError[] = []
  private readonly limit: ReturnType<typeof pLimit>
  /** The first failure of this build; later reads return `null` at once. */
  failure?: RodinError
  /** Blobs read from and written to the remote (for logs and tests). */
  readonly counts = { fetched: 0, uploaded: 0 }

  constructor(
    readonly remote: ResolvedRemote,
    private readonly local: Store,
    private readonly log: Logger,
    concurrency: number,
    private readonly open: (r: ResolvedRemote) => Promise<BlobStore> = r =>
      import('../store/blob.js').then(m => m.openRemote(r)),
  ) {
    this.limit = pLimit(concurrency)
  }

  get label(): string {
    return this.remote.label
  }

  store(): Promise<BlobStore> {
    this.blobs ??= this.open(this.remote)
    return this.blobs
  }

  /**
   * Verified bytes of a lockfile pin, now also in the local cache; `null` when the remote lacks them or has
   * failed. A remote object that does not match the pin throws `E_INTEGRITY` (it is never used).
   */
  fetch(pin: StoredFile, what: string): Promise<Uint8Array | null> {
    if (this.failure || this.absent.has(pin.sha256)) return Promise.resolve(null)
    // Two assets may pin the same blob (a shared preview): one request serves both.
    let pending = this.reading.get(pin.sha256)
    if (!pending) {
      pending = this.read(pin, what).finally(() => this.reading.delete(pin.sha256))
      this.reading.set(pin.sha256, pending)
    }
    return pending
  }

  private async read(pin: StoredFile, what: string): Promise<Uint8Array | null> {
    let bytes: Uint8Array | null
    try {
      bytes = await (await this.store()).get(pin, what)
    } catch (err) {
      if (!isRodinError(err, 'E_REMOTE')) throw err
      if (!this.failure) {
        this.failure = err
        this.log.warn(
          `${err.message.replace(/^\[unplugin-rodin\] /, '')} Falling back to the provider; nothing is uploaded in this build (run "npx rodin-assets push" later).`,
        )
      }
      return null
    }
    if (!bytes) {
      this.absent.add(pin.sha256)
      return null
    }
    await this.local.put(bytes)
    this.counts.fetched++
    return bytes
  }

  /** Queues an upload of a blob that is in the local cache (no-op for a read-only remote). */
  upload(file: StoredFile): void {
    if (this.remote.readOnly || this.queued.has(file.sha256)) return
    this.queued.add(file.sha256)
    if (this.failure) return
    const job = this.limit(async () => {
      const bytes = await this.local.get(file.sha256)
      if (!bytes) return // the cache lost it meanwhile; "rodin-assets push" covers it later
      const { outcome } = await (await this.store()).put(bytes)
      if (outcome === 'created') this.counts.uploaded++
    }).catch(err => {
      this.uploadFailures.push(
        isRodinError(err) ? err : errors.E_REMOTE('upload', { remote: this.label, reason: (err as Error).message }),
      )
    })
    this.uploads.push(job)
  }

  /** Waits for every queued upload; failures become one warning (the build itself still succeeds). */
  async flush(): Promise<void> {
    while (this.uploads.length > 0) await Promise.all(this.uploads.splice(0))
    // Uploads skipped after a read failure were announced with that failure's warning already.
    const failed = this.uploadFailures.length
    if (failed > 0) {
      const first = this.uploadFailures[0]!.message.replace(/^\[unplugin-rodin\] /, '')
      this.log.warn(
        `could not upload ${failed} blob(s) to the team store ${this.label}: ${first} The build is not affected; run "npx rodin-assets push" once the remote works.`,
      )
    }
    this.uploadFailures = []
  }

  /** Flushes, then releases the client; the next build opens it again. */
  async close(): Promise<void> {
    await this.flush()
    const blobs = await this.blobs?.catch(() => undefined)
    this.blobs = undefined
    this.failure = undefined
    this.queued.clear()
    this.absent.clear()
    await blobs?.close()
  }
}
