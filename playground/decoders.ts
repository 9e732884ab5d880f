import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { Plugin, ResolvedConfig } from 'vite'

const require = createRequire(import.meta.url)

/** Public path (under `base`) → file of the `three` package. The page never fetches a decoder from a CDN. */
const FILES: Record<string, { from: string; type: string }> = {
  'decoders/draco/draco_wasm_wrapper.js': {
    from: 'three/examples/jsm/libs/draco/gltf/draco_wasm_wrapper.js',
    type: 'text/javascript',
  },
  'decoders/draco/draco_decoder.wasm': {
    from: 'three/examples/jsm/libs/draco/gltf/draco_decoder.wasm',
    type: 'application/wasm',
  },
  'decoders/basis/basis_transcoder.js': {
    from: 'three/examples/jsm/libs/basis/basis_transcoder.js',
    type: 'text/javascript',
  },
  'decoders/basis/basis_transcoder.wasm': {
    from: 'three/examples/jsm/libs/basis/basis_transcoder.wasm',
    type: 'application/wasm',
  },
}

/**
 * Serves three.js's Draco decoder and Basis Universal transcoder from this site: from `node_modules` in dev,
 * emitted under `decoders/` in the build (so `vite preview` and any static host serve them too).
 * `DRACOLoader.setDecoderPath(base + 'decoders/draco/')` and `KTX2Loader.setTranscoderPath(base + 'decoders/basis/')`
 * find them. The meshopt decoder needs no file: it is bundled with the page.
 */
export function threeDecoders(): Plugin {
  let config: ResolvedConfig
  return {
    name: 'playground:three-decoders',
    configResolved(resolved) {
      config = resolved
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = new URL(req.url ?? '/', 'http://localhost').pathname
        const file = path.startsWith(config.base) ? FILES[path.slice(config.base.length)] : undefined
        if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) return next()
        readFile(require.resolve(file.from)).then(bytes => {
          res.setHeader('Content-Type', file.type)
          res.setHeader('Content-Length', bytes.byteLength)
          res.end(req.method === 'HEAD' ? undefined : bytes)
        }, next)
      })
    },
    async generateBundle() {
      for (const [fileName, { from }] of Object.entries(FILES)) {
        this.emitFile({ type: 'asset', fileName, source: await readFile(require.resolve(from)) })
      }
    },
  }
}
