import { lodOptions } from '../../optimize/options.js'
import type { ResolvedOptimizeOptions } from '../../optimize/options.js'
import { derivedKey } from '../../pipeline/derive.js'
import type { DerivedRecord } from '../../pipeline/derive.js'
import { expectedFiles, taskKey } from '../../pipeline/source.js'
import { formatBytes } from '../../util/format.js'
import { extensionOf, pickPrimary } from '../../manifest/files.js'
import { createPipeline } from '../context.js'
import type { CliIO, GlobalFlags } from '../context.js'

/**
 * Deletes cache entries no manifest asset needs any more: content, derived records, named copies, stale
 * temp files and old cache layouts. What the current manifest + lockfile reach is kept. Which names are
 * the store's, and that links are never followed, is the store's business (`Store.gc`).
 */
export async function gc(flags: GlobalFlags, io: CliIO, dryRun: boolean): Promise<void> {
  const pipeline = createPipeline(flags, io, { mode: 'offline' })
  const { store } = pipeline
  const manifest = await pipeline.getManifest()
  const lock = await pipeline.getLockfile()
  const keepContent = new Set<string>()
  const keepDerived = new Set<string>()
  const keepTasks = new Set<string>()
  for (const entry of manifest.entries) {
    const pinned = lock?.assets[entry.alias]
    keepTasks.add(taskKey(entry))
    const files = await expectedFiles(store, entry, pinned && pinned.task === entry.task ? pinned : undefined)
    if (!files) continue
    for (const f of Object.values(files)) {
      keepContent.add(f.sha256)
      keepDerived.add(derivedKey(f.sha256, 'inspect'))
      keepDerived.add(derivedKey(f.sha256, 'image'))
      keepDerived.add(derivedKey(f.sha256, 'placeholder-image'))
      keepDerived.add(derivedKey(f.sha256, 'placeholder-model'))
    }
    const primary = pinned?.primary ?? pickPrimary(entry, Object.keys(files))
    const opts = extensionOf(primary) === '.glb' ? pipeline.optimizeFor(entry) : null
    if (opts && files[primary]) {
      const key = derivedKey(files[primary].sha256, opts)
      keepDerived.add(key)
      const record = (await store.readRecord<DerivedRecord>('derived', key))?.value
      if (typeof record?.sha256 === 'string') keepContent.add(record.sha256)
      if (typeof record?.sha256 === 'string') keepDerived.add(derivedKey(record.sha256, 'placeholder-model'))
      // LOD levels (optimize.lods): their records and files are kept like level 0's.
      for (const lod of lodKeys(files[primary].sha256, opts)) {
        keepDerived.add(lod)
        const level = (await store.readRecord<DerivedRecord>('derived', lod))?.value
        if (typeof level?.sha256 === 'string') keepContent.add(level.sha256)
      }
    }
  }
  const protect = [pipeline.options.manifestPath, pipeline.options.lockfilePath].filter((p): p is string => !!p)
  const entries = await store.gc({ content: keepContent, tasks: keepTasks, derived: keepDerived }, { dryRun, protect })
  const verb = dryRun ? 'would remove' : 'removed'
  for (const e of entries) io.out(`${verb} ${e.path}${e.kind === 'link' ? ' (link only)' : ''}`)
  const freed = entries.reduce((n, e) => n + e.bytes, 0)
  io.out(
    `${verb} ${entries.length} cache entr${entries.length === 1 ? 'y' : 'ies'} (${formatBytes(freed)}); kept ${keepContent.size} file(s) for ${manifest.entries.length} asset(s)`,
  )
}

function lodKeys(sourceSha256: string, opts: ResolvedOptimizeOptions): string[] {
  return opts.lods.map((_, i) => derivedKey(sourceSha256, lodOptions(opts, i + 1)))
}
