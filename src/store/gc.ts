import type { Stats } from 'node:fs'
import { lstat, readFile, readdir, rmdir, unlink } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { errors } from '../catalogue/index.js'

/**
 * What `gc` must keep. Everything else the store created under its own folder goes; names it did not
 * create are never touched, whatever folder the cache directory turns out to be.
 */
export interface GcKeep {
  /** sha256 of content entries (and of the named copies made from them). */
  content: ReadonlySet<string>
  /** Task record keys, as given to `writeJson('tasks', key)`. */
  tasks: ReadonlySet<string>
  /** Derived record keys, as given to `writeJson('derived', key)`. */
  derived: ReadonlySet<string>
}

export interface GcOptions {
  /** Only list; delete nothing. The list is the one a real run would delete. @default false */
  dryRun?: boolean
  /** Files that must never share the cache directory (the manifest, the lockfile). */
  protect?: readonly string[]
  /** Temp files younger than this belong to a build that may be running now. @default 3_600_000 */
  tempAgeMs?: number
  /** Clock for the temp-file age. @default Date.now */
  now?: () => number
}

export interface GcEntry {
  /** Path relative to the cache directory, `/`-separated. */
  path: string
  bytes: number
  /** `link`: a symbolic link at a store name; only the link itself is removed. */
  kind: 'content' | 'out' | 'task' | 'derived' | 'tmp' | 'link' | 'old-layout'
}

/** Names that mark a folder as somebody's project or tool data; gc refuses to run in such a cache directory. */
const FOREIGN_MARKERS = ['.git', 'package.json']

const SHARD_RE = /^[0-9a-f]{2}$/
const SHA_RE = /^[0-9a-f]{64}$/
const OUT_RE = /^[^/\\]+-([0-9a-f]{12})(?:\.[A-Za-z0-9]+)?$/
const RECORD_RE = /^[\w.-]+\.json$/
const TMP_RE = /^\d+-[0-9a-f]{12}$/
const LAYOUT_RE = /^v\d+$/

export interface Layout {
  cacheDir: string
  version: string
  marker: { name: string; isOurs: (text: string) => boolean }
  recordName: (key: string) => string
}

/**
 * Lists (and unless `dryRun`, deletes) what the store may collect. Every step uses `lstat`: a symbolic
 * link is never followed, and when it sits where the store keeps an entry, only the link is removed.
 */
export async function collect(layout: Layout, keep: GcKeep, opts: GcOptions = {}): Promise<GcEntry[]> {
  await refuseForeign(layout.cacheDir, opts.protect ?? [])
  const entries = await plan(layout, keep, opts)
  if (!opts.dryRun) for (const e of entries) await remove(join(layout.cacheDir, e.path), e.kind === 'old-layout')
  return entries
}

async function refuseForeign(cacheDir: string, protect: readonly string[]): Promise<void> {
  const names = [...FOREIGN_MARKERS, ...protect.map(p => relative(cacheDir, p)).filter(n => n && !/[\\/]/.test(n))]
  const found: string[] = []
  for (const name of new Set(names)) if (await lstatOrNull(join(cacheDir, name))) found.push(name)
  if (found.length > 0) {
    throw errors.E_CONFIG('gcRefused', { cacheDir, found: found.join(', ') })
  }
}

