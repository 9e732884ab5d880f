// The bench corpus: the repository's fixture GLBs plus generated models with the statistics of real AI output
// (bench/ai-models.js, issue #16: baked light, grain, speckled metal, JPEG inputs, TANGENT re-exports, many
// small textures, 2K-texture-dominated models), or every .glb of a folder (--corpus). The smooth Rodin-like
// models of the first bench compressed to almost nothing and hid what real downloads cost, so they left.
import { copyFile, readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildAiModels } from './ai-like.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))

/** Writes the corpus into `dir` and returns `[{ name, path, bytes, source }]`, sorted by name. */
export async function buildCorpus(dir, { corpusDirs = [], log } = {}) {
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
  if (corpusDirs.length === 0) entries.push(...(await buildAiModels(dir, { log })))
  const names = new Set()
  for (const e of entries) {
    if (names.has(e.name)) throw new Error(`bench: two corpus files are named ${e.name}.glb`)
    names.add(e.name)
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name))
}
