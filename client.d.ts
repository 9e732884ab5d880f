// Ambient module types for unplugin-rodin imports. Add `"types": ["unplugin-rodin/client"]` to tsconfig.json
// (or `/// <reference types="unplugin-rodin/client" />`).
//
// These accept ANY id of the right shape. To have `tsc` reject ids that are not in the manifest, set the plugin's
// `dts` option and include the generated `rodin-env.d.ts` INSTEAD of this file (both together would let the
// wildcards below accept a misspelled id).
//
// Order matters: when several patterns match an id, TypeScript takes the first of those with the longest prefix
// before `*`, so the `?meta` forms must come before the catch-alls.

/** `rodin:<x>?meta`: metadata only, no file emitted. The default export is the meta object. */
declare module 'rodin:*?meta' {
  const meta: import('unplugin-rodin').RodinAssetMeta
  export default meta
  export { meta }
}

declare module 'modelslab:*?meta' {
  const meta: import('unplugin-rodin').RodinAssetMeta
  export default meta
  export { meta }
}

declare module 'getty:*?meta' {
  const meta: import('unplugin-rodin').RodinAssetMeta
  export default meta
  export { meta }
}

/** `rodin:<alias|task uuid>`, also with `?raw` (the original file) or `/<file-name>` (one file of the task). */
declare module 'rodin:*' {
  /** Public URL of the emitted file (the optimized model, or the image), with the host's base / public path. */
  const url: string
  export default url
  export { url }
  /** URL of the provider's preview image, or `null` (always `null` for `/<file-name>` imports). */
  export const preview: string | null
  /**
   * A ≤ 1 kB WebP `data:` URI to show while the asset loads: the preview scaled down (a model without one gets its
   * dominant base colour; an image gets itself), or `null` for other files.
   */
  export const placeholder: string | null
  /**
   * Levels of detail of a model, most detailed first: level 0 is `url` itself, the others come from
   * `optimize.lods`. `error` is the simplifier's, relative to the model's size. Empty for images and files.
   */
  export const lods: { url: string; triangles: number; error: number }[]
  /** Facts about the emitted file: narrow on `meta.kind` ('model' | 'image' | 'file') for its own fields. */
  export const meta: import('unplugin-rodin').RodinAssetMeta
}

/** `modelslab:<id>`, also with `?raw` or `/<file-name>`. */
declare module 'modelslab:*' {
  const url: string
  export default url
  export { url }
  export const preview: string | null
  export const placeholder: string | null
  export const lods: { url: string; triangles: number; error: number }[]
  export const meta: import('unplugin-rodin').RodinAssetMeta
}

/** `getty:<generationRequestId>/<index>`, also with `?raw`. */
declare module 'getty:*' {
  const url: string
  export default url
  export { url }
  export const preview: string | null
  export const placeholder: string | null
  export const lods: { url: string; triangles: number; error: number }[]
  export const meta: import('unplugin-rodin').RodinAssetMeta
}
