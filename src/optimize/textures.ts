import { errors } from '../catalogue/index.js'
import type { Document, Transform } from '@gltf-transform/core'
import type Sharp from 'sharp'
import type { ImageFormat, TexturePlan, TextureRole } from './texture-plan.js'
import { assignDefaults, createTransform } from '@gltf-transform/functions'
import { getSharp } from './io.js'
import { repairUndeclaredKtx2 } from './ktx2.js'
import type { Judgement, Texels } from './texture-encode.js'
import { decodeTexels, fromTexels } from './texture-encode.js'
import { seenAtFirstMip, seenFidelity } from './texture-seen.js'
import { PixelBudget } from './pixel-budget.js'
import { PROBE_MARGIN_DB, previewOnProbe, probeOf, probeScale } from './texture-probe.js'
import {
  DATA_LEVELS,
  fitTexelsToContent,
  flattenUnusedChannels,
  quantiseTexels,
  SEEN_DATA_LEVELS,
} from './texture-fit.js'
import { outputPixels, planTextures } from './texture-plan.js'

const NAME = 'compressTextures'

/** Encodes decoded texels as a KTX2 image (see `encodeKtx2` in ktx2-encode.ts for the default's choices). */
export type Ktx2Encoder = (texels: Texels, role: TextureRole, quality: number) => Promise<Uint8Array>

/** Options of {@link compressTextures}. */
export interface CompressTexturesOptions {
  /**
   * `'webp'`: PNG/JPEG become WebP (or JPEG 4:4:4 / (near-)lossless WebP when lossy WebP is not faithful);
   * `'keep'`: formats stay, only resized textures are re-encoded; `'ktx2'`: Basis Universal KTX2.
   * @default 'webp'
   */
  format?: 'webp' | 'ktx2' | 'keep'
  /** Longest edge in pixels; larger textures are scaled down, never up. @default 2048 */
  maxSize?: number
  /** Quality (1-100) of color textures; other roles derive theirs from it. @default 80 */
  quality?: number
  /** Fidelity floors (see `FIDELITY_FLOOR_DB`): `'max'` accepts more loss for smaller files. @default 'web' */
  floors?: 'web' | 'max'
  /** sharp, for decoding, resizing and encoding. @default sharp, loaded when a texture needs work */
  encoder?: typeof Sharp
  /** The KTX2 encoder. @default Basis Universal (ktx2-encoder's WebAssembly), loaded on first use */
  ktx2Encoder?: Ktx2Encoder
}

type Resolved = Required<Omit<CompressTexturesOptions, 'encoder' | 'ktx2Encoder'>> &
  Pick<CompressTexturesOptions, 'ktx2Encoder'>

export const COMPRESS_TEXTURES_DEFAULTS: Required<Omit<CompressTexturesOptions, 'encoder' | 'ktx2Encoder'>> = {
  format: 'webp',
  maxSize: 2048,
  quality: 80,
  floors: 'web',
}

/**
 * WebP quality per role, as an offset from the user's `textureQuality` (the quality of color textures):
 * normal maps bend lighting everywhere, so they get a few more bits.
 */
const QUALITY_OFFSET: Record<TextureRole, number> = { color: 0, normal: 5, data: 0 }

/**
 * Alpha that a material reads as coverage (MASK/BLEND base color) decides where the surface is at all, so it
 * keeps more bits than alpha that carries a data term (e.g. KHR_materials_specular's strength).
 */
const ALPHA_QUALITY: Record<TextureRole, number> = { color: 90, normal: 90, data: 50 }

