import { dirname, isAbsolute, join, relative } from 'node:path'
import type { UnpluginFactory } from 'unplugin'
import { RodinError } from '../errors.js'
import { resolveOptions } from '../options.js'
import type { RodinOptions } from '../options.js'
import { moduleData } from '../pipeline/module.js'
import { Pipeline } from '../pipeline/pipeline.js'
import { generateModule, viteUrls } from './codegen.js'
import { ID_RE, RESOLVED_RE, formatRequest, parseImportId, parseResolvedId, toResolvedId } from './ids.js'
import { createReporter } from './report.js'

export const PLUGIN_NAME = 'unplugin-rodin'
const OUT_FILE_RE = /[\\/]v1[\\/]out[\\/][^\\/?]+(?:\?.*)?$/
const ID_OR_OUT_FILE_RE = new RegExp(`${ID_RE.source}|${OUT_FILE_RE.source}`)

function isOutFile(pipeline: Pipeline, source: string): boolean {
  const path = source.replace(/\?.*$/, '')
  return isAbsolute(path) && dirname(path) === join(pipeline.store.root, 'out')
}

export const unpluginFactory: UnpluginFactory<RodinOptions | undefined> = (userOptions = {}) => {
  let root = process.cwd()
  let pipeline: Pipeline | undefined
  const reporter = createReporter(userOptions.logLevel ?? 'info')
  // Validate eagerly (config time, not mid-build); the Vite hook re-resolves against its root.
  resolveOptions(userOptions, root)

  function getPipeline(): Pipeline {
    if (!pipeline) {
      pipeline = new Pipeline(resolveOptions(userOptions, root), reporter.logger)
      pipeline.onAsset = reporter.asset
    }
    return pipeline
  }

  return {
    name: PLUGIN_NAME,
    enforce: 'pre',

    async buildStart() {
      const p = getPipeline()
      p.invalidate()
      reporter.reset()
      this.addWatchFile(p.options.manifestPath)
      await p.preflight()
    },

    resolveId: {
      filter: { id: ID_OR_OUT_FILE_RE },
      handler(source) {
        // Generated modules import the cache's named copies by absolute path; hosts cannot resolve absolute
        // paths from a virtual importer themselves.
        if (OUT_FILE_RE.test(source)) return isOutFile(getPipeline(), source) ? source : null
        const req = parseImportId(source)
        return req ? toResolvedId(req) : null
      },
    },

    load: {
      filter: { id: RESOLVED_RE },
      async handler(id) {
        const req = parseResolvedId(id)
        if (!req) return null
        const p = getPipeline()
        const manifest = await p.getManifest()
        const entry = manifest.byId.get(req.id)
        if (!entry) {
          const rel = relative(root, manifest.path) || manifest.path
          throw new RodinError('E_NOT_IN_MANIFEST', `import "${formatRequest(req)}" is not in ${rel}. Add it under "assets", e.g. "my-model": "<rodin task uuid>", then import "rodin:my-model". Known: ${manifest.entries.map(e => e.alias).slice(0, 10).join(', ') || 'none'}.`)
        }
        const record = await p.asset(entry)
        const data = await moduleData(p, record, req.variant)
        return generateModule(data, viteUrls)
      },
    },

    async buildEnd() {
      reporter.summary()
      await pipeline?.close()
    },

    vite: {
      config(config) {
        // The cache may live outside the project root (RODIN_CACHE_DIR); let the dev server read it.
        const dir = resolveOptions(userOptions, config.root ?? root).cacheDir
        return { server: { fs: { allow: [...(config.server?.fs?.allow ?? []), dir] } } }
      },
      configResolved(config) {
        if (config.root !== root) {
          root = config.root
          pipeline = undefined
        }
      },
    },
  }
}
