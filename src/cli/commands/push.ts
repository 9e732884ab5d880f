import pLimit from 'p-limit'
import { RodinError } from '../../errors.js'
import type { PinnedBlob } from '../../pipeline/inventory.js'
import type { Pipeline } from '../../pipeline/pipeline.js'
import type { BlobStore } from '../../store/blob.js'
import { blobKey } from '../../store/blob.js'
import type { StoredFile } from '../../store/store.js'
import { createPipeline } from '../context.js'
import type { CliIO, GlobalFlags } from '../context.js'
import { createProgress } from '../progress.js'

/** Every pinned blob (source files, optimized outputs, LOD levels) once each, with a name for messages. */
function uniqueBlobs(pins: PinnedBlob[]): Map<string, StoredFile & { label: string }> {
  const blobs = new Map<string, StoredFile & { label: string }>()
  for (const f of pins)
    if (!blobs.has(f.sha256)) blobs.set(f.sha256, { sha256: f.sha256, bytes: f.bytes, label: `${f.alias}/${f.name}` })
  return blobs
}

/** The configured team store of a CLI pipeline, or an error saying how to configure one. */
export async function teamStoreOf(pipeline: Pipeline, command: string): Promise<BlobStore> {
  if (!pipeline.options.remote)
    throw new RodinError(
      'E_CONFIG',
      `"rodin-assets ${command}" needs a team store: set RODIN_REMOTE to s3://<bucket>[/<prefix>] or a shared directory (and RODIN_REMOTE_ENDPOINT for a non-AWS S3 service)`,
    )
  if (!pipeline.remote)
    throw new RodinError(
      'E_CONFIG',
      `"rodin-assets ${command}" contacts the team store, which mode "offline" never does`,
    )
  return pipeline.remote.store()
}

/** Uploads every pinned blob the team store lacks, from the local cache. Exits non-zero if any upload failed. */
export async function push(flags: GlobalFlags, io: CliIO): Promise<void> {
  const pipeline = createPipeline(flags, io, { logLevel: 'silent' })
  try {
    const remote = pipeline.options.remote
    if (remote?.readOnly)
      throw new RodinError(
        'E_CONFIG',
        `the team store ${remote.label} is read-only here (remote.readOnly or RODIN_REMOTE_READONLY); push writes, so unset it for this command`,
      )
    const store = await teamStoreOf(pipeline, 'push')
    const pins = await pipeline.pins()
    if (!pins)
      throw new RodinError(
        'E_LOCK_MISSING',
        `no lockfile at ${pipeline.options.lockfilePath}; run "rodin-assets lock" first`,
      )
    const blobs = [...uniqueBlobs(pins).values()]
    const progress = await createProgress(io, blobs.length)
    const limit = pLimit(pipeline.options.concurrency)
    const counts = { uploaded: 0, present: 0 }
    const failures: string[] = []
    await Promise.all(
      blobs.map(blob =>
        limit(async () => {
          let what: string
          try {
            what = await pushOne(pipeline, store, blob)
          } catch (err) {
            what = 'failed'
            failures.push(`${blob.label}: ${(err as Error).message.replace(/^\[unplugin-rodin\] /, '')}`)
          }
          if (what === 'uploaded') counts.uploaded++
          if (what === 'already there') counts.present++
          progress.done(blob.label, what)
        }),
      ),
    )
    progress.stop()
    io.out(
      `${counts.uploaded} uploaded, ${counts.present} already there, ${failures.length} failed (team store ${store.label})`,
    )
    if (failures.length > 0) {
      for (const f of failures) io.err(f)
      throw new RodinError('E_REMOTE', `${failures.length} of ${blobs.length} blob(s) were not pushed (see above)`)
    }
  } finally {
    await pipeline.close()
  }
}

async function pushOne(pipeline: Pipeline, store: BlobStore, blob: StoredFile & { label: string }): Promise<string> {
  const size = await store.backend.size(blobKey(blob.sha256))
  if (size === blob.bytes) return 'already there'
  if (size !== null)
    throw new RodinError(
      'E_INTEGRITY',
      `the team store holds ${blobKey(blob.sha256)} with ${size} bytes instead of ${blob.bytes}; it is never overwritten: delete that object, then push again`,
    )
  const bytes = await pipeline.store.get(blob.sha256)
  if (!bytes)
    throw new RodinError(
      'E_OFFLINE_MISS',
      `not in the local cache ${pipeline.options.cacheDir}; run "rodin-assets pull" on a machine that can fetch it, then push`,
    )
  const { outcome } = await store.put(bytes)
  return outcome === 'created' ? 'uploaded' : 'already there'
}
