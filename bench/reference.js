// The reference a model's renders are compared with: the original file, except that images a browser
// cannot decode at all are made decodable without changing a texel. Some real files carry plain (not Basis)
// KTX2 images without declaring KHR_texture_basisu (the barn lamp fixture); three.js then drops those
// textures, so the original "as shown" is not what its author made. The optimizer's own repair
// (dist/optimize/ktx2.js: decode to lossless PNG) gives the intended look; any output that still carries
// the broken images is compared against that look, and the report says so.
import { getIO } from '../dist/optimize/io.js'
import { repairUndeclaredKtx2 } from '../dist/optimize/ktx2.js'

/** `{ bytes, repaired }`: the bytes to render as the original, and whether they differ from the file. */
export async function referenceModel(bytes) {
  const io = await getIO()
  const doc = await io.readBinary(bytes)
  const before = doc
    .getRoot()
    .listTextures()
    .map(t => t.getMimeType())
    .join()
  await repairUndeclaredKtx2(doc)
  const after = doc
    .getRoot()
    .listTextures()
    .map(t => t.getMimeType())
    .join()
  if (before === after) return { bytes, repaired: false }
  return { bytes: await io.writeBinary(doc), repaired: true }
}
