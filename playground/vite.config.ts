import { defineConfig } from 'vite'
import rodin from 'unplugin-rodin/vite'

// The demo (`npm run demo`) points the plugin at the local emulator through RODIN_BASE_URL / RODIN_API_KEY.
export default defineConfig({
  plugins: [rodin()],
  build: {
    // three.js alone is ~700 kB; this page is a demo, not a size benchmark.
    chunkSizeWarningLimit: 1500,
    // A cold build spends its time optimizing models in worker threads; that is expected, not a slow plugin.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
})
