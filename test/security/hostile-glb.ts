/** Builders for hostile GLBs, made in memory by the tests (nothing this big is committed). */

const MAGIC = 0x46546c67
const JSON_CHUNK = 0x4e4f534a
const BIN_CHUNK = 0x004e4942

/** A GLB container around `json` (space-padded) and an optional BIN chunk. */
export function glb(json: string | Uint8Array, bin?: Uint8Array): Uint8Array {
  const raw = typeof json === 'string' ? new TextEncoder().encode(json) : json
  const jsonLength = Math.ceil(raw.byteLength / 4) * 4
  const binLength = bin ? Math.ceil(bin.byteLength / 4) * 4 : 0
  const total = 12 + 8 + jsonLength + (bin ? 8 + binLength : 0)
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint32(4, 2, true)
  view.setUint32(8, total, true)
  view.setUint32(12, jsonLength, true)
  view.setUint32(16, JSON_CHUNK, true)
  out.fill(0x20, 20, 20 + jsonLength)
  out.set(raw, 20)
  if (bin) {
    const at = 20 + jsonLength
    view.setUint32(at, binLength, true)
    view.setUint32(at + 4, BIN_CHUNK, true)
    out.set(bin, at + 8)
  }
  return out
}

/** One triangle-list mesh whose POSITION accessor claims `count` vertices and has no bufferView (~260 bytes). */
export function unbackedPositions(count: number): Uint8Array {
  return glb(
    JSON.stringify({
      asset: { version: '2.0' },
      scene: 0,
      scenes: [{ nodes: [0] }],
      nodes: [{ mesh: 0 }],
      meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
      accessors: [{ componentType: 5126, count, type: 'VEC3', min: [0, 0, 0], max: [0, 0, 0] }],
    }),
  )
}

/** The same mesh with `count` vertices really stored (all zero), so every accessor is backed by bytes. */
export function backedZeroPositions(count: number): Uint8Array {
  const bytes = count * 12
  return glb(
    JSON.stringify({
      asset: { version: '2.0' },
      scene: 0,
      scenes: [{ nodes: [0] }],
      nodes: [{ mesh: 0 }],
      meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
      buffers: [{ byteLength: bytes }],
      bufferViews: [{ buffer: 0, byteLength: bytes }],
      accessors: [{ bufferView: 0, componentType: 5126, count, type: 'VEC3', min: [0, 0, 0], max: [0, 0, 0] }],
    }),
    new Uint8Array(bytes),
  )
}

/** A valid-looking GLB whose JSON chunk is `mb` MiB, almost all of it one long `extras` array of numbers. */
export function hugeJson(mb: number): Uint8Array {
  const head = new TextEncoder().encode('{"asset":{"version":"2.0"},"extras":{"padding":[0')
  const tail = new TextEncoder().encode(']}}')
  const size = mb * 1024 * 1024
  const json = new Uint8Array(size)
  json.set(head, 0)
  // ",0" repeated: a hundred million numbers for the parser to build
  for (let i = head.byteLength; i + 1 < size - tail.byteLength; i += 2) {
    json[i] = 0x2c
    json[i + 1] = 0x30
  }
  let end = size - tail.byteLength
  if ((end - head.byteLength) % 2 === 1) json[--end + tail.byteLength] = 0x20
  json.set(tail, end)
  json.fill(0x20, end + tail.byteLength)
  return glb(json)
}
