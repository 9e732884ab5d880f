// Checks on every output: it decodes (glTF-Transform with the meshopt and Draco decoders), how many
// triangles it keeps, and which validator errors it has that its input did not.
import { getIO } from '../dist/optimize/io.js'
import { inspectGlb } from '../dist/optimize/optimize.js'

let validatorModule

async function validator() {
  // gltf-validator ships no types and only a CommonJS entry: load it by name at run time.
  const name = 'gltf-validator'
  validatorModule ??= import(name).then(m => (m.validateBytes ? m : m.default))
  return validatorModule
}

/** Validator error codes (with JSON pointers) of a GLB; external resources are refused. */
export async function validatorErrors(bytes) {
  const report = await (await validator()).validateBytes(bytes, {
    maxIssues: 1000,
    externalResourceFunction: () => Promise.reject(new Error('external resources are not allowed')),
  })
  return report.issues.messages.filter(m => m.severity === 0).map(m => `${m.code} ${m.pointer ?? ''}`.trim())
}

/**
 * `{ decodes, error?, triangles, newErrors }` for an output, given its input's validator errors.
 * gltf-validator cannot decode meshopt/Draco payloads (it reports what it can check), so decoding with
 * glTF-Transform is the proof that the compressed data is readable.
 */
export async function checkOutput(bytes, inputErrors) {
  let decodes = true
  let error
  let triangles
  try {
    await (await getIO()).readBinary(bytes)
    triangles = (await inspectGlb(bytes)).triangles
  } catch (err) {
    decodes = false
    error = String(err?.message ?? err).slice(0, 200)
  }
  const errors = await validatorErrors(bytes)
  // An error code the input had at any pointer is not new (optimizers renumber textures and images).
  const inputCodes = new Set(inputErrors.map(e => e.split(' ')[0]))
  const newErrors = errors.filter(e => !inputCodes.has(e.split(' ')[0]))
  return { decodes, error, triangles, errors: errors.length, newErrors }
}

export async function triangles(bytes) {
  return (await inspectGlb(bytes)).triangles
}

/** Bytes of all images a GLB embeds (the texture share of a model). */
export async function textureBytes(bytes) {
  const doc = await (await getIO()).readBinary(bytes)
  return doc
    .getRoot()
    .listTextures()
    .reduce((sum, t) => sum + (t.getImage()?.byteLength ?? 0), 0)
}
