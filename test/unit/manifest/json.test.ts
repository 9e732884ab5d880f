import { describe, expect, it } from 'vitest'
import { findKeyProblem } from '../../../src/manifest/json.js'

describe('findKeyProblem', () => {
  it('finds a repeated key with the path of its object, through arrays, escapes and nesting', () => {
    expect(findKeyProblem('{"a": [{"k": 1}, {"k": 2, "s": "x\\\\\\"}", "k": 3}]}')).toEqual({
      kind: 'duplicate',
      key: 'k',
      at: '$.a[1]',
    })
    expect(findKeyProblem('{"x-y": {"q\\"r": 1, "q\\u0022r": 2}}')).toEqual({
      kind: 'duplicate',
      key: 'q"r',
      at: '$["x-y"]',
    })
  })

  it('accepts equal keys in different objects, and strings that look like keys', () => {
    expect(findKeyProblem('{"a": {"k": 1}, "b": {"k": 1}, "c": ["k", "k", {}], "k": "{\\"k\\": 1}"}')).toBeNull()
    expect(findKeyProblem('[{}, {"a": 1}, {"a": 2}]')).toBeNull()
  })

  it('refuses a __proto__ key anywhere', () => {
    expect(findKeyProblem('{"a": [{"__proto__": {}}]}')).toEqual({ kind: 'reserved', key: '__proto__', at: '$.a[0]' })
  })
})
