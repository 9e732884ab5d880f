import { configuredFiles, errors } from '../catalogue/index.js'
import { isRodinError } from '../errors.js'
import type { Readable } from 'node:stream'
import type { ApiClient, FileHostPolicy, HttpOptions, RequestContext } from '../http/index.js'
import { isLoopbackHost } from '../http/url-policy.js'
import type { AssetEntry } from '../manifest/manifest.js'
import type { ProviderName } from '../meta.js'
import type { ResolvedOptions } from '../options.js'
import { declaredKind } from './file-kind.js'
import { providerSpec, realSleep } from '../providers/index.js'
import type { Provider, ProviderContext, ProviderFile, WaitOptions } from '../providers/index.js'

/**
 * Everything that touches the network, loaded on the first cache miss only: a warm build never imports
 * undici, and provider modules import no http code (and `offline` mode never gets here at all).
 */
export interface Net {
  listFiles: (entry: AssetEntry, wait?: Partial<WaitOptions>) => Promise<ProviderFile[]>
  refreshFiles: (entry: AssetEntry) => Promise<ProviderFile[]>
  /** Streams one file into `sink` (called again on a retry); `signal` cancels it with the asset's siblings. */
  download: <T>(
    entry: AssetEntry,
    file: ProviderFile,
    sink: (body: Readable) => Promise<T>,
    signal?: AbortSignal,
  ) => Promise<T>
  close: () => Promise<void>
}

export async function createNet(options: ResolvedOptions, warn: (message: string) => void): Promise<Net> {
  const http = await import('../http/index.js')
  const clients = new Map<ProviderName, ApiClient>()
  const providers = new Map<ProviderName, Provider>()

  async function setup(
    entry: AssetEntry,
    wait?: Partial<WaitOptions>,
  ): Promise<{ provider: Provider; pc: ProviderContext }> {
    const name = entry.provider
    const ctx: RequestContext = { asset: entry.alias, provider: name, task: entry.task }
    let client = clients.get(name)
    let provider = providers.get(name)
    if (!client || !provider) {
      ;({ client, provider } = await loadProvider(name, options, http, entry))
      clients.set(name, client)
      providers.set(name, provider)
    }
    return {
      provider,
      pc: {
        api: client,
        wait: { ...options.wait, ...wait },
        ctx,
        manifest: configuredFiles(options).manifest,
        sleep: realSleep,
        now: Date.now,
        warn,
      },
    }
  }

  return {
    async listFiles(entry, wait) {
      const { provider, pc } = await setup(entry, wait)
      return provider.listFiles(entry, pc)
    },
    async refreshFiles(entry) {
      const { provider, pc } = await setup(entry)
      return (provider.refreshFiles ?? provider.listFiles)(entry, pc)
    },
    async download(entry, file, sink, signal) {
      const ctx = { asset: entry.alias, provider: entry.provider, task: entry.task, file: file.name }
      const { value } = await http.download(
        file.url,
        {
          http: options.http,
          ctx,
          policy: fileHostPolicy(options, entry.provider),
          maxBytes: fileCap(options.http, file.name),
          signal,
        },
        sink,
      )
      return value
    },
    async close() {
      await Promise.all([...clients.values()].map(c => c.close()))
    },
  }
}

async function loadProvider(
  name: ProviderName,
  options: ResolvedOptions,
  http: typeof import('../http/index.js'),
  entry: AssetEntry,
): Promise<{ client: ApiClient; provider: Provider }> {
  const spec = providerSpec(name)
  if (!spec) throw errors.E_CONFIG('providerUnsupported', { asset: entry.alias, provider: name })
  const conf = options.providers[name]
  if (!conf.apiKey) {
    const who = { asset: entry.alias, provider: name, task: entry.task }
    throw errors.E_AUTH('noKey', { ...who, env: spec.credentials, cacheDir: options.cacheDir })
  }
  return spec.connect(conf, { http, options: options.http, entry, cacheDir: options.cacheDir })
}

/** Loopback file hosts are the local emulator's, allowed only when the provider itself is configured there. */
function fileHostPolicy(options: ResolvedOptions, name: ProviderName): FileHostPolicy {
  const { baseURL } = options.providers[name]
  let allowLoopback = false
  try {
    allowLoopback = isLoopbackHost(new URL(baseURL).hostname)
  } catch {
    // an invalid base URL already failed option validation
  }
  return { allowLoopback }
}

/** Images and other non-model files are small; a smaller default cap bounds what a hostile host can send. */
export const NON_MODEL_MAX_BYTES = 64 * 1024 ** 2

function fileCap(http: HttpOptions, name: string): number | undefined {
  if (http.maxBytes !== undefined || declaredKind(name) === 'model') return undefined // http.maxBytes (set or default)
  return NON_MODEL_MAX_BYTES
}

/** True for the errors a signed file URL gives when it expired. */
export function isExpiredURL(err: unknown): boolean {
  return isRodinError(err, 'E_HTTP') && (err.details.status === 403 || err.details.status === 410)
}
