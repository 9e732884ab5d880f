import { isAbsolute, resolve } from 'node:path'
import { errors } from './catalogue/index.js'
import type { RodinError } from './errors.js'
import { assertSafeURL } from './http/url-policy.js'
import { resolveHttpOptions } from './http/options.js'
import type { HttpOptions } from './http/options.js'
import type { OptimizeOptions, OptimizePreset } from './optimize/options.js'
import { PROVIDERS, WAIT_DEFAULTS } from './providers/index.js'
import type { ProviderConf, WaitOptions } from './providers/index.js'
import { registerSecret } from './redact.js'
import { resolveRemote } from './store/remote-options.js'
import type { RemoteOptions, ResolvedRemote } from './store/remote-options.js'

export type Mode = 'auto' | 'frozen' | 'offline'
const MODES: readonly Mode[] = ['auto', 'frozen', 'offline']

export interface RodinProviderOptions {
  /** API key. @default process.env.RODIN_API_KEY ?? process.env.HYPER3D_API_KEY */
  apiKey?: string
  /** @default process.env.RODIN_BASE_URL ?? 'https://api.hyper3d.com/api/v2' */
  baseURL?: string
}

export interface ModelslabProviderOptions {
  /** @default process.env.MODELSLAB_API_KEY */
  apiKey?: string
  /** @default process.env.MODELSLAB_BASE_URL ?? 'https://modelslab.com/api/v6' */
  baseURL?: string
}

export interface GettyProviderOptions {
  /** @default process.env.GETTY_API_KEY */
  apiKey?: string
  /** @default process.env.GETTY_CLIENT_ID */
  clientId?: string
  /** @default process.env.GETTY_CLIENT_SECRET */
  clientSecret?: string
  /** @default process.env.GETTY_BASE_URL ?? 'https://api.gettyimages.com' */
  baseURL?: string
  /** @default process.env.GETTY_TOKEN_URL ?? 'https://authentication.gettyimages.com/oauth2/token' */
  tokenURL?: string
}

/** Options of the plugin and the CLI. Every field is optional. */
export interface RodinOptions {
  /** Manifest path, relative to the project root. @default 'assets.rodin.json' */
  manifest?: string
  /** Lockfile path, or `false` to neither read nor write one. @default 'assets.rodin.lock.json' */
  lockfile?: string | false
  /** Cache directory. @default process.env.RODIN_CACHE_DIR ?? 'node_modules/.cache/unplugin-rodin' */
  cacheDir?: string
  /** @default process.env.RODIN_MODE ?? (process.env.CI ? 'frozen' : 'auto') */
  mode?: Mode
  /** Project-wide optimization; the manifest's `optimize` and each entry's override it. @default 'web' */
  optimize?: OptimizePreset | OptimizeOptions | false
  /** Parallel downloads. @default 4 */
  concurrency?: number
  /** Waiting for unfinished tasks. @default { timeoutMs: 120_000, intervalMs: 3_000 } */
  wait?: WaitOptions
  providers?: {
    rodin?: RodinProviderOptions
    modelslab?: ModelslabProviderOptions
    getty?: GettyProviderOptions
  }
  /** Timeouts, retries and size caps of every request. */
  http?: HttpOptions
  /**
   * `'silent'` hides the per-asset lines; `'debug'` adds, per optimized model, what each optimizer step did
   * (triangles before and after, each texture's size, format and bytes, bytes in and out). Unset in Vite, the
   * lines go through Vite's logger, so Vite's `logLevel` decides. @default 'info'
   */
  logLevel?: 'debug' | 'info' | 'silent'
  /**
   * Write a declaration file for exactly the manifest's import ids, so a misspelled id fails `tsc`. `true` writes
   * `rodin-env.d.ts` in the project root; a string is the path (relative to the root). Include that file in
   * tsconfig.json instead of `unplugin-rodin/client`. @default false
   */
  dts?: boolean | string
  /**
   * Team asset store shared by every machine: `s3://<bucket>[/<prefix>]`, `file:///<dir>` or an absolute path, or
   * the object form; `false` turns it off. See the README's "Team store". @default process.env.RODIN_REMOTE
   */
  remote?: string | RemoteOptions | false
}

export const OPTIONS_DEFAULTS = {
  manifest: 'assets.rodin.json',
  lockfile: 'assets.rodin.lock.json',
  cacheDir: 'node_modules/.cache/unplugin-rodin',
  concurrency: 4,
  optimize: 'web',
} as const

