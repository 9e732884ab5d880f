import { writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/util/hash.js'
import { inDir, loadSnippet, runScript, useEmulatorEnv, writeEntry } from '../helpers/bundlers.js'
import { fixture } from '../helpers/env.js'
import { tempDir } from '../helpers/tmp.js'

const suite = useEmulatorEnv('rodin-dev-cache-')

interface DevServer {
  start: () => Promise<void>
  stop: () => Promise<void>
  server?: { address: () => AddressInfo | string | null } | undefined
}

/** The documented config served by the bundler's dev server on a free port, without HMR client or live reload. */
async function serve(
  bundler: 'webpack' | 'rspack',
  root: string,
): Promise<{ origin: string; stop: () => Promise<void> }> {
  const server = await inDir(root, async () => {
    const config = await loadSnippet(bundler)
    const options = {
      host: '127.0.0.1',
      port: 0,
      hot: false,
      liveReload: false,
      client: false,
      webSocketServer: false,
      static: false,
      setupExitSignals: false,
    }
    if (bundler === 'webpack') {
      const webpack = (await import('webpack')).default
      const { default: Server } = await import('webpack-dev-server')
      return new Server(options, webpack({ mode: 'development', devtool: false, ...config })) as unknown as DevServer
    }
    const { rspack } = await import('@rspack/core')
    const { RspackDevServer } = await import('@rspack/dev-server')
    return new RspackDevServer(
      options as never,
      rspack({ mode: 'development', devtool: false, ...config } as never),
    ) as unknown as DevServer
  })
  await server.start()
  const { port } = server.server!.address() as AddressInfo
  return { origin: `http://127.0.0.1:${port}`, stop: () => server.stop() }
}

async function get(url: string): Promise<Uint8Array> {
  const res = await fetch(url)
  expect(res.status, url).toBe(200)
  return new Uint8Array(await res.arrayBuffer())
}

describe('dev servers serve the models', () => {
  it.each(['webpack', 'rspack'] as const)(
    '%s dev server: the bundle names a GLB URL under publicPath that serves the optimized bytes',
    async bundler => {
      const root = await tempDir(`rodin-dev-${bundler}-`)
      await writeFile(join(root, 'assets.rodin.json'), JSON.stringify({ assets: { hero: suite.task.uuid } }))
      await writeEntry(root, 'hero')
      const { origin, stop } = await serve(bundler, root)
      try {
        const app = runScript(new TextDecoder().decode(await get(`${origin}/static/main.js`)))
        expect(app.url).toMatch(/^\/static\/assets\/hero-[0-9a-f]{12}-[\w-]{8}\.glb$/)
        const glb = await get(`${origin}${app.url}`)
        expect(sha256Hex(glb)).toBe(app.meta.sha256)
        expect(app.meta.sourceSha256).toBe(sha256Hex(suite.task.bytes))
        expect(app.meta.bytes).toBeLessThan(suite.task.bytes.byteLength)
        expect(sha256Hex(await get(`${origin}${app.raw}`))).toBe(sha256Hex(suite.task.bytes))
        expect(sha256Hex(await get(`${origin}${app.preview}`))).toBe(sha256Hex(await fixture('preview.webp')))
      } finally {
        await stop()
      }
    },
  )
})
