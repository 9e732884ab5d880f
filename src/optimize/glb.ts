import type { Document } from '@gltf-transform/core'
import { getIO } from './io.js'
import { badGlb, preflightGlb } from './preflight.js'

export { badGlb }

/**
 * Parses untrusted GLB bytes into a Document. The container, external `uri`s and every accessor's backing
 * bytes are checked first (see `preflightGlb`), so truncated, foreign or hostile files get a precise reason
 * before glTF-Transform sees them.
 * Throws {@link RodinError} `E_BAD_GLB` ("not a valid GLB: <reason>").
 */
export async function readGlb(bytes: Uint8Array): Promise<Document> {
  const view = alignedView(bytes)
  preflightGlb(view)
  const io = await getIO()
  try {
    return await io.readBinary(view)
  } catch (err) {
    throw badGlb(err instanceof Error ? err.message : String(err), err)
  }
}

// glTF-Transform reads the header through a Uint32Array, which needs a 4-byte aligned offset; a Buffer sliced
// out of Node's shared pool often is not.
function alignedView(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw badGlb(`expected bytes (Uint8Array), got ${typeof bytes}`)
  return bytes.byteOffset % 4 === 0 ? bytes : bytes.slice()
}
