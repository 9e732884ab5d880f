import { open } from 'node:fs/promises'
import { errors } from '../catalogue/index.js'
import type { AssetEntry } from '../manifest/manifest.js'
import { extensionOf } from '../manifest/files.js'

// A GLB's or glTF's JSON larger than this is not parsed here (the optimizer has its own bounds); the
// container structure is still checked.
const MAX_JSON_CHECK = 32 * 1024 ** 2

type Check = (
  head: Buffer,
  size: number,
  read: (at: number, length: number) => Promise<Buffer>,
) => Promise<string | null>

const ascii = (b: Buffer, at: number, text: string): boolean => b.toString('latin1', at, at + text.length) === text

const magic =
  (what: string, test: (head: Buffer) => boolean): Check =>
  async head =>
    test(head) ? null : `it is not ${what}`

function gltfJson(text: string): string | null {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return 'its JSON does not parse'
  }
  const asset = (doc as { asset?: { version?: unknown } } | null)?.asset
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || typeof asset?.version !== 'string')
    return 'its JSON is not a glTF document (no asset.version)'
  return null
}

const checkGlb: Check = async (head, size, read) => {
  if (size < 20 || !ascii(head, 0, 'glTF')) return 'it is not a binary glTF (no "glTF" magic)'
  if (head.readUInt32LE(4) !== 2) return `it is glTF version ${head.readUInt32LE(4)}, not 2`
  if (head.readUInt32LE(8) !== size) return `its header says ${head.readUInt32LE(8)} bytes, the file has ${size}`
  const jsonLength = head.readUInt32LE(12)
  if (head.readUInt32LE(16) !== 0x4e4f534a) return 'its first chunk is not JSON'
  if (jsonLength === 0 || 20 + jsonLength > size) return 'its JSON chunk does not fit in the file'
  if (jsonLength > MAX_JSON_CHECK) return null
  return gltfJson((await read(20, jsonLength)).toString('utf8'))
}

const checkGltf: Check = async (_head, size, read) =>
  size > MAX_JSON_CHECK ? null : gltfJson((await read(0, size)).toString('utf8'))

const png = (h: Buffer) => h.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
const jpeg = (h: Buffer) => h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff

/** What each extension declares, and how its bytes are checked (`null`: no reliable signature). */
const KINDS: Record<string, { kind: 'image' | 'model'; check: Check | null }> = {
  '.png': { kind: 'image', check: magic('a PNG image', png) },
  '.jpg': { kind: 'image', check: magic('a JPEG image', jpeg) },
  '.jpeg': { kind: 'image', check: magic('a JPEG image', jpeg) },
  '.webp': { kind: 'image', check: magic('a WebP image', h => ascii(h, 0, 'RIFF') && ascii(h, 8, 'WEBP')) },
  '.avif': {
    kind: 'image',
    check: magic(
      'an AVIF image',
      h => ascii(h, 4, 'ftyp') && ['avif', 'avis', 'mif1', 'msf1'].some(b => ascii(h, 8, b)),
    ),
  },
  '.glb': { kind: 'model', check: checkGlb },
  '.gltf': { kind: 'model', check: checkGltf },
  '.usdz': { kind: 'model', check: magic('a USDZ package (zip)', h => ascii(h, 0, 'PK\x03\x04')) },
  '.fbx': {
    kind: 'model',
    check: magic('an FBX file', h => ascii(h, 0, 'Kaydara FBX Binary') || /^\s*;/.test(h.toString('latin1', 0, 64))),
  },
  '.ply': { kind: 'model', check: magic('a PLY file', h => ascii(h, 0, 'ply\n') || ascii(h, 0, 'ply\r\n')) },
  '.obj': { kind: 'model', check: null },
  '.stl': { kind: 'model', check: null },
}

/** The kind a file name declares by its extension, or `null` for other files. */
export function declaredKind(name: string): 'image' | 'model' | null {
  return KINDS[extensionOf(name)]?.kind ?? null
}

/**
 * Refuses a file whose bytes are not what its name declares: an image's magic bytes must match its
 * extension, and a model must parse (GLB header, chunk layout and JSON; glTF JSON). A file host that
 * answers with an internal text page, an HTML error or another format is caught here, before the file is
 * stored, pinned or emitted. Extensions without a known signature are not judged.
 */
export async function assertFileKind(path: string, size: number, entry: AssetEntry, name: string): Promise<void> {
  const check = KINDS[extensionOf(name)]?.check
  if (!check) return
  const fh = await open(path, 'r')
  let problem: string | null
  try {
    const read = async (at: number, length: number): Promise<Buffer> => {
      const buf = Buffer.alloc(length)
      const { bytesRead } = await fh.read(buf, 0, length, at)
      return buf.subarray(0, bytesRead)
    }
    problem = size === 0 ? 'it is empty' : await check(await read(0, 64), size, read)
  } finally {
    await fh.close()
  }
  if (problem) {
    throw errors.E_BAD_FILE('kind', {
      asset: entry.alias,
      provider: entry.provider,
      task: entry.task,
      file: name,
      problem,
    })
  }
}
