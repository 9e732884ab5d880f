import { defineConfig } from 'rolldown'
import rodin from 'unplugin-rodin/rolldown'

export default defineConfig({
  input: 'src/main.js',
  // Models land in dist/assets/ with hashed names; their URLs resolve against the chunk (import.meta.url).
  output: { dir: 'dist', format: 'es' },
  plugins: [rodin()],
})
