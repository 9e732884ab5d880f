// Every asset of the manifest, imported the two ways users do: by alias and by task UUID.
import * as barnlamp from 'rodin:barnlamp'
import * as bunny from 'rodin:bunny'
import * as morph from 'rodin:c9d3a6e4-2f8b-4e15-b7a9-6d0e4c2f8a44'
import * as crate from 'rodin:crate'
import * as crateKtx2 from 'rodin:crate-ktx2'
import * as fox from 'rodin:fox'
import * as lampKtx2 from 'rodin:lamp-ktx2'
import * as rodinLike from 'rodin:rodin-like'
import * as statue from 'modelslab:424242'

export const assets = [fox, crate, bunny, morph, barnlamp, lampKtx2, rodinLike, statue, crateKtx2]
