// (d): what a warm build costs with the plugin. Two copies of one small three.js app import N ≥ 12 models:
//   static: the pre-optimized GLBs as plain `?url` assets (what a user who optimizes by hand ships);
//   rodin:  the same models through `rodin:<alias>` ids, served from a warm cache in mode 'offline'.
// The rodin app's first (cold) build runs against the local emulator; the emulator is then stopped, and
// every warm build runs with RODIN_MODE=offline and a base URL that nothing listens on, so no request can
// succeed. Each build is its own `vite build` process (1 warm-up + `runs` measured, interleaved in rounds whose
// order is drawn at random).
import { copyFile, mkdir, readdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { mulberry32 } from './ai-textures.js'
import { run } from './proc.js'
import { benchRemote } from './remote.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js')

const MAIN = `import * as THREE from 'three'
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js'
import { MeshoptDecoder } from 'three/examples/jsm/libs/meshopt_decoder.module.js'
import models from './models.js'

const scene = new THREE.Scene()
const loader = new GLTFLoader().setMeshoptDecoder(MeshoptDecoder)
for (const [i, url] of models.entries()) {
  loader.load(url, (gltf) => { gltf.scene.position.x = i * 2; scene.add(gltf.scene) })
}
export { scene }
`

/**
 * `{ n, cold: { ms, peakMB }, static: { runs, medianMs, peakMB }, rodin: { runs, medianMs, peakMB }, ratio }`.
 * `models`: `[{ name, bytes (original), optimized (path of the 'web' output) }]`; each is imported twice
 * (two aliases, two emulator tasks) when there are fewer than 12.
 */
