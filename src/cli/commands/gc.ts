import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { lodOptions } from '../../optimize/options.js'
import type { ResolvedOptimizeOptions } from '../../optimize/options.js'
import { derivedKey } from '../../pipeline/derive.js'
import type { DerivedRecord } from '../../pipeline/derive.js'
import { expectedFiles, taskKey } from '../../pipeline/source.js'
import { formatBytes } from '../../plugin/report.js'
import { extensionOf, pickPrimary } from '../../providers/files.js'
import { CACHE_VERSION } from '../../store/store.js'
import { createPipeline } from '../context.js'
import type { CliIO, GlobalFlags } from '../context.js'

/**
 * Deletes cache entries no manifest asset needs any more: content, derived records, named copies, stale
 * temp files and old cache layouts. What the current manifest + lockfile reach is kept.
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
      const record = await store.readJson<DerivedRecord>('derived', key)
      if (record) keepContent.add(record.sha256)
      if (record) keepDerived.add(derivedKey(record.sha256, 'placeholder-model'))
      // LOD levels (optimize.lods): their records and files are kept like level 0's.
      for (const lod of lodKeys(files[primary].sha256, opts)) {
        keepDerived.add(lod)
        const level = await store.readJson<DerivedRecord>('derived', lod)
        if (level) keepContent.add(level.sha256)
      }
    }
  }
  let freed = 0
  let removed = 0
  const drop = async (path: string) => {
    freed += (await stat(path).catch(() => ({ size: 0 }))).size
    removed++
    if (!dryRun) await rm(path, { recursive: true, force: true })
  }
  for (const dir of await list(pipeline.options.cacheDir))
    if (dir !== CACHE_VERSION) await drop(join(pipeline.options.cacheDir, dir))
  for (const shard of await list(join(store.root, 'content'))) {
    for (const sha of await list(join(store.root, 'content', shard)))
      if (!keepContent.has(sha)) await drop(join(store.root, 'content', shard, sha))
  }
  for (const name of await list(join(store.root, 'out'))) {
    const sha12 = /-([0-9a-f]{12})\.[^.]+$/.exec(name)?.[1]
    if (!sha12 || ![...keepContent].some(sha => sha.startsWith(sha12))) await drop(join(store.root, 'out', name))
  }
  for (const name of await list(join(store.root, 'index', 'derived')))
    if (!keepDerived.has(name.replace(/\.json$/, ''))) await drop(join(store.root, 'index', 'derived', name))
  for (const name of await list(join(store.root, 'index', 'tasks')))
    if (!keepTasks.has(name.replace(/\.json$/, ''))) await drop(join(store.root, 'index', 'tasks', name))
  // Temp files of a build running right now must survive; only leftovers of killed builds go.
  for (const name of await list(join(store.root, 'tmp'))) {
    const path = join(store.root, 'tmp', name)
    if (Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? Date.now()) > 3_600_000) await drop(path)
  }
  io.out(
    `${dryRun ? 'would remove' : 'removed'} ${removed} cache entr${removed === 1 ? 'y' : 'ies'} (${formatBytes(freed)}); kept ${keepContent.size} file(s) for ${manifest.entries.length} asset(s)`,
  )
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [])
}

function lodKeys(sourceSha256: string, opts: ResolvedOptimizeOptions): string[] {
  return opts.lods.map((_, i) => derivedKey(sourceSha256, lodOptions(opts, i + 1)))
}
