import { mkdir, readFile } from 'node:fs/promises'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import type { LockEntry, Lockfile } from '../manifest/lockfile.js'
import type { AssetEntry, Manifest } from '../manifest/manifest.js'
import { extensionOf, isImageFile, pickPreview } from '../manifest/files.js'
import { writeFileAtomic } from '../util/atomic.js'

const DEFAULT_DTS = 'rodin-env.d.ts'

type MetaType = 'RodinModelMeta' | 'RodinImageMeta' | 'RodinFileMeta' | 'RodinAssetMeta'

/** A model's names as the optimized file has them: the literal types of its `meta` (see unplugin-rodin/three). */
export interface ModelNames {
  nodes: readonly string[]
  materials: readonly string[]
  animations: readonly string[]
}

/** `"a" | "b"`, or `never` for none. */
function literalUnion(names: readonly string[]): string {
  return names.length > 0 ? names.map(n => JSON.stringify(n)).join(' | ') : 'never'
}

/** The `meta` type of a model whose names are known: literal names, so a misspelled one does not compile. */
function namedModelMeta(names: ModelNames): string {
  return `import('unplugin-rodin').RodinModelMetaOf<${literalUnion(names.nodes)}, ${literalUnion(names.materials)}, ${literalUnion(names.animations)}>`
}

/** Where the `dts` option writes, or `null` when it is off. */
export function dtsPath(option: boolean | string | undefined, root: string): string | null {
  if (!option) return null
  const path = option === true ? DEFAULT_DTS : option
  return isAbsolute(path) ? path : resolve(root, path)
}

/** The `meta` type a file name gets (the same rule the generated module follows). */
function metaTypeOf(name: string): MetaType {
  if (extensionOf(name) === '.glb') return 'RodinModelMeta'
  return isImageFile(name) ? 'RodinImageMeta' : 'RodinFileMeta'
}

/** Characters that would make a module name a pattern or a different import id. */
const UNSAFE_NAME = /[*?#%\\/]/

function moduleBlock(id: string, meta: MetaType | string, preview: 'string | null' | 'string' | 'null'): string {
  return [
    `declare module ${JSON.stringify(id)} {`,
    `  const url: string`,
    `  export default url`,
    `  export { url }`,
    `  export const preview: ${preview}`,
    `  export const placeholder: string | null`,
    `  export const lods: { url: string; triangles: number; error: number }[]`,
    `  export const meta: ${metaRef(meta)}`,
    `}`,
  ].join('\n')
}

function metaRef(meta: MetaType | string): string {
  return meta.startsWith('import(') ? meta : `import('unplugin-rodin').${meta}`
}

function metaBlock(id: string, meta: MetaType | string): string {
  return [
    `declare module ${JSON.stringify(id)} {`,
    `  const meta: ${metaRef(meta)}`,
    `  export default meta`,
    `  export { meta }`,
    `}`,
  ].join('\n')
}

function declarationsFor(entry: AssetEntry, locked: LockEntry | undefined, names: ModelNames | undefined): string[] {
  const primary = locked?.primary ?? entry.file
  const meta: MetaType = primary
    ? metaTypeOf(primary)
    : entry.provider === 'getty'
      ? 'RodinImageMeta'
      : 'RodinAssetMeta'
  const files = locked ? Object.keys(locked.files).sort() : null
  const preview = locked
    ? pickPreview(Object.keys(locked.files), locked.primary)
      ? 'string'
      : 'null'
    : 'string | null'
  // The names describe the emitted (optimized) model: the default and `?meta` forms, not `?raw`.
  const named = meta === 'RodinModelMeta' && names ? namedModelMeta(names) : meta
  const out: string[] = []
  for (const id of entry.ids) {
    out.push(moduleBlock(id, named, preview), moduleBlock(`${id}?raw`, meta, preview), metaBlock(`${id}?meta`, named))
    if (id.startsWith('getty:')) continue // getty:<generation>/<index> has no per-file form
    if (files?.every(name => !UNSAFE_NAME.test(name))) {
      for (const name of files) out.push(moduleBlock(`${id}/${name}`, metaTypeOf(name), 'null'))
    } else {
      // Not pinned yet: the task's file names are unknown, but the asset part of the id is still checked.
      out.push(moduleBlock(`${id}/*`, 'RodinAssetMeta', 'null'))
    }
  }
  return out
}

/**
 * Ambient module declarations for exactly the manifest's import ids (and their `?raw`, `?meta` and per-file
 * forms), so that `tsc` rejects an id that is not in the manifest. Deliberately self-contained: it must replace
 * `unplugin-rodin/client`, whose `rodin:*` wildcard would accept any misspelled id. `names` (by alias) gives
 * models their node, material and animation names as literal types.
 */
export function renderDts(
  manifest: Manifest,
  lock: Lockfile | null,
  root: string,
  names: ReadonlyMap<string, ModelNames> = new Map(),
): string {
  const from = relative(root, manifest.path) || manifest.path
  const blocks: string[] = []
  for (const entry of manifest.entries) {
    const pin = lock?.assets[entry.alias]
    const locked = pin && pin.provider === entry.provider && pin.task === entry.task ? pin : undefined
    blocks.push(...declarationsFor(entry, locked, names.get(entry.alias)))
  }
  return [
    `// Generated by unplugin-rodin from ${from} and its lockfile; builds keep it up to date. Do not edit.`,
    `// Include this file in tsconfig.json ("include") INSTEAD of "unplugin-rodin/client": the client types accept`,
    `// any "rodin:*" id, which would hide a misspelled one. (A script, not a module: these are declarations,`,
    `// not augmentations.)`,
    '',
    ...blocks.map(b => `${b}\n`),
  ].join('\n')
}

/**
 * Names of every pinned model whose optimized output's stats are in the derived cache (`readDerived` reads
 * them by the pin's key), so the declarations keep the names before this build has loaded any asset.
 */
export async function pinnedNames(
  lock: Lockfile | null,
  readDerived: (key: string) => Promise<{ stats?: Partial<ModelNames> } | null>,
): Promise<Map<string, ModelNames>> {
  const out = new Map<string, ModelNames>()
  for (const [alias, pin] of Object.entries(lock?.assets ?? {})) {
    if (!pin.optimized) continue
    const stats = (await readDerived(pin.optimized.key).catch(() => null))?.stats
    const names = stats && asNames(stats)
    if (names) out.set(alias, names)
  }
  return out
}

/** The names of a model's stats, or `undefined` when they are not all there (a cache entry from older code). */
export function asNames(stats: Partial<ModelNames>): ModelNames | undefined {
  const { nodes, materials, animations } = stats
  const ok = [nodes, materials, animations].every(l => Array.isArray(l) && l.every(n => typeof n === 'string'))
  return ok ? { nodes: nodes!, materials: materials!, animations: animations! } : undefined
}

/** Writes atomically, and only when the content changed (no watcher churn, no needless rebuilds). */
export async function writeDts(path: string, content: string): Promise<boolean> {
  const current = await readFile(path, 'utf8').catch(() => null)
  if (current === content) return false
  await mkdir(dirname(path), { recursive: true })
  await writeFileAtomic(path, content)
  return true
}
