// A Vite build in its own process, configured only through the environment (RODIN_* and CI), the way a
// user's CI runs it. Used by the crash, concurrency and mode tests; runs src/ (helpers/source.ts).
import { build } from 'vite'
import rodin from '../../src/vite.js'

const [root, outDir] = process.argv.slice(2)
await build({
  root,
  configFile: false,
  logLevel: 'warn',
  plugins: [
    rodin({
      wait: { timeoutMs: 5_000, intervalMs: 10 },
      http: { minRetryDelayMs: 1, maxRetryDelayMs: 5, stallTimeoutMs: 2_000 },
    }),
  ],
  build: { outDir, emptyOutDir: true },
})
