import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, join } from 'node:path'
import type { PluginBuild } from 'esbuild'
import { errors } from '../catalogue/index.js'
import type { UrlImporter } from './codegen.js'

/**
 * Decoder files that `unplugin-rodin/three` loads at run time, by set, as paths inside the installed `three`
 * package. The meshopt decoder is not here: it is plain JavaScript (its WebAssembly inlined), bundled as a chunk.
 */
export const DECODER_SETS = {
  draco: ['examples/jsm/libs/draco/gltf/draco_wasm_wrapper.js', 'examples/jsm/libs/draco/gltf/draco_decoder.wasm'],
  basis: ['examples/jsm/libs/basis/basis_transcoder.js', 'examples/jsm/libs/basis/basis_transcoder.wasm'],
} as const

export type DecoderSet = keyof typeof DECODER_SETS

/** The ids the runtime imports (package exports with a no-plugin fallback, see src/three/no-plugin/). */
export const DECODER_ID_RE = /^unplugin-rodin\/three\/decoders\/(draco|basis)$/
const RESOLVED_PREFIX = '\0unplugin-rodin-decoders/'
export const DECODER_RESOLVED_RE = /^\0unplugin-rodin-decoders\/(draco|basis)\.js$/
/** One of the files above, wherever `three` is installed (the hosts' asset rules and loaders match on it). */
export const DECODER_FILE_RE =
  /[\\/]three[\\/]examples[\\/]jsm[\\/]libs[\\/](?:draco[\\/]gltf[\\/]draco_(?:wasm_wrapper\.js|decoder\.wasm)|basis[\\/]basis_transcoder\.(?:js|wasm))(?:\?.*)?$/

export function resolveDecoderId(source: string): string | null {
  const m = DECODER_ID_RE.exec(source)
  return m ? `${RESOLVED_PREFIX}${m[1]}.js` : null
}

export function parseDecoderId(id: string): DecoderSet | null {
  return (DECODER_RESOLVED_RE.exec(id)?.[1] as DecoderSet | undefined) ?? null
}

/** Absolute paths of a set's files in the `three` package the project at `root` installed. */
export function decoderFiles(set: DecoderSet, root: string): string[] {
  const require = createRequire(join(root, 'package.json'))
  return DECODER_SETS[set].map(file => {
    try {
      return require.resolve(`three/${file}`)
    } catch (err) {
      throw errors.E_CONFIG('threeMissing', { set, root, file, cause: err })
    }
  })
}

/**
 * The module behind `unplugin-rodin/three/decoders/<set>`: the public URL of each file, keyed by its file name,
 * through the host's own asset pipeline (the same one that emits the models).
 */
export function generateDecoderModule(files: readonly string[], urls: UrlImporter): string {
  const lines = files.map((file, i) => urls.imports(`__rodin_decoder${i}`, file)).filter(Boolean)
  const entries = files.map(
    (file, i) => `  ${JSON.stringify(basename(file))}: ${urls.expression(`__rodin_decoder${i}`, file)},`,
  )
  return [...lines, 'export default {', ...entries, '}', ''].join('\n')
}

/** esbuild: the decoder files go through the `file` loader (hashed names, `publicPath`), like the models. */
export function addDecoderFileLoader(build: PluginBuild): void {
  build.onLoad({ filter: DECODER_FILE_RE }, async args => ({
    contents: new Uint8Array(await readFile(args.path)),
    loader: 'file',
  }))
}

interface AssetsHost {
  webpack: { Compilation: { PROCESS_ASSETS_STAGE_ADDITIONAL: number } }
  hooks: { thisCompilation: { tap(name: string, fn: (compilation: AssetsCompilation) => void): void } }
}
interface AssetsCompilation {
  hooks: { processAssets: { tap(options: { name: string; stage: number }, fn: () => void): void } }
  getAssets(): readonly { name: string; source: unknown; info: { sourceFilename?: unknown } }[]
  updateAsset(name: string, source: never, info: { minimized: boolean }): void
}

/**
 * webpack and Rspack minify every emitted `.js` asset, decoder scripts included; those ship minified already
 * and are read as text by the loaders, so they are marked `minimized` and emitted byte for byte.
 */
export function keepDecodersAsShipped(compiler: AssetsHost, name: string): void {
  compiler.hooks.thisCompilation.tap(name, compilation => {
    const stage = compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL
    compilation.hooks.processAssets.tap({ name, stage }, () => {
      for (const asset of compilation.getAssets()) {
        const from = asset.info.sourceFilename
        if (typeof from === 'string' && DECODER_FILE_RE.test(`/${from}`))
          compilation.updateAsset(asset.name, asset.source as never, { minimized: true })
      }
    })
  })
}