async function plan(layout: Layout, keep: GcKeep, opts: GcOptions): Promise<GcEntry[]> {
  const { cacheDir } = layout
  const out: GcEntry[] = []
  const add = (abs: string, st: Stats, kind: GcEntry['kind']) =>
    out.push({
      path: relative(cacheDir, abs).split(/[\\/]/).join('/'),
      bytes: st.isFile() ? st.size : 0,
      kind: st.isSymbolicLink() ? 'link' : kind,
    })

  // Older layouts: only folders that carry the store's own marker, never through a link.
  for (const name of (await list(cacheDir)).sort()) {
    if (name === layout.version || !LAYOUT_RE.test(name)) continue
    const dir = join(cacheDir, name)
    const st = await lstatOrNull(dir)
    if (st?.isDirectory() && (await hasMarker(dir, layout.marker)))
      out.push({ path: name, bytes: await treeSize(dir), kind: 'old-layout' })
  }

  const root = join(cacheDir, layout.version)
  const rootSt = await lstatOrNull(root)
  if (!rootSt) return out
  if (rootSt.isSymbolicLink()) {
    add(root, rootSt, 'link')
    return out
  }
  if (!rootSt.isDirectory()) return out

  const tasks = new Set([...keep.tasks].map(layout.recordName))
  const derived = new Set([...keep.derived].map(layout.recordName))
  const sha12 = new Set([...keep.content].map(s => s.slice(0, 12)))
  const now = (opts.now ?? Date.now)()
  const tempAge = opts.tempAgeMs ?? 3_600_000

  for (const [shardPath, shardSt, shard] of await children(join(root, 'content'), add, SHARD_RE)) {
    if (shardSt.isSymbolicLink()) {
      add(shardPath, shardSt, 'link')
      continue
    }
    for (const [path, st, name] of await children(shardPath, add, SHA_RE)) {
      if (!name.startsWith(shard)) continue
      if (st.isSymbolicLink() || (st.isFile() && !keep.content.has(name))) add(path, st, 'content')
    }
  }
  for (const [path, st, name] of await children(join(root, 'out'), add, OUT_RE)) {
    if (st.isSymbolicLink() || (st.isFile() && !sha12.has(OUT_RE.exec(name)![1]!))) add(path, st, 'out')
  }
  const index = join(root, 'index')
  const indexSt = await lstatOrNull(index)
  if (indexSt?.isSymbolicLink()) add(index, indexSt, 'link')
  else if (indexSt?.isDirectory()) {
    for (const [kind, keepSet] of [
      ['tasks', tasks],
      ['derived', derived],
    ] as const) {
      for (const [path, st, name] of await children(join(index, kind), add, RECORD_RE)) {
        if (st.isSymbolicLink() || (st.isFile() && !keepSet.has(name)))
          add(path, st, kind === 'tasks' ? 'task' : 'derived')
      }
    }
  }
  // Temp files of a build running right now must survive; only leftovers of killed builds go.
  for (const [path, st] of await children(join(root, 'tmp'), add, TMP_RE)) {
    if (st.isSymbolicLink() || (st.isFile() && now - st.mtimeMs > tempAge)) add(path, st, 'tmp')
  }
  return out
}

/**
 * Entries of a store folder whose names match `re`, with their lstat. When the folder itself is a link,
 * it is listed for removal and nothing behind it is read.
 */
async function children(
  dir: string,
  add: (abs: string, st: Stats, kind: GcEntry['kind']) => void,
  re: RegExp,
): Promise<[string, Stats, string][]> {
  const st = await lstatOrNull(dir)
  if (!st) return []
  if (st.isSymbolicLink()) {
    add(dir, st, 'link')
    return []
  }
  if (!st.isDirectory()) return []
  const result: [string, Stats, string][] = []
  for (const name of (await list(dir)).sort()) {
    if (!re.test(name)) continue
    const path = join(dir, name)
    const child = await lstatOrNull(path)
    if (child) result.push([path, child, name])
  }
  return result
}

async function hasMarker(dir: string, marker: Layout['marker']): Promise<boolean> {
  const path = join(dir, marker.name)
  const st = await lstatOrNull(path)
  if (!st?.isFile()) return false
  return marker.isOurs(await readFile(path, 'utf8').catch(() => ''))
}

/** Removes a file or link, or (for an old layout) a whole tree, without ever following a link. */
async function remove(path: string, tree: boolean): Promise<void> {
  const st = await lstatOrNull(path)
  if (!st) return
  if (st.isDirectory()) {
    if (!tree) return // a store entry that became a folder since it was listed: not ours to empty
    for (const name of await list(path)) await remove(join(path, name), true)
    await rmdir(path).catch(() => {})
    return
  }
  await unlink(path).catch(err => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  })
}

async function treeSize(path: string): Promise<number> {
  const st = await lstatOrNull(path)
  if (!st) return 0
  if (!st.isDirectory()) return st.isFile() ? st.size : 0
  let total = 0
  for (const name of await list(path)) total += await treeSize(join(path, name))
  return total
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  return lstat(path).catch(() => null)
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [])
}
