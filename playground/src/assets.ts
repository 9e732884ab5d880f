// Every asset of the manifest, imported the two ways users do: by alias and by task UUID.
import fox, { meta as foxMeta, placeholder as foxPlaceholder, preview as foxPreview } from 'rodin:fox'
import crate, { meta as crateMeta, placeholder as cratePlaceholder } from 'rodin:crate'
import bunny, { meta as bunnyMeta, placeholder as bunnyPlaceholder } from 'rodin:bunny'
import morph, { meta as morphMeta, placeholder as morphPlaceholder } from 'rodin:c9d3a6e4-2f8b-4e15-b7a9-6d0e4c2f8a44'
import barnlamp, { meta as barnlampMeta, placeholder as barnlampPlaceholder } from 'rodin:barnlamp'
import rodinLike, { meta as rodinLikeMeta, placeholder as rodinLikePlaceholder } from 'rodin:rodin-like'
import crateKtx2, { meta as crateKtx2Meta, placeholder as crateKtx2Placeholder } from 'rodin:crate-ktx2'
import statue, { meta as statueMeta, placeholder as statuePlaceholder } from 'modelslab:424242'
import type { RodinAssetMeta } from 'unplugin-rodin'

export interface PlaygroundAsset {
  url: string
  meta: RodinAssetMeta
  preview?: string | null
  /** Tiny data-URI image shown until the model has loaded. */
  placeholder: string | null
}

export const assets: PlaygroundAsset[] = [
  { url: fox, meta: foxMeta, placeholder: foxPlaceholder, preview: foxPreview },
  { url: crate, meta: crateMeta, placeholder: cratePlaceholder },
  { url: bunny, meta: bunnyMeta, placeholder: bunnyPlaceholder },
  { url: morph, meta: morphMeta, placeholder: morphPlaceholder },
  { url: barnlamp, meta: barnlampMeta, placeholder: barnlampPlaceholder },
  { url: rodinLike, meta: rodinLikeMeta, placeholder: rodinLikePlaceholder },
  { url: statue, meta: statueMeta, placeholder: statuePlaceholder },
  { url: crateKtx2, meta: crateKtx2Meta, placeholder: crateKtx2Placeholder },
]
