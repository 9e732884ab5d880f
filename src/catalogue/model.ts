import { define, type Who, who } from './define.js'

const EMIT_UNCHANGED = 'set `optimize: false` for this asset to emit it unchanged'

/** `E_BAD_GLB`: a model that glTF-Transform cannot read. */
export const E_BAD_GLB = define('E_BAD_GLB', {
  invalid: (d: { reason: string }) => `not a valid GLB: ${d.reason}`,
  notBytes: (d: { got: string }) => `not a valid GLB: expected bytes (Uint8Array), got ${d.got}`,
})

/** `E_OPTIMIZE`: the optimizer failed on a model. `model` is e.g. `model "hero"` or `asset "hero" (…)`. */
export const E_OPTIMIZE = define('E_OPTIMIZE', {
  transform: (d: { reason: string }) =>
    `glTF-Transform failed while optimizing the model: ${d.reason} (${EMIT_UNCHANGED})`,
  readBack: (d: { reason: string }) => `the optimized model does not read back (${d.reason}); ${EMIT_UNCHANGED}`,
  poolClosed: (d: { model: string }) => `${d.model}: the optimizer pool is closed`,
  workerMissing: (d: { model: string; script: string }) =>
    `${d.model}: the optimizer worker script is missing (${d.script}); run \`npm run build\``,
  timedOut: (d: { model: string; limit: string }) => ({
    message: `${d.model}: optimizing took longer than its ${d.limit} limit (set from the model's size) and was stopped; other models are not affected.`,
    hint: `The model is probably malformed; ${EMIT_UNCHANGED}`,
  }),
  stopped: (d: { model: string; closed: boolean; crash: string }) =>
    `${d.model}: ${d.closed ? 'the optimizer pool was closed' : `the optimizer worker crashed (${d.crash})`}; other models are not affected`,
  poolClosedWhileRunning: (d: { model: string }) => `${d.model}: the optimizer pool was closed`,
  notWorker: (_: object) => 'optimize/worker.js is started by the optimizer pool, as its child process',
  ktx2Encoder: (d: { texture: string; width: number; height: number; reason: string }) =>
    `the KTX2 encoder failed on ${d.texture} (${d.width}×${d.height}): ${d.reason}; try a smaller "textureSize" or "textureFormat": "webp"`,
  placeholder: (d: { bytes: number }) => `the smallest placeholder is still ${d.bytes} bytes`,
})

const dims = (d: { width: number; height: number; channels: number }) => `${d.width}×${d.height}×${d.channels}`

/** Why a KTX2 texture cannot be decoded as plain 8-bit pixels (`E_BAD_FILE`). */
const KTX2 = {
  ktx2NotKtx2: (_: object) => 'not a KTX2 file',
  ktx2Format: (d: { vkFormat: number }) => `KTX2 vkFormat ${d.vkFormat} is not a plain 8-bit format`,
  ktx2Shape: (_: object) => 'KTX2 image is not a single 2D image',
  ktx2Size: (d: { width: number; height: number }) => `KTX2 size ${d.width}×${d.height} is out of range`,
  ktx2Supercompression: (d: { scheme: number }) => `KTX2 supercompression scheme ${d.scheme} is not supported`,
  ktx2Truncated: (_: object) => 'KTX2 level index is truncated',
  ktx2Outside: (_: object) => 'KTX2 level 0 lies outside the file',
  ktx2Level: (d: { holds: number; width: number; height: number; channels: number }) =>
    `KTX2 level 0 holds ${d.holds} bytes, ${dims(d)} expected`,
  ktx2Zstd: (d: { got: number; width: number; height: number; channels: number }) =>
    `KTX2 level 0 decompresses to ${d.got} bytes, ${dims(d)} expected: its Zstandard data is damaged`,
}

/** `E_BAD_FILE`: a downloaded file whose bytes are not the kind its name declares. */
export const E_BAD_FILE = define('E_BAD_FILE', {
  kind: (d: Who & { file: string; problem: string }) => ({
    message: `${d.file} of ${who(d)} does not match its file type: ${d.problem}. Nothing was stored or emitted.`,
    hint: "The provider or its file host sent something else; check the task in the provider's dashboard, or report it.",
  }),
  ...KTX2,
})

/** `E_BUDGET`: an asset over its manifest budget (frozen mode or CI). `overruns` has one line per overrun. */
export const E_BUDGET = define('E_BUDGET', {
  over: (d: { asset: string; overruns: string }) =>
    `${d.overruns}\n(budgets fail builds in mode "frozen" and when CI is set; locally they warn)`,
})
