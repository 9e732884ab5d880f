import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Tests run src/, never a build (test/helpers/source.ts says how child processes do). `unplugin-rodin/<subpath>`
// (docs/bundlers/*.config.js, playground/config.ts) is the source file that the package's exports map builds it
// from: ./dist/vite.js is src/vite.ts.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const selfReferences = Object.entries(pkg.exports as Record<string, string | { default?: string }>).flatMap(
  ([subpath, target]) => {
    const built = typeof target === 'string' ? target : target.default
    if (!built?.startsWith('./dist/')) return []
    const source = fileURLToPath(
      new URL(built.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts'), import.meta.url),
    )
    const id = `${pkg.name}${subpath.slice(1)}`
    return [{ find: new RegExp(`^${id.replace(/[/.]/g, '\\$&')}$`), replacement: source }]
  },
)

export default defineConfig({
  resolve: { alias: selfReferences },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Tests state their own mode; CI=true must not change what they see.
    env: {
      CI: '',
      RODIN_MODE: '',
      RODIN_API_KEY: '',
      HYPER3D_API_KEY: '',
      RODIN_CACHE_DIR: '',
      RODIN_STATE_DIR: '',
      RODIN_BASE_URL: '',
      MODELSLAB_API_KEY: '',
      MODELSLAB_BASE_URL: '',
      GETTY_API_KEY: '',
      GETTY_CLIENT_ID: '',
      GETTY_CLIENT_SECRET: '',
      GETTY_BASE_URL: '',
      GETTY_TOKEN_URL: '',
      // The key that signs cache records (src/store/record-key.ts) goes here, not into the user's ~/.config.
      XDG_CONFIG_HOME: join(tmpdir(), 'unplugin-rodin-test-config'),
    },
  },
})
