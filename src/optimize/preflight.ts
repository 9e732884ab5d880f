import { errors } from '../catalogue/index.js'
import type { RodinError } from '../errors.js'

const MAGIC_GLTF = 0x46546c67 // 'glTF'
const CHUNK_JSON = 0x4e4f534a // 'JSON'
const HEADER_BYTES = 12
const CHUNK_HEADER_BYTES = 8

/**
 * The JSON chunk of real models holds node, material and accessor descriptions: kilobytes, a few MiB for a
 * big scene. Parsing costs several times its size in memory (a 200 MB chunk took 3 GB), so a larger chunk is
 * refused from its header alone, before any of it is decoded.
 */
export const MAX_JSON_CHUNK_BYTES = 32 * 1024 ** 2

/**
 * Accessors whose values are not stored in the file (no bufferView, Draco or meshopt streams, meshopt's
 * fallback buffers) are allocated in full by glTF-Transform from their `count` alone. Their decoded size may
 * be at most this many times the file size (Draco reaches ~30× on real meshes), plus
 * {@link UNBACKED_FLOOR_BYTES} so that tiny compressed models pass.
 */
export const UNBACKED_RATIO = 64
export const UNBACKED_FLOOR_BYTES = 64 * 1024

const COMPONENT_BYTES: Record<number, number> = { 5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4 }
const TYPE_COMPONENTS: Record<string, number> = { SCALAR: 1, VEC2: 2, VEC3: 3, VEC4: 4, MAT2: 4, MAT3: 9, MAT4: 16 }

/** The parts of a glTF JSON document the checks read; everything else passes through untouched. */
export interface GlbJson {
  buffers?: { byteLength?: unknown; uri?: unknown }[]
  bufferViews?: {
    buffer?: unknown
    byteOffset?: unknown
    byteLength?: unknown
    byteStride?: unknown
    extensions?: Record<string, unknown>
  }[]
  accessors?: Accessor[]
  images?: { uri?: unknown }[]
  [key: string]: unknown
}

interface Accessor {
  bufferView?: unknown
  byteOffset?: unknown
  componentType?: unknown
  count?: unknown
  type?: unknown
  sparse?: {
    count?: unknown
    indices?: { bufferView?: unknown; byteOffset?: unknown; componentType?: unknown }
    values?: { bufferView?: unknown; byteOffset?: unknown }
  }
}

/**
 * Checks untrusted GLB bytes before glTF-Transform sees them, so that a file cannot make the optimizer
 * allocate or loop far beyond what its size justifies:
 * - the container: magic, version, chunk lengths within the file, the JSON chunk at most
 *   {@link MAX_JSON_CHUNK_BYTES} (checked before decoding it);
 * - no external `uri` (a model must never make us read paths from the disk);
 * - every accessor, bufferView and buffer range lies inside the bytes that back it, and values that are not
 *   stored in the file stay within {@link UNBACKED_RATIO} × the file size.
 * Returns the parsed JSON. Throws {@link RodinError} `E_BAD_GLB` ("not a valid GLB: <reason>").
 */
export function preflightGlb(bytes: Uint8Array): GlbJson {
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
  if (jsonLength > MAX_JSON_CHUNK_BYTES) throw jsonTooLarge(jsonLength)
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(jsonStart, jsonStart + jsonLength)))
  } catch (err) {
    throw badGlb(`the JSON chunk does not parse (${err instanceof Error ? err.message : String(err)})`, err)
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw badGlb('the JSON chunk is not an object')
  const binStart = jsonStart + jsonLength
  let binLength: number | undefined
  if (binStart + CHUNK_HEADER_BYTES <= bytes.byteLength) {
    binLength = data.getUint32(binStart, true)
    if (binStart + CHUNK_HEADER_BYTES + binLength > bytes.byteLength) {
      throw badGlb('truncated: the binary chunk runs past the end of the file')
    }
  }
  const doc = json as GlbJson
  checkNoExternalUris(doc)
  checkAccessors(doc, binLength, bytes.byteLength)
  return doc
}

