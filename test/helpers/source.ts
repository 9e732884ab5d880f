// Tests run src/, not a build. Vitest compiles what it imports itself; a Node child process started by a test
// needs a TypeScript loader: tsx. (The optimizer pool starts its worker processes with tsx itself: child-worker.ts.)
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Node flags that let a child run src/*.ts (imported, as in the sources, by their .js names). */
export const FROM_SOURCE = ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]

/** The CLI from src/: what bin/rodin-assets.js runs from dist/ in the package. Start it with {@link FROM_SOURCE}. */
export const CLI_SOURCE = fileURLToPath(new URL('./rodin-assets.ts', import.meta.url))

/**
 * `unplugin-rodin/<subpath>` as the source file the package's exports map builds it from (./dist/vite.js is
 * src/vite.ts): Vite aliases, for vitest itself and for Vite builds of pages that import the package. Ids that
 * match `except` keep resolving as they do.
 */
export function sourceAliases(except?: RegExp): { find: RegExp; replacement: string }[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    name: string
    exports: Record<string, string | { default?: string }>
  }
  return Object.entries(pkg.exports).flatMap(([subpath, target]) => {
    const built = typeof target === 'string' ? target : target.default
    if (!built?.startsWith('./dist/')) return []
    const source = built.replace(/^\.\/dist\//, '../../src/').replace(/\.js$/, '.ts')
    const id = `${pkg.name}${subpath.slice(1)}`
    if (except?.test(id)) return []
    return [
      {
        find: new RegExp(`^${id.replace(/[/.]/g, '\\$&')}$`),
        replacement: fileURLToPath(new URL(source, import.meta.url)),
      },
    ]
  })
}
