// Every asset of the manifest, imported the two ways users do: by alias and by task UUID.
import fox, { meta as foxMeta, preview as foxPreview } from 'rodin:fox'
import crate, { meta as crateMeta } from 'rodin:crate'
import bunny, { meta as bunnyMeta } from 'rodin:bunny'
import morph, { meta as morphMeta } from 'rodin:c9d3a6e4-2f8b-4e15-b7a9-6d0e4c2f8a44'
import barnlamp, { meta as barnlampMeta } from 'rodin:barnlamp'
import rodinLike, { meta as rodinLikeMeta } from 'rodin:rodin-like'
import statue, { meta as statueMeta } from 'modelslab:424242'
import type { RodinAssetMeta } from 'unplugin-rodin'

export interface PlaygroundAsset {
  url: string
  meta: RodinAssetMeta
  preview?: string | null
}

export const assets: PlaygroundAsset[] = [
  { url: fox, meta: foxMeta, preview: foxPreview },
  { url: crate, meta: crateMeta },
  { url: bunny, meta: bunnyMeta },
  { url: morph, meta: morphMeta },
  { url: barnlamp, meta: barnlampMeta },
  { url: rodinLike, meta: rodinLikeMeta },
  { url: statue, meta: statueMeta },
]
