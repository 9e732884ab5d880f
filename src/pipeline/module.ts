import type { ImageStats, ModelStats, RodinAssetMeta } from '../meta.js'
import { extensionOf, isImageFile } from '../manifest/files.js'
import type { StoredFile } from '../store/store.js'
import { listSome } from '../util/list.js'
import { imageStats, modelStats, placeholderOf } from './derive.js'
import type { AssetRecord, Pipeline } from './pipeline.js'

export type Variant = { kind: 'primary' } | { kind: 'raw' } | { kind: 'meta' } | { kind: 'file'; name: string }

/** One level of the `lods` export: the file behind its URL, its triangles and the simplifier's error. */
export interface ModuleLod {
  file: string
  sha256: string
  triangles: number
  error: number
}

/** What a generated module needs: real files on disk (verified) for the host bundler to emit, and `meta`. */
export interface ModuleData {
  /** Absolute path of the file behind `default`/`url`; absent for `?meta`. */
  file?: string
  /** Absolute path of the provider's preview image, when there is one. */
  preview?: string
  /** A ≤ 1 kB WebP `data:` URI to show while the asset loads; `null` for files that are not models or images. */
  placeholder?: string | null
  /** Levels of detail of a model module, level 0 being `file` itself; empty for other files. */
  lods?: ModuleLod[]
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
    const { errors } = await import('../catalogue/index.js')
    const has = listSome(Object.keys(record.files))
    throw errors.E_NO_FILE('imported', {
      asset: entry.alias,
      provider: entry.provider,
      task: entry.task,
      file: name,
      has,
    })
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
  const readEmitted = useOptimized ? () => pipeline.optimizedBytes(record) : read
  const file = await pipeline.store.materialize(emitted, `${stem}-${emitted.sha256.slice(0, 12)}${ext}`, readEmitted)
  let preview: string | undefined
  if (record.preview && variant.kind !== 'file') {
    const p = record.files[record.preview]!
    preview = await pipeline.store.materialize(
      p,
      `${entry.alias}-preview-${p.sha256.slice(0, 12)}${extensionOf(record.preview)}`,
      () => pipeline.sourceBytes(record, record.preview!),
    )
  }
  const placeholder = await placeholderFor(pipeline, record, kind, emitted, readEmitted)
  const lods: ModuleLod[] = []
  if (kind === 'model') {
    lods.push({ file, sha256: emitted.sha256, triangles: (stats as ModelStats).triangles, error: 0 })
    const levels = useOptimized ? record.optimized!.lods : []
    for (const [i, lod] of levels.entries()) {
      const level = i + 1
      const path = await pipeline.store.materialize(
        lod.file,
        `${stem}-lod${level}-${lod.file.sha256.slice(0, 12)}${ext}`,
        () => pipeline.lodBytes(record, level),
      )
      lods.push({ file: path, sha256: lod.file.sha256, triangles: lod.triangles, error: lod.error })
    }
  }
  return { file, preview, meta, record, placeholder, lods }
}

/** Models show their preview (or their dominant colour without one); images show themselves. */
async function placeholderFor(
  pipeline: Pipeline,
  record: AssetRecord,
  kind: RodinAssetMeta['kind'],
  emitted: StoredFile,
  readEmitted: () => Promise<Uint8Array>,
): Promise<string | null> {
  const { store } = pipeline
  try {
    if (kind === 'image') return await placeholderOf(store, 'image', emitted, readEmitted)
    if (kind !== 'model') return null
    const preview = record.preview
    if (preview) {
      return await placeholderOf(store, 'image', record.files[preview]!, () => pipeline.sourceBytes(record, preview))
    }
    return await placeholderOf(store, 'model', emitted, readEmitted)
  } catch (err) {
    // A preview sharp cannot read must not fail the build: the page simply gets no placeholder.
    pipeline.log.warn(
      `asset "${record.entry.alias}": no placeholder (${err instanceof Error ? err.message : String(err)})`,
    )
    return null
  }
}

function safeStem(name: string): string {
  const dot = name.lastIndexOf('.')
  return (dot > 0 ? name.slice(0, dot) : name).replace(/[^\w.-]+/g, '_').slice(0, 40)
}
