import type { AssetEntry } from '../manifest/manifest.js'
import type { ProviderName } from '../meta.js'
import { gettySpec } from './getty.js'
import { modelslabSpec } from './modelslab.js'
import { rodinSpec } from './rodin.js'
import type { ProviderSpec } from './types.js'

/**
 * The registry: the only module outside `providers/` imports. A provider is one module that exports its
 * {@link ProviderSpec} and one line here; options, the network layer and the CLI loop over this list.
 */
export const PROVIDERS: readonly ProviderSpec[] = [rodinSpec, modelslabSpec, gettySpec]

/** The spec of a provider, or `undefined` for a name this version does not know. */
export function providerSpec(name: ProviderName): ProviderSpec | undefined {
  return PROVIDERS.find(p => p.name === name)
}

/** The cache's key for the task record of an entry. */
export function taskKey(entry: AssetEntry): string {
  return providerSpec(entry.provider)?.taskKey?.(entry) ?? `${entry.provider}-${entry.task}`
}

/** Paid Rodin generation (`rodin-assets generate`, `balance`); loaded by those commands only (it brings undici). */
export const loadGeneration = () => import('./rodin-generate.js')

export { WAIT_DEFAULTS, realSleep } from './types.js'
export type {
  ConnectContext,
  Provider,
  ProviderConf,
  ProviderContext,
  ProviderFile,
  ProviderSpec,
  WaitOptions,
} from './types.js'
export type { CreatedTask, GenerationParts } from './rodin-generate.js'
