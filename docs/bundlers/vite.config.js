import { defineConfig } from 'vite'
import rodin from 'unplugin-rodin/vite'

export default defineConfig({
  base: '/game/', // model URLs follow `base`
  plugins: [rodin()],
})
