import { fileURLToPath } from 'node:url'
import type { RodinOptions } from 'unplugin-rodin'
import rodin from 'unplugin-rodin/vite'
import type { UserConfig } from 'vite'

export const PLAYGROUND_ROOT = fileURLToPath(new URL('.', import.meta.url))

/**
 * The playground's Vite config. `vite.config.ts` uses it as it is (the demo points the plugin at the local
 * emulator through RODIN_BASE_URL / RODIN_API_KEY); the browser test passes its own plugin options (an
 * emulator, a temp cache and a temp copy of the lockfile) and runs it with `configFile: false`.
 */
export function playgroundConfig(options?: RodinOptions): UserConfig {
  return {
    root: PLAYGROUND_ROOT,
    plugins: [rodin(options)],
    build: {
      // three.js alone is ~700 kB; this page is a demo, not a size benchmark.
      chunkSizeWarningLimit: 1500,
      // A cold build spends its time optimizing models in worker threads; that is expected, not a slow plugin.
      rolldownOptions: {
        checks: { pluginTimings: false },
        // Two pages: plain three.js (index.html) and React Three Fiber (r3f.html).
        input: { main: `${PLAYGROUND_ROOT}index.html`, r3f: `${PLAYGROUND_ROOT}r3f.html` },
      },
    },
  }
}
