import { readFile } from 'node:fs/promises'
import { basename, relative, resolve } from 'node:path'
import type { UnpluginBuildContext, UnpluginFactory } from 'unplugin'
import { errors } from '../catalogue/index.js'
import { resolveOptions } from '../options.js'
import type { RodinOptions } from '../options.js'
import { moduleData } from '../pipeline/module.js'
import type { ModuleData } from '../pipeline/module.js'
import { Pipeline } from '../pipeline/pipeline.js'
import { OUT_FILE_RE, Store } from '../store/store.js'
import { emittedUrls, fileImportUrls, generateModule, viteUrls } from './codegen.js'
import type { UrlImporter } from './codegen.js'
import {
  DECODER_FILE_RE,
  DECODER_ID_RE,
  DECODER_RESOLVED_RE,
  addDecoderFileLoader,
  decoderFiles,
  generateDecoderModule,
  keepDecodersAsShipped,
  parseDecoderId,
  resolveDecoderId,
} from './decoders.js'
import type { DecoderSet } from './decoders.js'
import { asNames, dtsPath, pinnedNames, renderDts, writeDts } from './dts.js'
import type { ModelNames } from './dts.js'
import { ExpectedFiles, addAssetRule, addFileLoader, rewriteImportScheme } from './hosts.js'
import { ID_RE, RESOLVED_RE, formatRequest, parseImportId, parseResolvedId, toResolvedId } from './ids.js'
import { createReporter } from '../pipeline/report.js'
import { createReloader, modulesFor } from './watch.js'

const PLUGIN_NAME = 'unplugin-rodin'
const HOOK_ID_RE = new RegExp(
  [ID_RE, RESOLVED_RE, OUT_FILE_RE, DECODER_ID_RE, DECODER_RESOLVED_RE, DECODER_FILE_RE].map(re => re.source).join('|'),
)
const LOAD_ID_RE = new RegExp(`${RESOLVED_RE.source}|${DECODER_RESOLVED_RE.source}`)
/** Runtime packages whose decoder imports only the plugin can serve: Vite must not pre-bundle them without it. */
const RUNTIME_ENTRIES = ['unplugin-rodin/three', 'unplugin-rodin/react']

/** The part of Rollup's context that unplugin's types leave out: `emitFile` returns the reference id. */
type EmitAsset = (file: { type: 'asset'; name: string; originalFileName: string; source: Uint8Array }) => string

