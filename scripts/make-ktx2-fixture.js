// Writes fixtures/khr_barnlamp_ktx2.glb: the barn lamp (fixtures/khr_anisotropy_barnlamp.glb) with its textures
// repaired (its KTX2 images lack KHR_texture_basisu, see src/optimize/ktx2.ts), scaled to 512 px and encoded as
// Basis Universal ETC1S KTX2 under KHR_texture_basisu: a real-world model that needs the KTX2 transcoder in the
// page. Run once after `npm run build`; the output is committed (it needs ktx2-encoder, a dependency of the package).
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { KHRTextureBasisu } from '@gltf-transform/extensions'
import { encodeToKTX2 } from 'ktx2-encoder'
import sharp from 'sharp'
import { readGlb } from '../dist/optimize/glb.js'
import { getIO } from '../dist/optimize/io.js'
import { repairUndeclaredKtx2 } from '../dist/optimize/ktx2.js'

const SIZE = 512
const from = fileURLToPath(new URL('../fixtures/khr_anisotropy_barnlamp.glb', import.meta.url))
const to = fileURLToPath(new URL('../fixtures/khr_barnlamp_ktx2.glb', import.meta.url))

const doc = await readGlb(new Uint8Array(await readFile(from)))
await repairUndeclaredKtx2(doc)
const decode = async bytes => {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return { width: info.width, height: info.height, data: new Uint8Array(data) }
}
for (const texture of doc.getRoot().listTextures()) {
  const png = await sharp(texture.getImage())
    .resize(SIZE, SIZE, { fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer()
  const ktx2 = await encodeToKTX2(new Uint8Array(png), { isUASTC: false, generateMipmap: true, imageDecoder: decode })
  texture.setImage(ktx2).setMimeType('image/ktx2')
  const uri = texture.getURI()
  if (uri) texture.setURI(uri.replace(/\.[a-z0-9]+$/i, '.ktx2'))
}
doc.createExtension(KHRTextureBasisu).setRequired(true)
const out = await (await getIO()).writeBinary(doc)
await writeFile(to, out)
console.log(`${to}: ${out.byteLength} bytes, ${doc.getRoot().listTextures().length} KTX2 textures`)
