import { createUnplugin } from 'unplugin'
import { unpluginFactory } from './plugin/factory.js'

export const unplugin = /* #__PURE__ */ createUnplugin(unpluginFactory)
export default unplugin
export { unpluginFactory }
export { RodinError, isRodinError } from './errors.js'
export type { RodinErrorCode, RodinErrorDetails } from './errors.js'
export type {
  RodinOptions,
  Mode,
  RodinProviderOptions,
  ModelslabProviderOptions,
  GettyProviderOptions,
} from './options.js'
export type { OptimizeOptions, OptimizePreset } from './optimize/options.js'
export type { WaitOptions } from './providers/index.js'
export type { HttpOptions } from './http/options.js'
export type { RemoteOptions } from './store/remote-options.js'
export type {
  RodinAssetMeta,
  RodinModelMeta,
  RodinModelMetaOf,
  RodinImageMeta,
  RodinFileMeta,
  ModelStats,
  ImageStats,
  DecoderNeeds,
} from './meta.js'
