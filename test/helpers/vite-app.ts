import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { InlineConfig } from 'vite'
import rodin from '../../src/vite.js'
import type { RodinOptions } from '../../src/options.js'

/** Writes a tiny Vite app whose entry re-exports the given imports, so an SSR build can be imported to read them. */
export async function writeApp(root: string, imports: Record<string, string>): Promise<void> {
  await mkdir(join(root, 'src'), { recursive: true })
  const lines = Object.entries(imports).map(([name, id]) => `import * as ${name} from ${JSON.stringify(id)}`)
  lines.push(`export const all = { ${Object.keys(imports).join(', ')} }`)
  lines.push('if (typeof document !== "undefined") document.title = JSON.stringify(Object.keys(all))')
  await writeFile(join(root, 'src/entry.js'), `${lines.join('\n')}\n`)
  await writeFile(
    join(root, 'index.html'),
    '<!doctype html><html><body><script type="module" src="/src/entry.js"></script></body></html>\n',
  )
}

export async function viteBuild(root: string, options: RodinOptions, extra: InlineConfig = {}): Promise<void> {
  const { build } = await import('vite')
  await build({
    root,
    configFile: false,
    logLevel: 'silent',
    plugins: [rodin(options)],
    ...extra,
    build: { emptyOutDir: true, ...extra.build },
  })
}
