// gltf-validator ships no types; only what the tests use.
declare module 'gltf-validator' {
  export interface ValidationReport {
    issues: {
      numErrors: number
      numWarnings: number
      messages: { code: string; message: string; severity: number; pointer?: string }[]
    }
    info?: Record<string, unknown>
  }
  export function validateBytes(data: Uint8Array, options?: Record<string, unknown>): Promise<ValidationReport>
  const validator: { validateBytes: typeof validateBytes; version: () => string }
  export default validator
}
