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