/**
 * The worst-channel PSNR (dB) a lossy texture must keep, per preset and role. Lossy WebP is always 4:2:0:
 * packed data maps with sharp edges in two or three channels (a metalness mask next to roughness and
 * occlusion) lose 10–15 dB in the chroma-borne channels whatever the quality, and renders show it. Such
 * textures fall back to JPEG 4:4:4 (full-resolution chroma; every glTF viewer reads it) and, if even that
 * misses the floor, to near-lossless WebP (data maps: the smaller of JPEG 4:4:4 and lossless WebP of texels
 * rounded to 21 levels, see `quantisedLossless`). Normal maps tolerate more channel noise (it is renormalised, and
 * ~27 dB is ~4° of tilt), so their floor only catches broken encodes; 'max' trades fidelity for size and
 * falls back only when an encode is clearly broken. Color, normal and single-channel maps pass at once.
 */
const FIDELITY_FLOOR_DB: Record<'web' | 'max', Record<TextureRole, number>> = {
  // color 35 (was 37): on the AI-like bench corpus (bench/results/issue16.md), WebP q80–90 of grainy baked-light
  // albedo measures 35–37 dB per texel yet keeps every model's worst-of-4-views render at or above 35 dB, and 37
  // sent such maps to JPEG 4:4:4 at 2× the bytes. The thinnest margin is the crate fixture (35.1 dB).
  web: { color: 35, normal: 26, data: 30 },
  max: { color: 30, normal: 20, data: 25 },
}

/**
 * libwebp method 4 (its default), for maps under 1024² texels and for flat large ones (texture-probe.ts,
 * FLAT_BITS_PER_TEXEL): it put the controller-like and FlightHelmet-like models back within 1.1× of
 * `gltf-transform optimize` at its own quality.
 */
const WEBP_EFFORT = 4

/**
 * Maps of at least 1024² texels get faster encoder settings where that costs no visible loss: lossy WebP uses
 * libwebp method 2 or 0 on busy maps (texture-probe.ts, `previewOnProbe`), and rounded data maps a quicker
 * lossless search (see `quantisedLossless`). Small maps cost little either way.
 */
function isLarge(t: Texels): boolean {
  return t.width * t.height >= 1024 * 1024
}

/** libwebp method of lossy encodes of busy 1K maps: no rate-distortion search, 0.4× the time of method 4. */
const QUICK_EFFORT = 2

/**
 * The same for busy maps that a framed view sees through their first mip (texture-seen.ts: above 1024 texels
 * across). On the issue #16 corpus's busy 2K maps method 0 takes 0.53-0.6× the time of method 2 for 2-5% more of
 * their bytes, at a per-texel PSNR 0.04-0.16 dB above it, and the 2×-averaged mip a view samples averages its
 * error down further. On 1K maps, where no mip does, method 0 cost up to 21% more bytes (the crate's photo
 * textures) and the crate's render fell 0.09 dB, to 35.01 dB.
 */
const SEEN_QUICK_EFFORT = 0

/**
 * libwebp near-lossless preprocessing level of the last-resort encoding (100 is lossless, lower quantises
 * more in busy regions only). 20 instead of 60: on the bench's speckled metalness masks it keeps ~53 dB of
 * render PSNR (60: ~58 dB) for ~20% fewer bytes; both are far above the 35 dB the renders must keep.
 */
const NEAR_LOSSLESS_QUALITY = 20

/**
 * Decoded texture pixels this thread works on at once, over every model it optimizes (three 2048² maps:
 * ~150 MB of texels and codec buffers). More in flight only adds memory: two cores are busy already.
 */
const budget = new PixelBudget(3 * 2048 * 2048)

interface Candidate {
  image: Uint8Array
  mimeType: string
}

/**
 * Resizes (never up) and re-encodes PNG/JPEG/WebP textures in place, largest first and several at once
 * (within this thread's pixel budget, shared with the other models it optimizes at the same time),
 * each in the smallest encoding that keeps the channels its materials read faithful (see
 * `FIDELITY_FLOOR_DB`). A texture keeps its original image when the re-encoded one is not smaller, so a
 * file never grows because of its textures. Basis Universal KTX2 and other GPU formats are left as they
 * are. sharp is loaded only when some texture actually needs work. Each texture's outcome is logged at
 * debug level on the document's logger.
 */
