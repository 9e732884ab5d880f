import type { ApiClient, RequestContext } from '../http/index.js'
import type { AssetEntry } from '../manifest/manifest.js'

/** A result file as the provider lists it. `url` is short-lived for some providers (Rodin: ~10 min). */
export interface ProviderFile {
  name: string
  url: string
}

export interface WaitOptions {
  /**
   * How long a build waits for an unfinished task before failing with `E_TASK_PENDING`.
   * @default 120_000
   */
  timeoutMs?: number
  /**
   * Pause between status polls.
   * @default 3_000
   */
  intervalMs?: number
}

export const WAIT_DEFAULTS: Required<WaitOptions> = { timeoutMs: 120_000, intervalMs: 3_000 }

export interface ProviderContext {
  api: ApiClient
  wait: Required<WaitOptions>
  ctx: RequestContext
  /** The configured manifest, as messages name it (e.g. `assets.rodin.json`). */
  manifest?: string
  /** Injected so tests do not sleep for real. */
  sleep: (ms: number) => Promise<void>
  now: () => number
  warn: (message: string) => void
}

/** A provider answers one question: "which files does this finished task have, and where?" */
export interface Provider {
  /** Waits (within `wait`) until the task is finished and returns its files. */
  listFiles: (entry: AssetEntry, pc: ProviderContext) => Promise<ProviderFile[]>
  /** Fresh URLs for the same files after a signed URL expired (403/410). */
  refreshFiles?: (entry: AssetEntry, pc: ProviderContext) => Promise<ProviderFile[]>
}

export function realSleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** One field of `providers.<name>` in the options: where its value comes from when the option is not given. */
export interface ProviderSetting {
  /** Environment variables, in order; the first non-empty one wins. */
  env: readonly string[]
  /** Used when neither the option nor a variable sets it. */
  default?: string
  /** An API URL: must be https (http on loopback only); a trailing slash is dropped. */
  url?: boolean
  /** A credential: redacted from every message once known. */
  secret?: boolean
}

/** The resolved `providers.<name>` options: every setting, `baseURL` always set. */
export type ProviderConf = Readonly<Record<string, string | undefined>> & { readonly baseURL: string }

/** What a provider's clients are built from (the http layer is loaded on the first cache miss only). */
export interface ConnectContext {
  http: typeof import('../http/index.js')
  /** `http` option of the plugin. */
  options: import('../http/index.js').HttpOptions
  /** The asset that needs the provider first; for messages. */
  entry: AssetEntry
  /** `cacheDir`, for messages that offer restoring the cache instead. */
  cacheDir: string
}

/**
 * Everything the rest of the code knows about a provider, declared by the provider's own module and listed in
 * `providers/index.ts`: options and environment (`options.ts` loops over these), how to tell the user about
 * credentials, and how to build its API client and file listing (`pipeline/net.ts`).
 */
export interface ProviderSpec {
  name: import('../meta.js').ProviderName
  /** The fields of `providers.<name>`, resolved in this order. */
  settings: Readonly<Record<string, ProviderSetting>> & { baseURL: ProviderSetting }
  /** Where the credentials come from, for "no key is set" messages: `RODIN_API_KEY (or providers.rodin.apiKey)`. */
  credentials: string
  /** What to tell the user when the API rejects the credentials (401/403). */
  authHint: string
  /**
   * Set when `rodin-assets status` must not ask for the task's state because asking is not a plain read (Getty:
   * it starts a download, which may be billed); the status column then says `not checked (<this>)`.
   */
  statusUnchecked?: string
  /** The cache's key for the task record of an entry. @default `<provider>-<task>` */
  taskKey?: (entry: AssetEntry) => string
  /**
   * Builds the API client(s) and the file listing, once per pipeline, after the API key was found set. Throws
   * `E_AUTH` when other credentials the provider needs are missing.
   */
  connect: (conf: ProviderConf, cx: ConnectContext) => Promise<{ client: ApiClient; provider: Provider }>
}