export interface ResolvedOptions {
  root: string
  manifestPath: string
  lockfilePath: string | null
  cacheDir: string
  mode: Mode
  /** `CI` is set (and not "false"/"0"): budgets fail the build in any mode. */
  ci: boolean
  optimize: RodinOptions['optimize']
  concurrency: number
  wait: Required<WaitOptions>
  http: HttpOptions
  logLevel: 'debug' | 'info' | 'silent'
  remote: ResolvedRemote | null
  providers: {
    rodin: { apiKey?: string; baseURL: string }
    modelslab: { apiKey?: string; baseURL: string }
    getty: { apiKey?: string; clientId?: string; clientSecret?: string; baseURL: string; tokenURL: string }
  }
}

const KNOWN_KEYS = new Set([
  'manifest',
  'lockfile',
  'cacheDir',
  'mode',
  'optimize',
  'concurrency',
  'wait',
  'providers',
  'http',
  'logLevel',
  'dts',
  'remote',
])

/** Normalizes options against `root` and the environment. Throws `E_CONFIG` with the fix on bad input. */
export function resolveOptions(
  user: RodinOptions = {},
  root: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): ResolvedOptions {
  for (const key of Object.keys(user)) {
    if (!KNOWN_KEYS.has(key)) throw config(`unknown option "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`)
  }
  if (user.dts !== undefined && typeof user.dts !== 'boolean' && (typeof user.dts !== 'string' || user.dts === '')) {
    throw config(`dts must be true, false or a file path (got ${JSON.stringify(user.dts)})`)
  }
  const ci = !!env.CI && env.CI !== 'false' && env.CI !== '0'
  const mode = user.mode ?? (env.RODIN_MODE || undefined) ?? (ci ? 'frozen' : 'auto')
  if (!MODES.includes(mode as Mode))
    throw config(
      `mode must be one of ${MODES.join(', ')} (got ${JSON.stringify(mode)}; check the "mode" option or RODIN_MODE)`,
    )
  const concurrency = user.concurrency ?? OPTIONS_DEFAULTS.concurrency
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw config(`concurrency must be an integer from 1 to 64 (got ${concurrency})`)
  const wait = { ...WAIT_DEFAULTS, ...stripUndefined(user.wait ?? {}) }
  for (const [k, v] of Object.entries(wait)) {
    if (!Number.isFinite(v) || v < 0) throw config(`wait.${k} must be a number of milliseconds ≥ 0 (got ${v})`)
  }
  resolveHttpOptions(user.http) // eager: a typo fails at start-up, not at the first download
  const providers = resolveProviders(user.providers ?? {}, env)
  const at = (path: string) => (isAbsolute(path) ? path : resolve(root, path))
  return {
    root,
    manifestPath: at(user.manifest ?? OPTIONS_DEFAULTS.manifest),
    lockfilePath: user.lockfile === false ? null : at(user.lockfile ?? OPTIONS_DEFAULTS.lockfile),
    cacheDir: at(user.cacheDir ?? (env.RODIN_CACHE_DIR || OPTIONS_DEFAULTS.cacheDir)),
    mode: mode as Mode,
    ci,
    optimize: user.optimize,
    concurrency,
    wait,
    http: user.http ?? {},
    logLevel: user.logLevel ?? 'info',
    remote: resolveRemote(user.remote, env),
    providers,
  }
}

/** `providers.<name>` of every registered provider: the option, else its environment variables, else its default. */
function resolveProviders(given: NonNullable<RodinOptions['providers']>, env: NodeJS.ProcessEnv) {
  const out: Record<string, ProviderConf> = {}
  const secrets: (string | undefined)[] = []
  for (const spec of PROVIDERS) {
    const user = (given as Record<string, Record<string, string | undefined> | undefined>)[spec.name] ?? {}
    const conf: Record<string, string | undefined> = {}
    for (const [key, setting] of Object.entries(spec.settings)) {
      let value = user[key] ?? (setting.env.map(name => env[name]).find(Boolean) || setting.default)
      if (setting.url) value = checkedURL(value!, `providers.${spec.name}.${key} (${setting.env[0]})`)
      if (setting.secret) secrets.push(value)
      conf[key] = value
    }
    out[spec.name] = conf as ProviderConf
  }
  for (const s of secrets) registerSecret(s)
  return out as unknown as ResolvedOptions['providers']
}

function checkedURL(url: string, what: string): string {
  try {
    return assertSafeURL(url, { what }).href.replace(/\/+$/, '')
  } catch (err) {
    throw config(`${what}: ${(err as Error).message.replace(/^\[unplugin-rodin\] \w+: /, '')}`, err)
  }
}

function config(message: string, cause?: unknown): RodinError {
  return errors.E_CONFIG('option', { problem: message, cause })
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
