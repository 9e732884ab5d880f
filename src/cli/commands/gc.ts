import { formatBytes } from '../../util/format.js'
import { createPipeline } from '../context.js'
import type { CliIO, GlobalFlags } from '../context.js'

/**
 * Deletes cache entries no manifest asset needs any more: content, derived records, named copies, stale
 * temp files and old cache layouts. What the current manifest + lockfile reach (`Pipeline.reachable`, the
 * same pins a build uses) is kept. Which names are the store's, and that links are never followed, is the
 * store's business (`Store.gc`).
 */
export async function gc(flags: GlobalFlags, io: CliIO, dryRun: boolean): Promise<void> {
  const pipeline = createPipeline(flags, io, { mode: 'offline' })
  const keep = await pipeline.reachable()
  const assets = (await pipeline.getManifest()).entries.length
  const protect = [pipeline.options.manifestPath, pipeline.options.lockfilePath].filter((p): p is string => !!p)
  const entries = await pipeline.store.gc(keep, { dryRun, protect })
  const verb = dryRun ? 'would remove' : 'removed'
  for (const e of entries) io.out(`${verb} ${e.path}${e.kind === 'link' ? ' (link only)' : ''}`)
  const freed = entries.reduce((n, e) => n + e.bytes, 0)
  io.out(
    `${verb} ${entries.length} cache entr${entries.length === 1 ? 'y' : 'ies'} (${formatBytes(freed)}); kept ${keep.content.size} file(s) for ${assets} asset(s)`,
  )
}