/**
 * The JSON-size part of {@link preflightGlb}, from the header alone: the pool runs it on the main thread so
 * that an oversized model is neither copied to a worker nor parsed for its cost estimate. Bytes that are not
 * a GLB pass here and get their precise reason from the full check in the worker.
 */
export function checkJsonChunkSize(bytes: Uint8Array): void {
  if (bytes.byteLength < HEADER_BYTES + CHUNK_HEADER_BYTES) return
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (data.getUint32(0, true) !== MAGIC_GLTF) return
  const jsonLength = data.getUint32(HEADER_BYTES, true)
  if (jsonLength > MAX_JSON_CHUNK_BYTES) throw jsonTooLarge(jsonLength)
}

function jsonTooLarge(jsonLength: number): RodinError {
  return badGlb(
    `its JSON chunk is ${mib(jsonLength)}, over the ${mib(MAX_JSON_CHUNK_BYTES)} limit for model descriptions ` +
      '(real models need a few MiB at most; re-export the model)',
  )
}

/** "not a valid GLB: <reason>" as the one error type. */
export function badGlb(reason: string, cause?: unknown): RodinError {
  return errors.E_BAD_GLB('invalid', cause === undefined ? { reason } : { reason, cause })
}

function checkNoExternalUris(json: GlbJson): void {
  for (const kind of ['buffers', 'images'] as const) {
    const list = json[kind]
    if (list === undefined) continue
    if (!Array.isArray(list)) throw badGlb(`"${kind}" is not an array`)
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

interface ViewFacts {
  byteLength: number
  /** Its bytes are really in the file (not a meshopt fallback buffer without data). */
  backed: boolean
}

function checkAccessors(json: GlbJson, binLength: number | undefined, fileBytes: number): void {
  const buffers = list(json.buffers, 'buffers')
  const backedBuffers = buffers.map((buffer, i) => {
    const byteLength = uint(buffer?.byteLength, `buffers[${i}].byteLength`)
    if (typeof buffer?.uri === 'string') {
      // base64 holds 3 bytes per 4 characters: a data: URI shorter than that cannot fill the buffer
      return Math.floor((buffer.uri.length - buffer.uri.indexOf(',') - 1) * 0.75) + 2 >= byteLength
    }
    // Only the first buffer may live in the BIN chunk; any other buffer without a uri holds no bytes.
    if (i === 0 && binLength !== undefined) {
      if (byteLength > binLength) {
        throw badGlb(`buffers[0] declares ${byteLength} bytes but the binary chunk holds only ${binLength}`)
      }
      return true
    }
    return false
  })
  let unbacked = 0
  const views: ViewFacts[] = list(json.bufferViews, 'bufferViews').map((view, i) => {
    const where = `bufferViews[${i}]`
    const buffer = index(view?.buffer, buffers.length, `${where}.buffer`)
    const byteOffset = view?.byteOffset === undefined ? 0 : uint(view.byteOffset, `${where}.byteOffset`)
    const byteLength = uint(view?.byteLength, `${where}.byteLength`)
    const bufferLength = uint(buffers[buffer]?.byteLength, `buffers[${buffer}].byteLength`)
    if (byteOffset + byteLength > bufferLength) {
      throw badGlb(`${where} runs past the end of buffers[${buffer}] (${byteOffset + byteLength} > ${bufferLength})`)
    }
    const meshopt = (view?.extensions?.EXT_meshopt_compression ?? view?.extensions?.KHR_meshopt_compression) as
      | Record<string, unknown>
      | undefined
    if (meshopt) {
      const source = index(meshopt.buffer, buffers.length, `${where} meshopt buffer`)
      const end =
        (meshopt.byteOffset === undefined ? 0 : uint(meshopt.byteOffset, `${where} meshopt byteOffset`)) +
        uint(meshopt.byteLength, `${where} meshopt byteLength`)
      if (!backedBuffers[source] || end > uint(buffers[source]?.byteLength, `buffers[${source}].byteLength`)) {
        throw badGlb(`${where}: its meshopt stream lies outside the bytes of the file`)
      }
      unbacked +=
        uint(meshopt.count, `${where} meshopt count`) * uint(meshopt.byteStride, `${where} meshopt byteStride`)
      return { byteLength, backed: true } // its values come from the stream, counted just above
    }
    return { byteLength, backed: backedBuffers[buffer] === true }
  })

  const accessors = list(json.accessors, 'accessors')
  accessors.forEach((accessor, i) => {
    const where = `accessors[${i}]`
    const size = elementBytes(accessor, where)
    const count = uint(accessor?.count, `${where}.count`)
    if (accessor?.bufferView === undefined) {
      unbacked += count * size // zeros (or Draco output): allocated in full from `count` alone
    } else {
      const view = views[index(accessor.bufferView, views.length, `${where}.bufferView`)]!
      const stride = strideOf(json, accessor.bufferView as number, size)
      const offset = accessor.byteOffset === undefined ? 0 : uint(accessor.byteOffset, `${where}.byteOffset`)
      const end = count === 0 ? offset : offset + stride * (count - 1) + size
      if (end > view.byteLength) {
        throw badGlb(
          `${where} claims ${count} elements, which need ${end} bytes, but its bufferView holds ${view.byteLength}`,
        )
      }
      if (!view.backed) unbacked += count * size
    }
    const sparse = accessor?.sparse
    if (sparse !== undefined) {
      const n = uint(sparse.count, `${where}.sparse.count`)
      if (n > count) throw badGlb(`${where}.sparse.count ${n} is larger than the accessor's count ${count}`)
      const indexSize = COMPONENT_BYTES[sparse.indices?.componentType as number] ?? 0
      if (!indexSize) throw badGlb(`${where}.sparse.indices has no valid componentType`)
      sparseRange(views, sparse.indices, n * indexSize, `${where}.sparse.indices`)
      sparseRange(views, sparse.values, n * size, `${where}.sparse.values`)
    }
  })
  const budget = Math.max(UNBACKED_FLOOR_BYTES, UNBACKED_RATIO * fileBytes)
  if (unbacked > budget) {
    throw badGlb(
      `its accessors claim ${mib(unbacked)} of values that the file does not store, more than ${UNBACKED_RATIO}× ` +
        `its ${mib(fileBytes)} (an accessor "count" that nothing backs would make the optimizer allocate and loop ` +
        'without end); re-export the model',
    )
  }
}

function sparseRange(
  views: ViewFacts[],
  part: { bufferView?: unknown; byteOffset?: unknown } | undefined,
  bytes: number,
  where: string,
): void {
  const view = views[index(part?.bufferView, views.length, `${where}.bufferView`)]!
  const offset = part?.byteOffset === undefined ? 0 : uint(part.byteOffset, `${where}.byteOffset`)
  if (offset + bytes > view.byteLength) {
    throw badGlb(`${where} needs ${offset + bytes} bytes but its bufferView holds ${view.byteLength}`)
  }
}

function elementBytes(accessor: Accessor | undefined, where: string): number {
  const component = COMPONENT_BYTES[accessor?.componentType as number]
  const components = typeof accessor?.type === 'string' ? TYPE_COMPONENTS[accessor.type] : undefined
  if (!component) throw badGlb(`${where}.componentType ${JSON.stringify(accessor?.componentType)} is not valid`)
  if (!components) throw badGlb(`${where}.type ${JSON.stringify(accessor?.type)} is not valid`)
  return component * components
}

function strideOf(json: GlbJson, view: number, size: number): number {
  const stride = json.bufferViews?.[view]?.byteStride
  return stride === undefined ? size : Math.max(size, uint(stride, `bufferViews[${view}].byteStride`))
}

function list<T>(value: T[] | undefined, name: string): (T | undefined)[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw badGlb(`"${name}" is not an array`)
  return value
}

function uint(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw badGlb(`${where} must be a whole number ≥ 0 (got ${JSON.stringify(value) ?? String(value)})`)
  }
  return value
}

function index(value: unknown, length: number, where: string): number {
  const i = uint(value, where)
  if (i >= length) throw badGlb(`${where} points at entry ${i}, which does not exist`)
  return i
}

function mib(bytes: number): string {
  return bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${bytes} bytes`
}
