import type { TextureRole } from './texture-plan.js'
import type { Texels } from './texture-encode.js'

type Encode = typeof import('ktx2-encoder').encodeToKTX2

let encoder: Promise<Encode> | undefined

/**
 * The Basis Universal encoder is WebAssembly shipped in the npm package (no install script, no native binary,
 * no toktx), loaded only when a model asks for KTX2, once per worker.
 *
 * The package's own entry starts the WebAssembly module with Emscripten's defaults, which print the encoder's
 * progress ("Total slices: …", one line per mip level) to stdout, i.e. into every build log. So the module is
 * started here with `print` silenced, from the files next to that entry (ktx2-encoder is pinned to one
 * version for this); if they ever move, the public entry still works, only noisier.
 */
function getEncoder(): Promise<Encode> {
  encoder ??= loadQuietEncoder()
    .catch(async () => (await import('ktx2-encoder')).encodeToKTX2)
    .catch((err: unknown) => {
      encoder = undefined
      throw err
    })
  return encoder
}

interface BasisModule {
  initializeBasis: () => void
}

async function loadQuietEncoder(): Promise<Encode> {
  const entry = import.meta.resolve('ktx2-encoder')
  const [{ default: factory }, { encodeWithModule }] = (await Promise.all([
    import(new URL('../basis/basis_encoder.js', entry).href),
    import(new URL('../encodeCore.js', entry).href),
  ])) as [
    { default: (m: object) => Promise<BasisModule> },
    { encodeWithModule: (m: BasisModule, image: Uint8Array, o: object) => Promise<Uint8Array> },
  ]
  const silent = () => {}
  const module = await factory({ print: silent, printErr: silent })
  module.initializeBasis()
  return (image, options) => encodeWithModule(module, image, options ?? {})
}

/**
 * Encodes decoded texels as a Basis Universal KTX2 image with a full mip chain:
 * - colour maps (base colour, emissive, …): ETC1S (BasisLZ-supercompressed), sRGB, perceptual metrics;
 *   `quality` (1-100) maps to the ETC1S quality level;
 * - normal maps: UASTC in normal-map mode, linear, Zstandard-supercompressed;
 * - data maps (ORM, specular, …): UASTC, linear, Zstandard-supercompressed: ETC1S's shared endpoints would
 *   bleed between the packed channels.
 * Texels keep glTF's row order (top row first), which is the order KHR_texture_basisu expects.
 */
export async function encodeKtx2(texels: Texels, role: TextureRole, quality: number): Promise<Uint8Array> {
  const encode = await getEncoder()
  const rgba = toRgba(texels)
  const color = role === 'color'
  return encode(rgba, {
    imageDecoder: async () => ({ width: texels.width, height: texels.height, data: rgba }),
    isKTX2File: true,
    generateMipmap: true,
    isUASTC: !color,
    isNormalMap: role === 'normal',
    isPerceptual: color,
    isSetKTX2SRGBTransferFunc: color,
    needSupercompression: !color,
    // ETC1S: quality level 1-255; the default 'web' quality 80 gives 204. Compression level 2 is basisu's default.
    qualityLevel: Math.max(1, Math.min(255, Math.round(quality * 2.55))),
    compressionLevel: 2,
    uastcLDRQualityLevel: 1,
  })
}

// The encoder takes 32-bit RGBA rasters only. A single read channel (stored grey) is spread over R, G and B,
// so whichever channel the material samples holds it.
function toRgba(t: Texels): Uint8Array {
  if (t.channels === 4) return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
  const count = t.width * t.height
  const out = new Uint8Array(count * 4)
  for (let i = 0; i < count; i++) {
    const o = i * 4
    if (t.channels === 1) {
      const v = t.data[i]!
      out[o] = v
      out[o + 1] = v
      out[o + 2] = v
    } else {
      out[o] = t.data[i * 3]!
      out[o + 1] = t.data[i * 3 + 1]!
      out[o + 2] = t.data[i * 3 + 2]!
    }
    out[o + 3] = 255
  }
  return out
}
