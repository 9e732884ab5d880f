import type { Document } from '@gltf-transform/core'
import { RodinError } from '../errors.js'
import { getIO } from './io.js'

const MAGIC_GLTF = 0x46546c67 // 'glTF'
const CHUNK_JSON = 0x4e4f534a // 'JSON'
const HEADER_BYTES = 12
const CHUNK_HEADER_BYTES = 8

/**
 * Parses untrusted GLB bytes into a Document. The container is checked first so that truncated or foreign
 * files get a precise reason, and so that a GLB pointing at external files (`uri` that is not a `data:` URI)
 * is refused before glTF-Transform sees it: such a file could not be emitted on its own anyway, and we
 * never want a model to make us read paths from the disk.
 * Throws {@link RodinError} `E_BAD_GLB` ("not a valid GLB: <reason>").
 */
export async function readGlb(bytes: Uint8Array): Promise<Document> {
  const view = alignedView(bytes)
  checkContainer(view)
  const io = await getIO()
  try {
    return await io.readBinary(view)
  } catch (err) {
    throw badGlb(err instanceof Error ? err.message : String(err), err)
  }
}

/** "not a valid GLB: <reason>" as the one error type. */
export function badGlb(reason: string, cause?: unknown): RodinError {
  return new RodinError('E_BAD_GLB', `not a valid GLB: ${reason}`, cause === undefined ? {} : { cause })
}

// glTF-Transform reads the header through a Uint32Array, which needs a 4-byte aligned offset; a Buffer sliced
// out of Node's shared pool often is not.
function alignedView(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw badGlb(`expected bytes (Uint8Array), got ${typeof bytes}`)
  return bytes.byteOffset % 4 === 0 ? bytes : bytes.slice()
}

function checkContainer(bytes: Uint8Array): void {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.byteLength < HEADER_BYTES + CHUNK_HEADER_BYTES) {
    throw badGlb(`${bytes.byteLength} bytes is too short for a GLB header (file empty or truncated)`)
  }
  if (data.getUint32(0, true) !== MAGIC_GLTF) {
    const looksLikeJson = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().startsWith('{')
    throw badGlb(
      looksLikeJson
        ? 'this is a .gltf JSON file; only self-contained binary .glb files are supported'
        : 'it does not start with the GLB magic "glTF"',
    )
  }
  const version = data.getUint32(4, true)
  if (version !== 2) throw badGlb(`GLB container version ${version} is not supported (only glTF 2.0)`)
  const declared = data.getUint32(8, true)
  if (declared > bytes.byteLength) {
    throw badGlb(`truncated: the header declares ${declared} bytes but only ${bytes.byteLength} are present`)
  }
  const jsonLength = data.getUint32(HEADER_BYTES, true)
  if (data.getUint32(HEADER_BYTES + 4, true) !== CHUNK_JSON) throw badGlb('the first chunk is not the JSON chunk')
  const jsonStart = HEADER_BYTES + CHUNK_HEADER_BYTES
  if (jsonStart + jsonLength > bytes.byteLength) throw badGlb('truncated: the JSON chunk runs past the end of the file')
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(jsonStart, jsonStart + jsonLength)))
  } catch (err) {
    throw badGlb(`the JSON chunk does not parse (${err instanceof Error ? err.message : String(err)})`, err)
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw badGlb('the JSON chunk is not an object')
  const binStart = jsonStart + jsonLength
  if (binStart + CHUNK_HEADER_BYTES <= bytes.byteLength) {
    const binLength = data.getUint32(binStart, true)
    if (binStart + CHUNK_HEADER_BYTES + binLength > bytes.byteLength) {
      throw badGlb('truncated: the binary chunk runs past the end of the file')
    }
  }
  checkNoExternalUris(json as Record<string, unknown>)
}

function checkNoExternalUris(json: Record<string, unknown>): void {
  for (const kind of ['buffers', 'images'] as const) {
    const list = json[kind]
    if (!Array.isArray(list)) continue
    for (const entry of list as unknown[]) {
      const uri = entry !== null && typeof entry === 'object' ? (entry as { uri?: unknown }).uri : undefined
      if (uri === undefined) continue
      if (typeof uri !== 'string') throw badGlb(`${kind} has a uri that is not a string`)
      if (uri.startsWith('data:')) continue
      const shown = uri.length > 80 ? `${uri.slice(0, 80)}…` : uri
      throw badGlb(
        `it references the external file "${shown}" (${kind}); only self-contained GLBs are supported, ` +
          'embed the resources first (e.g. `npx @gltf-transform/cli copy model.gltf model.glb`)',
      )
    }
  }
}
