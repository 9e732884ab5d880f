// `npm run demo`: the whole pipeline on the embedded default, with no API key and no network.
// Starts the local emulator (the repository's fixture models as Rodin tasks, one generated Rodin-like model and
// one ModelsLab task), then
// builds playground/ with Vite; the plugin prints one line per asset and a summary.
import { fileURLToPath } from 'node:url'
import { startEmulator } from '../dist/emulator/index.js'
import { fixtureModelslabTasks, fixtureTasks } from '../fixtures/tasks.js'
import { generateRodinLikeGlb } from '../dist/emulator/rodin-like.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const playground = fileURLToPath(new URL('../playground/', import.meta.url))

export const RODIN_LIKE_TASK = {
  uuid: '5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
  subscriptionKey: 'sub-emulator-rodin-like',
}

const emu = await startEmulator({ assets: fixtureTasks(), modelslabTasks: fixtureModelslabTasks() })
try {
  emu.addTask({
    ...RODIN_LIKE_TASK,
    files: [
      {
        name: 'base_basic_pbr.glb',
        bytes: await generateRodinLikeGlb({ triangles: 30_000, textureSize: 1024, seed: 7 }),
      },
    ],
    jobs: [['Waiting', 'Generating', 'Done']],
  })
  Object.assign(process.env, {
    RODIN_BASE_URL: emu.rodinBaseURL,
    RODIN_API_KEY: emu.apiKey,
    MODELSLAB_BASE_URL: emu.modelslabBaseURL,
    MODELSLAB_API_KEY: emu.apiKey,
    RODIN_MODE: process.env.RODIN_MODE || 'auto',
    RODIN_CACHE_DIR: process.env.RODIN_CACHE_DIR || `${root}node_modules/.cache/unplugin-rodin-demo`,
  })
  console.log(`demo: emulator on ${emu.url} (mode ${process.env.RODIN_MODE}, cache ${process.env.RODIN_CACHE_DIR})`)
  const started = Date.now()
  const { build } = await import('vite')
  await build({ root: playground, logLevel: 'warn' })
  const api = emu.requests.filter(r => r.route !== 'file' && r.route !== 'control').length
  const files = emu.requests.filter(r => r.route === 'file').length
  console.log(
    `demo: built playground/dist in ${((Date.now() - started) / 1000).toFixed(1)} s; the emulator answered ${api} API and ${files} file request(s)`,
  )
  console.log(
    'demo: run it again to see every asset come from the cache (0 requests); `npx vite preview playground` serves the page.',
  )
} finally {
  await emu.close()
}
