import type { ImageStats, ModelStats, RodinAssetMeta } from '../meta.js'
import { extensionOf, isImageFile } from '../providers/files.js'
import type { StoredFile } from '../store/store.js'
import { listSome } from '../util/list.js'
import { imageStats, modelStats } from './derive.js'
import type { AssetRecord, Pipeline } from './pipeline.js'

export type Variant = { kind: 'primary' } | { kind: 'raw' } | { kind: 'meta' } | { kind: 'file'; name: string }

/** What a generated module needs: real files on disk (verified) for the host bundler to emit, and `meta`. */
export interface ModuleData {
  /** Absolute path of the file behind `default`/`url`; absent for `?meta`. */
  file?: string
  /** Absolute path of the provider's preview image, when there is one. */
  preview?: string
  meta: RodinAssetMeta
  record: AssetRecord
}

/**
 * Turns a resolved asset into the files and metadata of one import variant. Files are materialized under
 * the store's out folder with content-hashed names, re-hashed on the way (verified reads).
 */
export async function moduleData(pipeline: Pipeline, record: AssetRecord, variant: Variant): Promise<ModuleData> {
  const { entry } = record
  const name = variant.kind === 'file' ? variant.name : record.primary
  // The name comes from an import id ("rodin:m/constructor"): only the record's own keys are files.
  if (variant.kind === 'file' && !Object.hasOwn(record.files, name) && pipeline.options.mode !== 'offline')
    await pipeline.addFile(record, name)
  const source = Object.hasOwn(record.files, name) ? record.files[name] : undefined
  if (!source) {
    const { RodinError } = await import('../errors.js')
    throw new RodinError(
      'E_NO_FILE',
      `rodin:${entry.alias}/${name}: the task has no file "${name}" (it has: ${listSome(Object.keys(record.files))}). Import one of those names.`,
      { asset: entry.alias, provider: entry.provider, task: entry.task, file: name },
    )
  }
  const useOptimized = (variant.kind === 'primary' || variant.kind === 'meta') && record.optimized !== null
  const emitted: StoredFile = useOptimized ? record.optimized!.file : source
  const read = () => pipeline.sourceBytes(record, name)
  let stats: Partial<ModelStats & ImageStats> = {}
  let kind: RodinAssetMeta['kind'] = 'file'
  if (useOptimized) {
    kind = 'model'
    stats = record.optimized!.stats
  } else if (extensionOf(name) === '.glb') {
    kind = 'model'
    stats = await modelStats(pipeline.store, () => pipeline.getPool(), source, read)
  } else if (isImageFile(name)) {
    kind = 'image'
    stats = await imageStats(pipeline.store, source, read)
  }
  const meta = {
    id: entry.alias,
    provider: entry.provider,
    task: entry.task,
    file: name,
    kind,
    bytes: emitted.bytes,
    sourceBytes: source.bytes,
    sha256: emitted.sha256,
    sourceSha256: source.sha256,
    ...stats,
  } as RodinAssetMeta
  if (variant.kind === 'meta') return { meta, record }

  const ext = extensionOf(name)
  const stem =
    variant.kind === 'file'
      ? `${entry.alias}-${safeStem(name)}`
      : variant.kind === 'raw'
        ? `${entry.alias}-raw`
        : entry.alias
  const file = await pipeline.store.materialize(
    emitted,
    `${stem}-${emitted.sha256.slice(0, 12)}${ext}`,
    useOptimized ? () => pipeline.optimizedBytes(record) : read,
  )
  let preview: string | undefined
  if (record.preview && variant.kind !== 'file') {
    const p = record.files[record.preview]!
    preview = await pipeline.store.materialize(
      p,
      `${entry.alias}-preview-${p.sha256.slice(0, 12)}${extensionOf(record.preview)}`,
      () => pipeline.sourceBytes(record, record.preview!),
    )
  }
  return { file, preview, meta, record }
}

function safeStem(name: string): string {
  const dot = name.lastIndexOf('.')
  return (dot > 0 ? name.slice(0, dot) : name).replace(/[^\w.-]+/g, '_').slice(0, 40)
}
