import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'
import { sourceAliases } from './test/helpers/source.js'

// Tests run src/, never a build (test/helpers/source.ts says how child processes do): `unplugin-rodin/<subpath>`
// (docs/bundlers/*.config.js, playground/config.ts) is its source file.
export default defineConfig({
  resolve: { alias: sourceAliases() },
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
