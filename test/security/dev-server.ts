import type { ViteDevServer } from 'vite'
import { onTestFinished } from 'vitest'
import rodin from '../../src/vite.js'
import { emulator, FAST_HTTP, glbTask, project } from '../helpers/env.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * A Vite dev server (mode auto) on 127.0.0.1, port 0, whose manifest holds one asset "m" (the fox), with the
 * cache outside the project root (as with RODIN_CACHE_DIR). `get(path)` fetches from it.
 */
export async function devServer() {
  const emu = await emulator({ assets: [] })
  const fox = await glbTask(emu, 'khr_fox.glb')
  const p = await project(emu, { m: fox.uuid })
  const cacheDir = await tempDir('rodin-dev-cache-')
  const { createServer } = await import('vite')
  const server: ViteDevServer = await createServer({
    root: p.root,
    configFile: false,
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0 },
    optimizeDeps: { noDiscovery: true, include: [] },
    plugins: [rodin({ ...p.options, mode: 'auto', cacheDir, http: FAST_HTTP, logLevel: 'silent' })],
  })
  onTestFinished(() => server.close())
  await server.listen()
  const base = server.resolvedUrls!.local[0]!.replace(/\/$/, '')
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`)
    return { status: res.status, body: await res.text() }
  }
  return { p, cacheDir, server, get }
}