export const unpluginFactory: UnpluginFactory<RodinOptions | undefined> = (userOptions = {}, { framework: host }) => {
  let root = process.cwd()
  let pipeline: Pipeline | undefined
  const reporter = createReporter(userOptions.logLevel ?? 'info')
  // Validate eagerly (config time, not mid-build); host hooks below re-resolve against the host's root.
  resolveOptions(userOptions, root)
  const expected = new ExpectedFiles()
  /** Node, material and animation names of the models this build emitted, by alias (for the declarations). */
  const names = new Map<string, ModelNames>()
  // Asset resolutions under way (they may be writing lock pins): see Pipeline.reload.
  const resolving = new Set<Promise<unknown>>()
  const isOut = (file: string) => getPipeline().store.isOutFile(file)
  const isAssetFile = (file: string) => isOut(file) || DECODER_FILE_RE.test(file)
  const reload = createReloader(async () => {
    const ids = await getPipeline().reload(() => Promise.allSettled([...resolving]))
    await updateDts()
    return ids
  })

  function getPipeline(): Pipeline {
    if (!pipeline) {
      pipeline = new Pipeline(resolveOptions(userOptions, root), reporter.logger, { memoize: true })
      pipeline.onAsset = reporter.asset
    }
    return pipeline
  }

  function setRoot(dir: string): void {
    if (dir !== root) {
      root = dir
      pipeline = undefined
    }
  }

  async function updateDts(): Promise<void> {
    const path = dtsPath(userOptions.dts, root)
    if (!path) return
    const p = getPipeline()
    const [manifest, lock] = await Promise.all([p.getManifest(), p.getLockfile()])
    const known = await pinnedNames(lock, key => p.store.readJson('derived', key))
    for (const [alias, n] of names) known.set(alias, n)
    await writeDts(path, renderDts(manifest, lock, root, known))
  }

  /** How this host turns the cache's files into public URLs (DESIGN §3 "Emitting files across bundlers"). */
  async function urlsFor(ctx: UnpluginBuildContext, data: ModuleData): Promise<UrlImporter> {
    if (host === 'vite') return viteUrls
    const files = new Map<string, string>()
    if (data.file) files.set(data.file, data.meta.sha256)
    if (data.preview) files.set(data.preview, data.record.files[data.record.preview!]!.sha256)
    for (const lod of data.lods ?? []) files.set(lod.file, lod.sha256)
    for (const [file, sha256] of files) expected.expect(file, sha256)
    if (host === 'rollup' || host === 'rolldown') {
      const rollup = ctx as unknown as { emitFile: EmitAsset }
      const refs = new Map<string, string>()
      for (const file of files.keys()) {
        refs.set(
          file,
          rollup.emitFile({
            type: 'asset',
            name: basename(file),
            originalFileName: file,
            source: await expected.read(file),
          }),
        )
      }
      return emittedUrls(refs)
    }
    return fileImportUrls
  }

  /** `unplugin-rodin/three/decoders/<set>`: the installed three's decoder files, emitted like the models. */
  async function decoderModule(ctx: UnpluginBuildContext, set: DecoderSet): Promise<string> {
    const files = decoderFiles(set, root)
    if (host === 'vite') return generateDecoderModule(files, viteUrls)
    if (host === 'rollup' || host === 'rolldown') {
      const rollup = ctx as unknown as { emitFile: EmitAsset }
      const refs = new Map<string, string>()
      for (const file of files) {
        const source = new Uint8Array(await readFile(file))
        refs.set(file, rollup.emitFile({ type: 'asset', name: basename(file), originalFileName: file, source }))
      }
      return generateDecoderModule(files, emittedUrls(refs))
    }
    return generateDecoderModule(files, fileImportUrls)
  }

  return {
    name: PLUGIN_NAME,
    enforce: 'pre',

    async buildStart() {
      const p = getPipeline()
      p.invalidate()
      reporter.reset()
      // esbuild has no watch files outside resolveId/load; there `load` adds them.
      if (host !== 'esbuild') {
        this.addWatchFile(p.options.manifestPath)
        if (p.options.lockfilePath) this.addWatchFile(p.options.lockfilePath)
      }
      // Before preflight: the declarations follow the manifest even when the build then stops on a missing pin.
      await updateDts()
      await p.preflight()
    },

    resolveId: {
      filter: { id: HOOK_ID_RE },
      handler(source) {
        // webpack: `rodin:` requests arrive already rewritten to their resolved id (see rewriteImportScheme).
        if (RESOLVED_RE.test(source)) return parseResolvedId(source) ? source : null
        if (DECODER_RESOLVED_RE.test(source)) return source
        const decoders = resolveDecoderId(source)
        if (decoders) return decoders
        if (DECODER_FILE_RE.test(source)) return host === 'vite' || host === 'esbuild' ? source : null
        // Vite and esbuild cannot resolve the cache's absolute paths from a virtual importer themselves;
        // webpack and Rspack can (and must, to apply the asset rule); Rollup never sees them.
        if (OUT_FILE_RE.test(source)) return (host === 'vite' || host === 'esbuild') && isOut(source) ? source : null
        const req = parseImportId(source)
        return req ? toResolvedId(req) : null
      },
    },

    load: {
      filter: { id: LOAD_ID_RE },
      async handler(id) {
        const set = parseDecoderId(id)
        if (set) return decoderModule(this, set)
        const req = parseResolvedId(id)
        if (!req) return null
        const p = getPipeline()
        // Watch mode rebuilds the generated module when either file changes. The Vite dev server instead
        // updates only the changed assets (hotUpdate below).
        if (host !== 'vite') {
          this.addWatchFile(p.options.manifestPath)
          if (p.options.lockfilePath) this.addWatchFile(p.options.lockfilePath)
        }
        const manifest = await p.getManifest()
        const entry = manifest.byId.get(req.id)
        if (!entry) {
          const rel = relative(root, manifest.path) || manifest.path
          const known = manifest.entries
            .map(e => e.alias)
            .slice(0, 10)
            .join(', ')
          throw errors.E_NOT_IN_MANIFEST('import', { source: formatRequest(req), manifest: rel, known })
        }
        const pending = p.asset(entry)
        resolving.add(pending)
        const record = await pending.finally(() => resolving.delete(pending))
        const data = await moduleData(p, record, req.variant)
        const modelNames = data.meta.kind === 'model' && req.variant.kind !== 'raw' ? asNames(data.meta) : undefined
        if (modelNames && req.variant.kind !== 'file') names.set(entry.alias, modelNames)
        return generateModule(data, await urlsFor(this, data))
      },
    },

    async buildEnd() {
      reporter.summary()
      // New lock pins make the declarations more precise (kinds, file names).
      await updateDts().catch(() => {})
      await pipeline?.close()
    },

    vite: {
      async config(config) {
        // The cache may live outside the project root (RODIN_CACHE_DIR): the dev server may read the named
        // copies that modules import (the store's out/ folder), never the rest of the cache (content blobs,
        // index records, other tools' files). Setting `allow` replaces Vite's default (the workspace root), so
        // that comes along unless the user set a list (which Vite then concatenates with ours).
        const at = resolve(config.root ?? root)
        const dir = new Store(resolveOptions(userOptions, at).cacheDir).outDir
        const allow = config.server?.fs?.allow ? [dir] : [(await import('vite')).searchForWorkspaceRoot(at), dir]
        return { server: { fs: { allow } }, optimizeDeps: { exclude: RUNTIME_ENTRIES } }
      },
      configResolved(config) {
        setRoot(config.root)
        // Without a logLevel of ours, Vite's decides: `logLevel: 'warn'` (or `--logLevel`) hides the per-asset
        // lines as it hides Vite's own, and they interleave with Vite's output.
        if (userOptions.logLevel === undefined) reporter.useSink(config.logger)
      },
      configureServer(server) {
        const { manifestPath, lockfilePath } = getPipeline().options
        server.watcher.add(lockfilePath ? [manifestPath, lockfilePath] : [manifestPath])
      },
      async hotUpdate({ file, timestamp }) {
        const { manifestPath, lockfilePath } = getPipeline().options
        if (resolve(file) !== manifestPath && resolve(file) !== lockfilePath) return
        let ids: Set<string>
        try {
          ids = await reload(resolve(file), timestamp)
        } catch (err) {
          if (this.environment.name === 'client')
            reporter.logger.warn(
              `${relative(root, file)} changed but cannot be used; keeping the previous assets. ${(err as Error).message}`,
            )
          return []
        }
        const mods = modulesFor(this.environment.moduleGraph.idToModuleMap, ids)
        if (mods.length > 0 && this.environment.name === 'client')
          reporter.logger.info(`${relative(root, file)} changed: updating ${[...ids].join(', ')}`)
        return mods
      },
    },

    rolldown: {
      options(options) {
        if (options.cwd) setRoot(resolve(options.cwd))
      },
    },

    webpack(compiler) {
      setRoot(compiler.options.context ?? process.cwd())
      addAssetRule(compiler, isAssetFile)
      keepDecodersAsShipped(compiler, PLUGIN_NAME)
      rewriteImportScheme(compiler, PLUGIN_NAME)
    },

    rspack(compiler) {
      setRoot(compiler.options.context ?? process.cwd())
      addAssetRule(compiler, isAssetFile)
      keepDecodersAsShipped(compiler as unknown as Parameters<typeof keepDecodersAsShipped>[0], PLUGIN_NAME)
    },

    esbuild: {
      setup(build) {
        setRoot(build.initialOptions.absWorkingDir ?? process.cwd())
        addFileLoader(build, isOut, expected)
        addDecoderFileLoader(build)
      },
    },
  }
}