export function compressTextures(options: CompressTexturesOptions = {}): Transform {
  const opts: Resolved = assignDefaults(COMPRESS_TEXTURES_DEFAULTS, options)
  if (!Number.isInteger(opts.maxSize) || opts.maxSize < 1)
    throw new RangeError(`${NAME}: maxSize must be a positive integer (got ${opts.maxSize})`)
  if (!(opts.quality >= 1 && opts.quality <= 100))
    throw new RangeError(`${NAME}: quality must be in [1, 100] (got ${opts.quality})`)
  return createTransform(NAME, async (doc: Document): Promise<void> => {
    // KTX2 images of a file without KHR_texture_basisu are invalid glTF; plain ones become PNG here first
    // (quickly compressed when the WebP step re-encodes them next).
    await repairUndeclaredKtx2(doc, { fast: opts.format !== 'keep', sharp: options.encoder })
    const plans = await planTextures(doc, { format: opts.format, maxSize: opts.maxSize })
    if (plans.length === 0) return
    const [sharp, extensions] = await Promise.all([options.encoder ?? getSharp(), import('@gltf-transform/extensions')])
    const logger = doc.getLogger()
    const largestFirst = [...plans].sort((a, b) => outputPixels(b) - outputPixels(a))
    await Promise.all(
      largestFirst.map(plan =>
        budget.run(outputPixels(plan), async () => {
          const outcome = await compressTexture(sharp, plan, opts)
          logger.debug(`${NAME}: ${describe(plan, outcome)}`)
        }),
      ),
    )
    declareExtensions(doc, opts, extensions)
  })
}

function declareExtensions(
  doc: Document,
  opts: Resolved,
  extensions: typeof import('@gltf-transform/extensions'),
): void {
  if (
    doc
      .getRoot()
      .listTextures()
      .some(t => t.getMimeType() === 'image/webp')
  ) {
    doc.createExtension(extensions.EXTTextureWebP).setRequired(true)
  }
  if (
    opts.format === 'ktx2' &&
    doc
      .getRoot()
      .listTextures()
      .some(t => t.getMimeType() === 'image/ktx2')
  ) {
    // No fallback image: a loader without a KTX2 transcoder cannot show the model (meta.decoders.ktx2 says so).
    doc.createExtension(extensions.KHRTextureBasisu).setRequired(true)
  }
}

/** What happened to one texture: its new image, or why it kept its own. */
type Outcome = { image: Uint8Array; mimeType: string } | { kept: 'undecodable' | 'smallest' }

async function compressTexture(sharp: typeof Sharp, plan: TexturePlan, opts: Resolved): Promise<Outcome> {
  if (opts.format === 'ktx2') return toKtx2(sharp, plan, opts)
  const { texture, image, format, resize } = plan
  const original: Candidate = { image, mimeType: texture.getMimeType() }
  let best: Candidate | undefined
  try {
    const decoded = await decodeTexels(sharp, plan)
    // A map with less detail than texels ships smaller in 'max' (texture-fit.ts). 'web' keeps every texel: the
    // bench's controller-like maps (2K, ~1K of detail) passed the fit at 50-54 dB, yet framed views magnify them
    // and the halved maps cost 2.5-3 dB of render PSNR, below gltf-transform's at its own size. 'keep' keeps sizes.
    const flattened = opts.format === 'webp' ? flattenUnusedChannels(decoded) : decoded
    const texels =
      opts.format === 'webp' && opts.floors === 'max'
        ? await fitTexelsToContent(sharp, flattened, plan.role)
        : flattened
    const resized = !!resize || texels.width !== decoded.width
    if (opts.format === 'webp')
      best = await faithfulWebp(sharp, plan, texels, opts, resized ? Infinity : image.byteLength)
    // A resize is a promise about the texture cap; when WebP cannot keep it smaller, the original format may.
    if (resized && (!best || best.image.byteLength >= image.byteLength)) {
      const same = await encodeSame(sharp, texels, format, plan, opts)
      if (!best || same.image.byteLength < best.image.byteLength) best = same
    }
  } catch {
    // an image sharp cannot decode stays as it is: the validator reports it, and it was already in the input
    return { kept: 'undecodable' }
  }
  // Without a resize the original is a candidate too: re-encoding never makes a texture bigger.
  if (!resize && (!best || best.image.byteLength >= image.byteLength)) best = original
  if (!best || best === original) return { kept: 'smallest' }
  texture.setImage(best.image).setMimeType(best.mimeType)
  const uri = texture.getURI()
  if (uri && best.mimeType !== original.mimeType)
    texture.setURI(uri.replace(/\.[a-z0-9]+$/i, `.${best.mimeType.slice(6)}`))
  return best
}

