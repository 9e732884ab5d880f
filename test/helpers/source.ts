// Tests run src/, not a build. Vitest compiles what it imports itself; a Node child process started by a test
// gets the same TypeScript loader (tsx) as the test processes (vitest.config.ts), and its worker threads inherit it.
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Node flags that let a child run src/*.ts (imported, as in the sources, by their .js names). */
export const FROM_SOURCE = ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]

/** The CLI from src/: what bin/rodin-assets.js runs from dist/ in the package. Start it with {@link FROM_SOURCE}. */
export const CLI_SOURCE = fileURLToPath(new URL('./rodin-assets.ts', import.meta.url))
