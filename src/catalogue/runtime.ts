/**
 * The catalogue's browser part: messages of `unplugin-rodin/three`, which runs in the page. It imports nothing,
 * so the runtime stays free of Node modules; each error still has the `name` and `code` of a RodinError, so
 * `isRodinError(err, 'E_CONFIG')` recognises it.
 */
type RuntimeError = Error & { code: 'E_CONFIG' | 'E_NO_FILE' }

function runtimeError(code: RuntimeError['code'], message: string): RuntimeError {
  const err = new Error(`[unplugin-rodin] ${code}: unplugin-rodin/three: ${message}`) as RuntimeError
  err.name = 'RodinError'
  err.code = code
  return err
}

export const runtimeErrors = {
  noUrl: (d: { asset: string }) =>
    runtimeError(
      'E_CONFIG',
      `"${d.asset}" has no URL. Pass the module namespace (import * as x from 'rodin:x') or { url, meta }; a ?meta import has no file.`,
    ),
  notModel: (d: { asset: string; kind: string }) =>
    runtimeError(
      'E_CONFIG',
      `"${d.asset}" is a ${d.kind}, not a glTF model; use its URL directly (e.g. TextureLoader for images).`,
    ),
  decodersNotEmitted: (d: { set: string }) =>
    runtimeError(
      'E_CONFIG',
      `the ${d.set} decoder files were not emitted. Add the unplugin-rodin plugin to the bundler that builds this page (e.g. plugins: [rodin()] from 'unplugin-rodin/vite'); it serves them from the installed three package.`,
    ),
  decoderFileMissing: (d: { file: string }) =>
    runtimeError('E_NO_FILE', `decoder file ${d.file} is missing from the emitted set`),
  rendererNeeded: (d: { asset: string }) =>
    runtimeError(
      'E_CONFIG',
      `"${d.asset}" has KTX2 textures (meta.decoders.ktx2), which need the renderer to pick a GPU format. Pass it: loadRodin(asset, { renderer }).`,
    ),
}
