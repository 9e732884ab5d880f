import { canonicalJson, readLockfile } from '../manifest/lockfile.js'
import type { Lockfile } from '../manifest/lockfile.js'
import { loadManifest } from '../manifest/manifest.js'
import type { Manifest } from '../manifest/manifest.js'
import type { Pipeline } from './pipeline.js'

interface Input {
  alias: string
  /** Everything an import id's module is built from: its manifest entry and its lock pin. */
  key: string
}

function inputsById(manifest: Manifest, lock: Lockfile | null): Map<string, Input> {
  const out = new Map<string, Input>()
  for (const [id, entry] of manifest.byId) {
    out.set(id, { alias: entry.alias, key: canonicalJson([entry, lock?.assets[entry.alias] ?? null]) })
  }
  return out
}

/** What the pipeline currently builds from (its memoized manifest and lockfile), or `null` if that is broken. */
function pipelineView(pipeline: Pipeline): Promise<Map<string, Input> | null> {
  return Promise.all([pipeline.getManifest(), pipeline.getLockfile()]).then(
    ([m, l]) => inputsById(m, l),
    () => null,
  )
}

/**
 * After the manifest or the lockfile changed on disk: the import ids whose inputs differ now. The pipeline drops
 * only their records, so unchanged assets are neither re-resolved nor hot-updated.
 *
 * The pipeline pins assets into the lockfile itself and updates its view as it does; a watcher event for such a
 * write can arrive before that update. So a difference between the disk and the pipeline's view counts only if
 * it is still there once the resolutions in flight (`settled`) are done.
 */
export async function reloadChangedIds(pipeline: Pipeline, settled: () => Promise<unknown>): Promise<Set<string>> {
  const { manifestPath, lockfilePath } = pipeline.options
  const before = await pipelineView(pipeline)
  const [manifest, lock] = await Promise.all([
    loadManifest(manifestPath),
    lockfilePath ? readLockfile(lockfilePath) : null,
  ])
  const disk = inputsById(manifest, lock)
  const differs = (view: Map<string, Input> | null, id: string) => disk.get(id)?.key !== view?.get(id)?.key
  let ids = [...new Set([...(before?.keys() ?? []), ...disk.keys()])].filter(id => differs(before, id))
  if (ids.length === 0) return new Set()
  await settled()
  const now = await pipelineView(pipeline)
  ids = ids.filter(id => differs(now, id))
  if (ids.length === 0) return new Set()
  const aliases = new Set<string>()
  for (const id of ids) {
    for (const view of [before, disk, now]) {
      const alias = view?.get(id)?.alias
      if (alias) aliases.add(alias)
    }
  }
  pipeline.invalidateAliases(aliases)
  // Re-read at once, so that the next edit is compared with this state rather than read as it.
  await pipelineView(pipeline)
  return new Set(ids)
}