export async function benchViteBuilds(models, workDir, { runs = 3 } = {}) {
  const copies = models.length >= 12 ? 1 : Math.ceil(12 / models.length)
  const assets = []
  for (let c = 0; c < copies; c++) {
    for (const [i, m] of models.entries()) {
      const n = c * models.length + i
      const uuid = `00000000-0000-4000-8000-${String(n + 1).padStart(12, '0')}`
      assets.push({
        alias: `m${String(n).padStart(2, '0')}-${m.name.replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 64),
        uuid,
        model: m,
      })
    }
  }
  const staticDir = join(workDir, 'app-static')
  const rodinDir = join(workDir, 'app-rodin')
  await writeApp(
    staticDir,
    assets.map(a => `./models/${a.alias}.glb?url`),
    '',
  )
  await mkdir(join(staticDir, 'models'), { recursive: true })
  for (const a of assets) await copyFile(a.model.optimized, join(staticDir, 'models', `${a.alias}.glb`))
  await writeApp(
    rodinDir,
    assets.map(a => `rodin:${a.alias}`),
    `import rodin from 'unplugin-rodin/vite'\n`,
    'plugins: [rodin()],',
  )
  const manifest = {
    optimize: 'web',
    assets: Object.fromEntries(assets.map(a => [a.alias, { task: a.uuid, subscriptionKey: `sub-${a.uuid}` }])),
  }
  await writeFile(join(rodinDir, 'assets.rodin.json'), `${JSON.stringify(manifest, null, 2)}\n`)

  const cacheDir = join(workDir, 'rodin-cache')
  const baseEnv = { ...process.env, RODIN_CACHE_DIR: cacheDir }
  for (const key of ['CI', 'RODIN_API_KEY', 'HYPER3D_API_KEY', 'RODIN_BASE_URL']) delete baseEnv[key]
  const { startEmulator } = await import('../dist/emulator/index.js')
  const { readFile } = await import('node:fs/promises')
  const tasks = []
  for (const a of assets) {
    tasks.push({
      uuid: a.uuid,
      subscriptionKey: `sub-${a.uuid}`,
      jobs: [['Done']],
      files: [{ name: 'base_basic_pbr.glb', bytes: new Uint8Array(await readFile(a.model.path)) }],
    })
  }
  const emu = await startEmulator({ assets: tasks })
  let cold
  try {
    const env = { ...baseEnv, RODIN_MODE: 'auto', RODIN_BASE_URL: emu.rodinBaseURL, RODIN_API_KEY: emu.apiKey }
    cold = await viteBuild(rodinDir, env)
    cold.requests = emu.requests.length
  } finally {
    await emu.close()
  }
  const offlineEnv = {
    ...baseEnv,
    RODIN_MODE: 'offline',
    RODIN_BASE_URL: 'http://127.0.0.1:9/api/v2',
    RODIN_API_KEY: 'unused',
  }
  await viteBuild(staticDir, baseEnv)
  await viteBuild(rodinDir, offlineEnv)
  const staticRuns = []
  const rodinRuns = []
  // Each round runs the two builds in an order drawn at random (seeded, so a run repeats): the machine has
  // periodic background work, and with a fixed static-then-rodin order it fell on the same app round after round
  // (two runs of this bench: every fourth build slow by ~0.3 s, and from the third such build on all were rodin
  // builds), which moved the ratio by 0.1.
  const coin = mulberry32(runs)
  const order = []
  for (let i = 0; i < runs; i++) {
    const staticFirst = coin() < 0.5
    order.push(staticFirst ? 'static-first' : 'rodin-first')
    for (const app of staticFirst ? ['static', 'rodin'] : ['rodin', 'static']) {
      if (app === 'static') staticRuns.push(await viteBuild(staticDir, baseEnv))
      else rodinRuns.push(await viteBuild(rodinDir, offlineEnv))
    }
  }
  const summary = (list, dir) => ({
    runs: list.map(r => Math.round(r.ms)),
    medianMs: median(list.map(r => r.ms)),
    // CPU time is far less sensitive than wall time to other load on the machine.
    medianCpuMs: list.every(r => r.cpuMs !== undefined) ? median(list.map(r => r.cpuMs)) : undefined,
    peakMB: Math.max(...list.map(r => r.peakMB)),
    dir,
  })
  const s = summary(staticRuns, staticDir)
  const r = summary(rodinRuns, rodinDir)
  // (e) The same app from an empty cache and a warm team store (S3 on loopback).
  const remote = await benchRemote({ rodinDir, warmCache: cacheDir, workDir, baseEnv, runs: Math.min(runs, 5) })
  return {
    n: assets.length,
    cold: { ms: cold.ms, peakMB: cold.peakMB, requests: cold.requests },
    static: { ...s, glbs: await countGlbs(staticDir) },
    rodin: { ...r, glbs: await countGlbs(rodinDir) },
    ratio: r.medianMs / s.medianMs,
    order,
    remote,
    ...(r.medianCpuMs && s.medianCpuMs ? { cpuRatio: r.medianCpuMs / s.medianCpuMs } : {}),
  }
}

export async function writeApp(dir, ids, header, pluginLine = '') {
  await mkdir(dir, { recursive: true })
  await linkNodeModules(dir)
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html>\n<html><body><script type="module" src="/main.js"></script></body></html>\n',
  )
  await writeFile(join(dir, 'main.js'), MAIN)
  await writeFile(
    join(dir, 'models.js'),
    `${ids.map((id, i) => `import m${i} from ${JSON.stringify(id)}`).join('\n')}\nexport default [${ids.map((_, i) => `m${i}`).join(', ')}]\n`,
  )
  await writeFile(
    join(dir, 'vite.config.mjs'),
    `${header}export default {\n  ${pluginLine}\n  logLevel: 'warn',\n  build: { chunkSizeWarningLimit: 4000, rolldownOptions: { checks: { pluginTimings: false } } },\n}\n`,
  )
}

// The app sees this repository as the installed package `unplugin-rodin` (and its dependencies next to it),
// as a user's project does: Vite then loads the plugin from node_modules instead of bundling its source
// into the config file, which would hoist lazily loaded modules (the network stack) into every build.
async function linkNodeModules(dir) {
  const target = join(dir, 'node_modules')
  await mkdir(target, { recursive: true })
  for (const name of await readdir(join(ROOT, 'node_modules'))) {
    if (name.startsWith('.')) continue
    await symlink(join(ROOT, 'node_modules', name), join(target, name), 'dir').catch(() => {})
  }
  await symlink(ROOT, join(target, 'unplugin-rodin'), 'dir').catch(() => {})
}

export async function viteBuild(dir, env, { timeoutMs } = {}) {
  const r = await run(process.execPath, [VITE, 'build'], { cwd: dir, env, timeoutMs })
  if (r.code !== 0)
    throw new Error(`bench: vite build in ${dir} failed (exit ${r.code}): ${(r.stderr || r.stdout).slice(-2000)}`)
  return r
}

async function countGlbs(dir) {
  return (await readdir(join(dir, 'dist/assets'))).filter(f => f.endsWith('.glb')).length
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
