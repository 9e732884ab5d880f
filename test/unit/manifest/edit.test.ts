import { describe, expect, it } from 'vitest'
import { isRodinError } from '../../../src/errors.js'
import { setManifestAsset } from '../../../src/manifest/edit.js'

const value = { task: '7f3c1a2e-5b6d-4c8e-9f00-1234567890ab', generate: { prompt: 'a sword', tier: 'Regular' } }

/** `after` is `before` with exactly one run of bytes inserted: returns that run. */
function inserted(before: string, after: string): string {
  let i = 0
  while (i < before.length && before[i] === after[i]) i++
  const tail = before.length - i
  expect(after.slice(after.length - tail)).toBe(before.slice(i))
  return after.slice(i, after.length - tail)
}

describe('setManifestAsset', () => {
  it('appends a new alias after the last entry, indented like it, and leaves every other byte alone', () => {
    const before = '{\n  "optimize": "web",\n  "assets": {\n    "a": "u1",\n    "b": { "task": "u2" }\n  }\n}\n'
    const after = setManifestAsset(before, 'hero', value)
    expect(inserted(before, after)).toBe(
      `,\n    "hero": {\n      "task": "${value.task}",\n      "generate": {\n        "prompt": "a sword",\n        "tier": "Regular"\n      }\n    }`,
    )
    expect(Object.keys(JSON.parse(after).assets)).toEqual(['a', 'b', 'hero'])
  })

  it('keeps tabs, CRLF line endings and a BOM', () => {
    const before = '\uFEFF{\r\n\t"assets": {\r\n\t\t"a": "u1"\r\n\t}\r\n}\r\n'
    const after = setManifestAsset(before, 'hero', { task: 'x' })
    expect(inserted(before, after)).toBe(',\r\n\t\t"hero": {\r\n\t\t\t"task": "x"\r\n\t\t}')
  })

  it('writes one-line manifests on one line, separated like their entries', () => {
    expect(setManifestAsset('{"assets":{"a":"u1","b":"u2"}}', 'c', { task: 'x' })).toBe(
      '{"assets":{"a":"u1","b":"u2","c":{"task":"x"}}}',
    )
    expect(setManifestAsset('{"assets":{}}', 'c', { task: 'x' })).toBe('{"assets":{"c": {"task":"x"}}}')
  })

  it('fills an empty assets object with one more level of the file indentation', () => {
    expect(setManifestAsset('{\n    "assets": {}\n}\n', 'c', { task: 'x' })).toBe(
      '{\n    "assets": {\n        "c": {\n            "task": "x"\n        }\n    }\n}\n',
    )
    expect(setManifestAsset('{\n  "assets": {\n  }\n}\n', 'c', { task: 'x' })).toBe(
      '{\n  "assets": {\n    "c": {\n      "task": "x"\n    }\n  }\n}\n',
    )
  })

  it('replaces only the value of an existing alias (a recipe that got its task)', () => {
    const before = '{\n  "assets": {\n    "hero": { "generate": { "prompt": "y" } },\n    "b": "u"\n  }\n}\n'
    const after = setManifestAsset(before, 'hero', { task: 'x', generate: { prompt: 'y' } })
    expect(after).toBe(
      '{\n  "assets": {\n    "hero": {\n      "task": "x",\n      "generate": {\n        "prompt": "y"\n      }\n    },\n    "b": "u"\n  }\n}\n',
    )
  })

  it('refuses an assets array, and leaves the text unchanged', () => {
    let err: unknown
    try {
      setManifestAsset('{"assets": ["7f3c1a2e-5b6d-4c8e-9f00-1234567890ab"]}', 'hero', value)
    } catch (e) {
      err = e
    }
    expect(isRodinError(err, 'E_CONFIG')).toBe(true)
    expect((err as Error).message).toMatch(/"assets" is a list of task UUIDs.*Turn it into an object/)
  })

  it('copes with strings that contain braces, quotes and escapes', () => {
    const before = '{\n  "assets": {\n    "a}": { "generate": { "prompt": "say \\"}{\\" \\\\" } }\n  }\n}'
    const after = setManifestAsset(before, 'b', { task: 'x' })
    expect(inserted(before, after)).toBe(',\n    "b": {\n      "task": "x"\n    }')
  })
})