// e.g. `"wood_color" (color) 2048×2048 image/png 4.1 MB → 1024×1024 image/webp 180.2 kB`
function describe(plan: TexturePlan, outcome: Outcome): string {
  const name = plan.texture.getName() || plan.texture.getURI() || 'texture'
  const before = `${plan.width}×${plan.height} ${mimeOf(plan.format)} ${bytes(plan.image.byteLength)}`
  const head = `"${name}" (${plan.role}) ${before}`
  if ('kept' in outcome)
    return outcome.kept === 'undecodable'
      ? `${head} kept: sharp cannot decode it`
      : `${head} kept: no re-encoding was smaller`
  const [w, h] = plan.resize ?? [plan.width, plan.height]
  return `${head} → ${w}×${h} ${outcome.mimeType} ${bytes(outcome.image.byteLength)}`
}

function mimeOf(format: ImageFormat): string {
  return `image/${format}`
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`
  return `${(n / 1024 ** 2).toFixed(2)} MB`
}

/**
 * KTX2 is chosen for GPU memory, not file size: the texture is converted even when the file grows. A texture
 * sharp cannot decode stays as it is; an encoder failure is the optimizer's (E_OPTIMIZE names the texture).
 */
async function toKtx2(sharp: typeof Sharp, plan: TexturePlan, opts: Resolved): Promise<Outcome> {
  let texels: Texels
  try {
    // A map with less detail than texels ships smaller here too (texture-fit.ts): the GPU keeps every texel.
    texels = await fitTexelsToContent(sharp, await decodeTexels(sharp, plan), plan.role)
  } catch {
    return { kept: 'undecodable' }
  }
  const encodeKtx2 = opts.ktx2Encoder ?? (await import('./ktx2-encode.js')).encodeKtx2
  let ktx2: Uint8Array
  try {
    ktx2 = await encodeKtx2(texels, plan.role, opts.quality)
  } catch (err) {
    const name = plan.texture.getName() || plan.texture.getURI() || 'a texture'
    const reason = err instanceof Error ? err.message : String(err)
    throw errors.E_OPTIMIZE('ktx2Encoder', {
      texture: name,
      width: texels.width,
      height: texels.height,
      reason,
      cause: err,
    })
  }
  plan.texture.setImage(ktx2).setMimeType('image/ktx2')
  const uri = plan.texture.getURI()
  if (uri) plan.texture.setURI(uri.replace(/\.[a-z0-9]+$/i, '.ktx2'))
  return { image: ktx2, mimeType: 'image/ktx2' }
}

/**
 * The first encoding, in order of expected size, that keeps the read channels above the floor (colour: their
 * mean error, as renders are judged; other roles: the worst channel): lossy WebP; for color, WebP at a higher
 * quality with sharp RGB→YUV; JPEG 4:4:4 (opaque textures only); else the last resort (near-lossless
 * WebP; for data maps, lossless WebP of rounded texels, which always keeps the floor and so is made before JPEG:
 * JPEG ships only when it keeps the floor too and is smaller).
 * Data maps try each attempt on a probe first (texture-probe.ts): speckled masks and grain make lossy codecs
 * miss by far, and the full-size encode and check of a 2K map cost more than the lossless result itself.
 * Large maps of every role try the first attempt on the probe: it picks the libwebp method, and when the probe
 * keeps the floor by PROBE_MARGIN_DB the full map's encoding ships without decoding it for a check.
 * `limit`: the size of the original when it may be kept; once an attempt reaches it, every later (larger)
 * attempt would lose to the original too, so the search stops and returns undefined.
 */
async function faithfulWebp(
  sharp: typeof Sharp,
  plan: TexturePlan,
  texels: Texels,
  opts: Resolved,
  limit: number,
): Promise<Candidate | undefined> {
  const max = opts.floors === 'max'
  const floor = FIDELITY_FLOOR_DB[opts.floors][plan.role]
  const judgement: Judgement = plan.role === 'color' ? 'colour' : 'worst'
  const quality = clampQuality(opts.quality + QUALITY_OFFSET[plan.role])
  const rounded = plan.role === 'data' && !plan.directions
  const large = isLarge(texels)
  const probe = rounded || large ? probeOf(texels) : undefined
  const firstMip = seenAtFirstMip(texels)
  // exact: keep RGB under alpha 0, which texture filtering blends into visible edge texels.
  // smartSubsample: libwebp's sharp RGB→YUV, which keeps saturated detail that plain 4:2:0 averages away.
  const webp =
    (q: number, effort: number, smartSubsample = false): Encode =>
    async t =>
      candidate(
        await fromTexels(sharp, t)
          .webp({ quality: q, alphaQuality: ALPHA_QUALITY[plan.role], effort, exact: t.alpha, smartSubsample })
          .toBuffer(),
        'image/webp',
      )
  const judge = (sample: Texels, encoded: Candidate) => seenFidelity(sharp, sample, encoded.image, judgement, firstMip)
  // A large map's first attempt runs on its probe first: how busy the map is picks the libwebp method, and how
  // faithful it came out may make the full map's check needless.
  const { effort, preview } =
    large && probe
      ? await previewOnProbe(
          probe,
          { busy: firstMip ? SEEN_QUICK_EFFORT : QUICK_EFFORT, flat: WEBP_EFFORT },
          method => webp(quality, method),
          judge,
        )
      : { effort: WEBP_EFFORT, preview: undefined }
  const jpeg: Encode = async t =>
    candidate(
      await fromTexels(sharp, t)
        .jpeg({ quality: clampQuality(opts.quality + (max ? 5 : 10)), chromaSubsampling: '4:4:4' })
        .toBuffer(),
      'image/jpeg',
    )
  const first = webp(quality, effort)
  const attempts = [first]
  if (plan.role === 'color') attempts.push(webp(clampQuality(quality + 10), effort, true))
  if (!texels.alpha) attempts.push(jpeg)
  // Whether the probe says the attempt may keep the floor within `bound` bytes (see PROBE_MARGIN_DB).
  const promising = async (attempt: Encode, sample: Texels, bound: number) => {
    const seen = attempt === first ? preview : undefined
    const encoded = seen?.encoded ?? (await attempt(sample))
    if (encoded.image.byteLength * probeScale(texels, sample) > bound * PROBE_SIZE_SLACK) return false
    return (seen?.fidelity ?? (await judge(sample, encoded))) >= floor - PROBE_MARGIN_DB
  }
  let fallback: Candidate | undefined
  for (const attempt of attempts) {
    if (rounded && attempt === jpeg) fallback = await quantisedLossless(sharp, texels)
    if (rounded && probe && !(await promising(attempt, probe, Math.min(limit, fallback?.image.byteLength ?? Infinity))))
      continue
    const encoded = await attempt(texels)
    // The same encoding of the probe kept the floor by PROBE_MARGIN_DB, so the full map's check would pass too.
    const sure = attempt === first && preview !== undefined && preview.fidelity >= floor + PROBE_MARGIN_DB
    // Speckle and grain cost JPEG more than the rounded lossless fallback: both keep the floor, the smaller ships.
    if (sure || (await judge(texels, encoded)) >= floor) return fallback ? smaller(encoded, fallback) : encoded
    if (encoded.image.byteLength >= limit) return undefined
  }
  return fallback ?? (rounded ? quantisedLossless(sharp, texels) : nearLossless(sharp, texels))
}

/** One attempt's encoding, of the texels to ship or of a probe of them. */
type Encode = (texels: Texels) => Promise<Candidate>

/**
 * An attempt on a data map is skipped when its probe, scaled to the map, is this many times what it would have
 * to beat: the original (when it may be kept) and, for JPEG, the rounded lossless fallback. On speckled masks
 * JPEG 4:4:4 came out 3-7× larger than that fallback, and where it won (the barn lamp's smooth maps) the two were
 * within 1%.
 */
const PROBE_SIZE_SLACK = 1.5

/** Near-lossless WebP: exact outside busy regions, lightly quantised in them. */
async function nearLossless(sharp: typeof Sharp, texels: Texels): Promise<Candidate> {
  return candidate(
    await fromTexels(sharp, texels)
      .webp({ nearLossless: true, quality: NEAR_LOSSLESS_QUALITY, effort: 4, exact: texels.alpha })
      .toBuffer(),
    'image/webp',
  )
}

/**
 * A data map's last resort: lossless WebP of its texels rounded to `DATA_LEVELS` per channel (texture-fit.ts;
 * `SEEN_DATA_LEVELS` for a map judged at its first mip).
 * Data texels scale lighting terms, so the render judges them, not their per-texel values: rounding keeps
 * every mask edge exact, which is what the 4:2:0 or DCT codecs before it could not.
 */
async function quantisedLossless(sharp: typeof Sharp, texels: Texels): Promise<Candidate> {
  const rounded = quantiseTexels(texels, seenAtFirstMip(texels) ? SEEN_DATA_LEVELS : DATA_LEVELS)
  // Lossless quality and method both buy bytes with time. On the issue #16 corpus's rounded 1K and 2K maps,
  // quality 25 with method 2 took 0.73× the time of quality 50 with method 4 for 1-3% more bytes. Smaller maps
  // keep the slower search: they cost little time, and the FlightHelmet-like model (256-512 px maps) has no byte
  // margin left (1.097× of gltf-transform's output).
  const large = isLarge(texels)
  return candidate(
    await fromTexels(sharp, rounded)
      .webp({ lossless: true, quality: large ? 25 : 50, effort: large ? 2 : 4, exact: texels.alpha })
      .toBuffer(),
    'image/webp',
  )
}

function smaller(a: Candidate, b: Candidate): Candidate {
  return b.image.byteLength < a.image.byteLength ? b : a
}

async function encodeSame(
  sharp: typeof Sharp,
  texels: Texels,
  format: ImageFormat,
  plan: TexturePlan,
  opts: Resolved,
): Promise<Candidate> {
  const img = fromTexels(sharp, texels)
  if (format === 'png')
    return candidate(await img.png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer(), 'image/png')
  if (format === 'webp')
    return candidate(
      await img
        .webp({
          quality: clampQuality(opts.quality + QUALITY_OFFSET[plan.role]),
          effort: WEBP_EFFORT,
          exact: texels.alpha,
        })
        .toBuffer(),
      'image/webp',
    )
  const color = plan.role === 'color'
  const jpeg = await img
    .jpeg({
      quality: color ? opts.quality : Math.max(opts.quality, 95),
      chromaSubsampling: color ? '4:2:0' : '4:4:4',
    })
    .toBuffer()
  return candidate(jpeg, 'image/jpeg')
}

function candidate(bytes: Buffer, mimeType: string): Candidate {
  return { image: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), mimeType }
}

function clampQuality(q: number): number {
  return Math.max(1, Math.min(100, Math.round(q)))
}
