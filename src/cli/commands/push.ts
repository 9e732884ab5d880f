import pLimit from 'p-limit'
import { errors } from '../../catalogue/index.js'
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
  if (!pipeline.options.remote) throw errors.E_CONFIG('remoteUnset', { command })
  if (!pipeline.remote) throw errors.E_CONFIG('remoteOffline', { command })
  return pipeline.remote.store()
}

/** Uploads every pinned blob the team store lacks, from the local cache. Exits non-zero if any upload failed. */
export async function push(flags: GlobalFlags, io: CliIO): Promise<void> {
  const pipeline = createPipeline(flags, io, { logLevel: 'silent' })
  try {
    const remote = pipeline.options.remote
    if (remote?.readOnly) throw errors.E_CONFIG('remoteReadOnly', { remote: remote.label })
    const store = await teamStoreOf(pipeline, 'push')
    const pins = await pipeline.pins()
    if (!pins) throw errors.E_LOCK_MISSING('noLockfile', { lockfile: String(pipeline.options.lockfilePath) })
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
      throw errors.E_REMOTE('pushFailed', { failed: failures.length, total: blobs.length })
    }
  } finally {
    await pipeline.close()
  }
}

async function pushOne(pipeline: Pipeline, store: BlobStore, blob: StoredFile & { label: string }): Promise<string> {
  const size = await store.backend.size(blobKey(blob.sha256))
  if (size === blob.bytes) return 'already there'
  if (size !== null) throw errors.E_INTEGRITY('remoteSize', { file: blobKey(blob.sha256), size, bytes: blob.bytes })
  const bytes = await pipeline.store.get(blob.sha256)
  if (!bytes) throw errors.E_OFFLINE_MISS('pushMissing', { cacheDir: pipeline.options.cacheDir })
  const { outcome } = await store.put(bytes)
  return outcome === 'created' ? 'uploaded' : 'already there'
}
