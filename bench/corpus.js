// The bench corpus: the repository's fixture GLBs plus procedurally generated Rodin-like models (DESIGN §6:
// one mesh, 20k–50k triangles, three PNG textures at 1024² or 2048²), or every .glb of a folder (--corpus).
import { copyFile, readdir, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))

/**
 * Generated models: two smooth ones at the typical Rodin sizes (their textures compress to almost nothing,
 * like simple AI textures) and one with baked-in sharp detail (crevices, a speckled metalness mask), which
 * is what makes texture codecs work hard.
 */
export const GENERATED = [
  { name: 'rodin_like_20k_1k', triangles: 20_000, textureSize: 1024, seed: 11 },
  { name: 'rodin_like_50k_2k', triangles: 50_000, textureSize: 2048, seed: 12 },
  { name: 'rodin_like_30k_1k_detailed', triangles: 30_000, textureSize: 1024, seed: 13, detail: 0.5 },
]

/** Writes the corpus into `dir` and returns `[{ name, path, bytes, source }]`, sorted by name. */
export async function buildCorpus(dir, { corpusDirs = [] } = {}) {
  const entries = []
  const sources = corpusDirs.length > 0 ? corpusDirs : [FIXTURES]
  for (const source of sources) {
    for (const file of (await readdir(source)).filter(f => f.toLowerCase().endsWith('.glb')).sort()) {
      const path = join(dir, file)
      await copyFile(join(source, file), path)
      entries.push({
        name: basename(file, '.glb'),
        path,
        bytes: (await stat(path)).size,
        source: source === FIXTURES ? 'fixture' : source,
      })
    }
  }
  if (corpusDirs.length === 0) {
    const { generateRodinLikeGlb } = await import('../dist/emulator/rodin-like.js')
    for (const { name, ...opts } of GENERATED) {
      const bytes = await generateRodinLikeGlb(opts)
      const path = join(dir, `${name}.glb`)
      await writeFile(path, bytes)
      entries.push({ name, path, bytes: bytes.byteLength, source: `generateRodinLikeGlb(${JSON.stringify(opts)})` })
    }
  }
  const names = new Set()
  for (const e of entries) {
    if (names.has(e.name)) throw new Error(`bench: two corpus files are named ${e.name}.glb`)
    names.add(e.name)
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name))
}
