import { describe, expect, it } from 'vitest'
import { formatRequest, parseImportId, parseResolvedId, toResolvedId } from '../../../src/plugin/ids.js'

const U = '7F3C1A2E-5B6D-4C8E-9F00-1234567890AB'

describe('import ids', () => {
  it.each([
    ['rodin:hero-sword', { id: 'rodin:hero-sword', variant: { kind: 'primary' } }],
    [`rodin:${U}`, { id: `rodin:${U.toLowerCase()}`, variant: { kind: 'primary' } }],
    ['rodin:hero-sword?raw', { id: 'rodin:hero-sword', variant: { kind: 'raw' } }],
    ['rodin:hero-sword?meta', { id: 'rodin:hero-sword', variant: { kind: 'meta' } }],
    ['rodin:hero-sword/preview.webp', { id: 'rodin:hero-sword', variant: { kind: 'file', name: 'preview.webp' } }],
    ['modelslab:123456', { id: 'modelslab:123456', variant: { kind: 'primary' } }],
    ['getty:abc-123/0?meta', { id: 'getty:abc-123/0', variant: { kind: 'meta' } }],
  ])('parses %s', (source, expected) => {
    const req = parseImportId(source)
    expect(req).toEqual(expected)
    const resolved = toResolvedId(req!)
    expect(resolved.startsWith('\0')).toBe(true)
    expect(resolved.endsWith('.js')).toBe(true)
    expect(parseResolvedId(resolved)).toEqual(expected)
    expect(parseImportId(formatRequest(req!))).toEqual(expected)
  })

  it('ignores other ids', () => {
    expect(parseImportId('three')).toBeNull()
    expect(parseImportId('./rodin:x')).toBeNull()
    expect(parseResolvedId('/src/main.js')).toBeNull()
  })

  it.each([
    ['rodin:x?foo', /unknown suffix "\?foo"/],
    ['rodin:x/..', /not a file name/],
    ['rodin:x/a.glb?raw', /cannot be combined/],
    ['getty:abc', /getty:<generationRequestId>\/<index>/],
    ['rodin:', /names no asset/],
  ])('rejects %s', (source, message) => {
    expect(() => parseImportId(source)).toThrow(message)
  })
})
