import { describe, expect, it } from 'vitest'
import { causeError, errors, failedSummary, relayed } from '../../../src/catalogue/index.js'
import { ERROR_CODES, isRodinError, RodinError } from '../../../src/errors.js'
import { registerSecret } from '../../../src/redact.js'
import { runtimeErrors } from '../../../src/catalogue/runtime.js'
import { CASES } from './cases.js'

// One snapshot per code (test/unit/catalogue/__snapshots__): every message of the catalogue, written from
// representative details, so a change of wording shows up as a diff in review.
describe.each(ERROR_CODES)('%s', code => {
  it('has a case for every message, and every message matches its snapshot', () => {
    const make = errors[code]
    const cases = CASES[code] as Record<string, object> | undefined
    expect(cases, `no snapshot cases for ${code} in test/unit/catalogue/cases.ts`).toBeDefined()
    expect(make.code).toBe(code)
    expect(Object.keys(cases ?? {}).sort()).toEqual(Object.keys(make.templates).sort())
    const rendered: Record<string, { message: string; hint?: string; details: object }> = {}
    for (const [kind, details] of Object.entries(cases ?? {})) {
      const err = (make as (kind: string, details: object) => RodinError)(kind, details)
      expect(err).toBeInstanceOf(RodinError)
      expect(isRodinError(err, code)).toBe(true)
      expect(err.message.startsWith(`[unplugin-rodin] ${code}: `)).toBe(true)
      expect(err.message).not.toMatch(/undefined|\[object Object\]|NaN/)
      rendered[kind] = { message: err.message, ...(err.hint ? { hint: err.hint } : {}), details: err.details }
    }
    expect(rendered).toMatchSnapshot()
  })
})

describe('catalogue', () => {
  it('lists exactly the codes of ERROR_CODES', () => {
    expect(Object.keys(errors).sort()).toEqual([...ERROR_CODES].sort())
    expect(Object.keys(CASES).sort()).toEqual([...ERROR_CODES].sort())
  })

  it('keeps only the known detail fields, and the cause', () => {
    const cause = new Error('root')
    const err = errors.E_HTTP('hostNotFound', {
      asset: 'hero',
      provider: 'rodin',
      task: 't1',
      request: 'GET https://x.test/',
      url: 'https://x.test/',
      cause,
    })
    expect(err.details).toEqual({ asset: 'hero', provider: 'rodin', task: 't1', url: 'https://x.test/' })
    expect(err.cause).toBe(cause)
  })

  it('puts a hint on its own line and on err.hint', () => {
    const err = errors.E_REMOTE('s3Client', { remote: 's3://team', reason: 'ERR_MODULE_NOT_FOUND' })
    const hint = 'Install it next to unplugin-rodin: npm install --save-dev @aws-sdk/client-s3 (or set remote: false).'
    expect(err.message).toBe(
      '[unplugin-rodin] E_REMOTE: team store s3://team needs the package @aws-sdk/client-s3, which could not be loaded (ERR_MODULE_NOT_FOUND).\n' +
        `  hint: ${hint}`,
    )
    expect(err.hint).toBe(hint)
  })

  it('redacts registered secrets from messages and hints', () => {
    registerSecret('sk-catalogue-secret-123456')
    const err = errors.E_REMOTE('s3Client', { remote: 's3://b', reason: 'sk-catalogue-secret-123456' })
    expect(err.message).not.toContain('sk-catalogue-secret-123456')
  })

  it('names the configured manifest and lockfile, not the default names', () => {
    const messages = [
      errors.E_INTEGRITY('sourceMismatch', { ...CASES.E_INTEGRITY.sourceMismatch }).message,
      errors.E_NOT_GENERATED('recipe', { ...CASES.E_NOT_GENERATED.recipe }).message,
      errors.E_NO_FILE('unpinned', { ...CASES.E_NO_FILE.unpinned }).message,
      errors.E_HTTP('modelslabUnknown', { ...CASES.E_HTTP.modelslabUnknown }).message,
    ]
    for (const m of messages) {
      expect(m).not.toMatch(/assets\.rodin(\.lock)?\.json/)
      expect(m).toMatch(/models(\.lock)?\.json/)
    }
  })

  it('summarises failures under the code of the first one', () => {
    const err = failedSummary('E_TASK_FAILED', 2, 5, 'asset(s)')
    expect(err.code).toBe('E_TASK_FAILED')
    expect(err.message).toBe('[unplugin-rodin] E_TASK_FAILED: 2 of 5 asset(s) failed (see above)')
  })

  it('relays a worker error under its code and builds plain causes', () => {
    expect(relayed('E_BAD_GLB', 'not a valid GLB: truncated', 'model "x"').message).toBe(
      '[unplugin-rodin] E_BAD_GLB: model "x": not a valid GLB: truncated',
    )
    const cause = causeError('no data for 10 ms', 'E_STALL')
    expect(cause).toBeInstanceOf(Error)
    expect(cause.code).toBe('E_STALL')
  })
})

describe('runtime catalogue (unplugin-rodin/three)', () => {
  const cases: { [K in keyof typeof runtimeErrors]: Parameters<(typeof runtimeErrors)[K]>[0] } = {
    noUrl: { asset: 'hero' },
    notModel: { asset: 'poster', kind: 'image' },
    decodersNotEmitted: { set: 'draco' },
    decoderFileMissing: { file: 'draco_decoder.wasm' },
    rendererNeeded: { asset: 'hero' },
  }

  it('has a case for every message, and every message matches its snapshot', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(runtimeErrors).sort())
    const rendered: Record<string, string> = {}
    for (const [kind, details] of Object.entries(cases)) {
      const err = (runtimeErrors[kind as keyof typeof runtimeErrors] as (d: object) => Error)(details)
      expect(isRodinError(err)).toBe(true)
      rendered[kind] = err.message
    }
    expect(rendered).toMatchSnapshot()
  })
})
