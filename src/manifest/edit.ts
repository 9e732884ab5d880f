import { readFile } from 'node:fs/promises'
import { isDeepStrictEqual } from 'node:util'
import { errors } from '../catalogue/index.js'
import type { RodinError } from '../errors.js'
import { writeFileAtomic } from '../util/atomic.js'

interface Member {
  key: string
  keyStart: number
  valueStart: number
  valueEnd: number
}

/**
 * Sets `assets[alias]` in a manifest's text and changes no other byte: other entries, their order, comments
 * of whitespace, indentation (spaces or tabs), line endings and a BOM stay as the user wrote them. A new alias
 * goes after the last entry, indented like it; an existing one has only its value replaced.
 */
export function setManifestAsset(text: string, alias: string, value: unknown, file = 'assets.rodin.json'): string {
  const parsed = JSON.parse(text.replace(/^\uFEFF/, '')) as { assets?: unknown }
  const start = skipWs(text, text.startsWith('\uFEFF') ? 1 : 0)
  if (text[start] !== '{') throw bad(file, 'the manifest is not a JSON object')
  const top = members(text, start)
  const assets = top.members.filter(m => m.key === 'assets').at(-1)
  if (!assets || text[assets.valueStart] !== '{') {
    throw bad(
      file,
      Array.isArray(parsed.assets)
        ? '"assets" is a list of task UUIDs, which has no room for an alias. Turn it into an object ({"<alias>": "<uuid>", …}) first'
        : 'it has no "assets" object. Add "assets": {} first',
    )
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const inner = members(text, assets.valueStart)
  const existing = inner.members.filter(m => m.key === alias).at(-1)
  const assetsIndent = lineIndent(text, assets.keyStart)
  let out: string
  if (existing) {
    const indent = lineIndent(text, existing.keyStart)
    const unit = unitOf(indent, assetsIndent)
    out = splice(text, existing.valueStart, existing.valueEnd, serialize(value, indent, unit, eol))
  } else if (inner.members.length > 0) {
    const last = inner.members.at(-1)!
    const indent = lineIndent(text, last.keyStart)
    const colon = text.slice(last.keyStart, last.valueStart).replace(/^"(?:[^"\\]|\\.)*"/, '')
    const member = `${JSON.stringify(alias)}${colon}${serialize(value, indent, unitOf(indent, assetsIndent), eol)}`
    const prev = inner.members.at(-2)
    // One-line "assets": separate like the entries before it do.
    const gap = indent !== null ? `,${eol}${indent}` : prev ? text.slice(prev.valueEnd, last.keyStart) : ', '
    out = splice(text, last.valueEnd, last.valueEnd, `${gap}${member}`)
  } else {
    const indent = assetsIndent === null ? null : assetsIndent + (assetsIndent || '  ')
    const unit = unitOf(indent, assetsIndent)
    const member = `${JSON.stringify(alias)}: ${serialize(value, indent, unit, eol)}`
    const closedOnOwnLine = /\n[ \t]*$/.test(text.slice(assets.valueStart + 1, inner.close))
    const insert =
      indent === null ? member : `${eol}${indent}${member}${closedOnOwnLine ? '' : `${eol}${assetsIndent ?? ''}`}`
    out = splice(text, assets.valueStart + 1, assets.valueStart + 1, insert)
  }
  // The edit must mean exactly "this one asset changed"; anything else is a bug, and the file is left alone.
  const after = JSON.parse(out.replace(/^\uFEFF/, '')) as { assets: Record<string, unknown> }
  const expected = { ...(parsed.assets as Record<string, unknown>), [alias]: value }
  if (!isDeepStrictEqual(after.assets, expected)) throw bad(file, 'editing it would change other entries')
  return out
}

/**
 * Reads the manifest, sets one asset (`value` may derive it from the entry it replaces) and writes the file
 * atomically: readers see the old or the new file.
 */
export async function writeManifestAsset(path: string, alias: string, value: (old: unknown) => unknown): Promise<void> {
  const text = await readFile(path, 'utf8')
  const old = (JSON.parse(text.replace(/^\uFEFF/, '')) as { assets?: Record<string, unknown> }).assets?.[alias]
  await writeFileAtomic(path, setManifestAsset(text, alias, value(old), path), 'manifest-temp-written')
}

function bad(file: string, why: string): RodinError {
  return errors.E_CONFIG('manifestEdit', { manifest: file, why })
}

function splice(text: string, from: number, to: number, insert: string): string {
  return text.slice(0, from) + insert + text.slice(to)
}

/** The whitespace before `pos` on its line, or `null` when something else precedes it (a one-line file). */
function lineIndent(text: string, pos: number): string | null {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1
  const before = text.slice(lineStart, pos).replace(/^\uFEFF/, '')
  return /^[ \t]*$/.test(before) ? before : null
}

function unitOf(indent: string | null, parent: string | null): string {
  if (indent === null) return ''
  const unit = parent !== null && indent.startsWith(parent) ? indent.slice(parent.length) : ''
  return unit || '  '
}

function serialize(value: unknown, indent: string | null, unit: string, eol: string): string {
  if (indent === null) return JSON.stringify(value)
  return JSON.stringify(value, null, unit).split('\n').join(`${eol}${indent}`)
}

function skipWs(t: string, i: number): number {
  while (i < t.length && /\s/.test(t[i]!)) i++
  return i
}

function skipString(t: string, i: number): number {
  for (i++; i < t.length && t[i] !== '"'; i++) if (t[i] === '\\') i++
  return i + 1
}

function skipValue(t: string, i: number): number {
  if (t[i] === '"') return skipString(t, i)
  if (t[i] === '{' || t[i] === '[') {
    for (let depth = 0; i < t.length; ) {
      const c = t[i]
      if (c === '"') {
        i = skipString(t, i)
        continue
      }
      if (c === '{' || c === '[') depth++
      else if ((c === '}' || c === ']') && --depth === 0) return i + 1
      i++
    }
    return i
  }
  while (i < t.length && !/[\s,\]}]/.test(t[i]!)) i++
  return i
}

/** Members of the (valid) JSON object that opens at `open`, and the index of its closing brace. */
function members(t: string, open: number): { members: Member[]; close: number } {
  const out: Member[] = []
  let i = skipWs(t, open + 1)
  if (t[i] === '}') return { members: out, close: i }
  for (;;) {
    const keyStart = i
    const keyEnd = skipString(t, i)
    const key = JSON.parse(t.slice(keyStart, keyEnd)) as string
    const valueStart = skipWs(t, skipWs(t, keyEnd) + 1)
    const valueEnd = skipValue(t, valueStart)
    out.push({ key, keyStart, valueStart, valueEnd })
    i = skipWs(t, valueEnd)
    if (t[i] !== ',') return { members: out, close: i }
    i = skipWs(t, i + 1)
  }
}
