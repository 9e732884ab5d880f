// Ambient module types for unplugin-rodin imports. Add `"types": ["unplugin-rodin/client"]` to tsconfig.json
// (or `/// <reference types="unplugin-rodin/client" />`).

type RodinAssetMeta = import('unplugin-rodin').RodinAssetMeta

declare module 'rodin:*' {
  /** Public URL of the emitted file (the optimized model, or the image). */
  const url: string
  export default url
  export { url }
  /** URL of the provider's preview image, or `null`. */
  export const preview: string | null
  export const meta: RodinAssetMeta
}

declare module 'modelslab:*' {
  const url: string
  export default url
  export { url }
  export const preview: string | null
  export const meta: RodinAssetMeta
}

declare module 'getty:*' {
  const url: string
  export default url
  export { url }
  export const preview: string | null
  export const meta: RodinAssetMeta
}
