import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const FIXTURES_DIR = fileURLToPath(new URL('../../../fixtures/', import.meta.url))

/** A fixture GLB as a fresh Uint8Array. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES_DIR}${name}`))
}

export interface ValidationSummary {
  errors: number
  warnings: number
  /** Error codes with their JSON pointers, e.g. "TEXTURE_INVALID_IMAGE_MIME_TYPE /textures/1/source". */
  errorCodes: string[]
}

interface ValidatorModule {
  validateBytes: (data: Uint8Array, options: object) => Promise<{
    issues: { numErrors: number, numWarnings: number, messages: { code: string, severity: number, pointer?: string }[] }
  }>
}

let validator: Promise<ValidatorModule> | undefined

/** Khronos glTF-Validator on bytes; external resources are refused. */
export async function validate(bytes: Uint8Array): Promise<ValidationSummary> {
  // gltf-validator ships no types: a non-literal specifier keeps TypeScript from asking for them.
  const name = 'gltf-validator'
  validator ??= import(name).then((m: Partial<ValidatorModule> & { default?: ValidatorModule }) => (m.validateBytes ? m as ValidatorModule : m.default!))
  const report = await (await validator).validateBytes(bytes, {
    maxIssues: 1000,
    externalResourceFunction: () => Promise.reject(new Error('external resources are not allowed')),
  })
  return {
    errors: report.issues.numErrors,
    warnings: report.issues.numWarnings,
    errorCodes: report.issues.messages.filter(m => m.severity === 0).map(m => `${m.code} ${m.pointer ?? ''}`.trim()),
  }
}

/** Awaits a promise that must reject, and returns the rejection. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  }
  catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected the promise to reject')
}
