import { defineConfig } from 'vite'
import { playgroundConfig } from './config.js'

// The demo (`npm run demo`) points the plugin at the local emulator through RODIN_BASE_URL / RODIN_API_KEY.
export default defineConfig(playgroundConfig())
