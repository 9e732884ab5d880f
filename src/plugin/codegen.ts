import type { ModuleData } from '../pipeline/module.js'

/** How the host bundler turns a real file into a public URL expression. */
export interface UrlImporter {
  /** Import statements to put at the top of the module (may be empty). */
  imports: (local: string, file: string) => string
  /** An expression for the URL, after `imports`. */
  expression: (local: string, file: string) => string
}

/**
 * ESM for one import variant. No browser globals (works under SSR); `meta` is plain JSON; the secret-free
 * file path only ever appears inside the host's own asset import.
 */
export function generateModule(data: ModuleData, urls: UrlImporter): string {
  const meta = `export const meta = ${JSON.stringify(data.meta, null, 2)}\n`
  if (!data.file) return `${meta}export default meta\n`
  const lines: string[] = []
  lines.push(urls.imports('__rodin_url', data.file))
  if (data.preview) lines.push(urls.imports('__rodin_preview', data.preview))
  lines.push(`export const url = ${urls.expression('__rodin_url', data.file)}`)
  lines.push(`export const preview = ${data.preview ? urls.expression('__rodin_preview', data.preview) : 'null'}`)
  lines.push(`export const placeholder = ${JSON.stringify(data.placeholder ?? null)}`)
  lines.push(...lodLines(data, urls))
  lines.push(meta)
  lines.push('export default url\n')
  return lines.filter(Boolean).join('\n')
}

// Level 0 is the module's own file (same URL as `url`); levels 1… are files of their own.
function lodLines(data: ModuleData, urls: UrlImporter): string[] {
  const lods = data.lods ?? []
  const imports = lods.slice(1).map((lod, i) => urls.imports(`__rodin_lod${i + 1}`, lod.file))
  const items = lods.map((lod, i) => {
    const url = i === 0 ? urls.expression('__rodin_url', data.file!) : urls.expression(`__rodin_lod${i}`, lod.file)
    return `{ url: ${url}, triangles: ${lod.triangles}, error: ${lod.error} }`
  })
  return [...imports, `export const lods = [${items.join(', ')}]`]
}

/** Vite: `?url` goes through Vite's asset pipeline (hashing, `base`, SSR, dev server); never inlined as data URL. */
export const viteUrls: UrlImporter = {
  imports: (local, file) => `import ${local} from ${JSON.stringify(`${file}?url&no-inline`)}`,
  expression: local => local,
}

/**
 * webpack, Rspack and esbuild: a plain import of the real file; the plugin routes the cache's out directory to
 * the host's own file emission (`asset/resource`, the `file` loader), which hashes names and applies the public path.
 */
export const fileImportUrls: UrlImporter = {
  imports: (local, file) => `import ${local} from ${JSON.stringify(file)}`,
  expression: local => local,
}

/** Rollup and Rolldown: assets emitted by the plugin, referenced by id so the host hashes and places them. */
export function emittedUrls(refs: ReadonlyMap<string, string>): UrlImporter {
  return {
    imports: () => '',
    expression: (_local, file) => `import.meta.ROLLUP_FILE_URL_${refs.get(file)!}`,
  }
}
