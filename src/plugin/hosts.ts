import { readFile } from 'node:fs/promises'
import type { PluginBuild } from 'esbuild'
import type { Compiler as WebpackCompiler } from 'webpack'
import { errors } from '../catalogue/index.js'
import { OUT_FILE_RE } from '../store/store.js'
import { sha256Hex } from '../util/hash.js'
import { ID_RE, parseImportId, toResolvedId } from './ids.js'

/**
 * The sha256 of every file a generated module pointed the host at, for hosts whose file reads go through the
 * plugin (Rollup's `emitFile`, esbuild's `file` loader): those reads are re-verified, as any read feeding a bundle.
 */
export class ExpectedFiles {
  private readonly sha = new Map<string, string>()

  expect(file: string, sha256: string): void {
    this.sha.set(file, sha256)
  }

  async read(file: string): Promise<Uint8Array> {
    const expected = this.sha.get(file)
    const bytes = new Uint8Array(await readFile(file))
    if (!expected || sha256Hex(bytes) !== expected) {
      throw errors.E_INTEGRITY('hostFile', expected ? { file, expected } : { file })
    }
    return bytes
  }
}

interface RuleHost {
  options: {
    module: { rules: unknown[] }
    output: { assetModuleFilename?: unknown }
  }
}

/**
 * webpack and Rspack: the cache's files become `asset/resource` modules, so the host emits them under hashed
 * names and prefixes `output.publicPath`. The name follows the user's `output.assetModuleFilename` when set;
 * otherwise Vite's layout (`assets/<name>-<hash><ext>`) instead of the bare `[hash][ext]` default.
 */
export function addAssetRule(compiler: RuleHost, isOut: (file: string) => boolean): void {
  const custom = compiler.options.output.assetModuleFilename !== undefined
  compiler.options.module.rules.unshift({
    test: (file: string) => isOut(file),
    type: 'asset/resource',
    ...(custom ? {} : { generator: { filename: 'assets/[name]-[contenthash:8][ext]' } }),
  })
}

/**
 * webpack 5 takes `rodin:x` for a URI and fails with UnhandledSchemeError before any resolver plugin sees it.
 * Rewriting the request to the resolved id (no scheme) first lets unplugin's virtual-module resolution serve it.
 * Rspack passes such requests to plugins as they are.
 */
export function rewriteImportScheme(compiler: WebpackCompiler, name: string): void {
  compiler.hooks.normalModuleFactory.tap(name, factory => {
    factory.hooks.beforeResolve.tap(name, data => {
      if (!ID_RE.test(data.request)) return
      const req = parseImportId(data.request)
      if (req) data.request = toResolvedId(req)
    })
  })
}

/** esbuild: the cache's files go through the `file` loader (hashed names, `publicPath`), read back verified. */
export function addFileLoader(build: PluginBuild, isOut: (file: string) => boolean, files: ExpectedFiles): void {
  build.onLoad({ filter: OUT_FILE_RE }, async args => {
    if (!isOut(args.path)) return undefined
    return { contents: await files.read(args.path), loader: 'file' }
  })
}
