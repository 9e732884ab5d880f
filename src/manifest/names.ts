// Rules for names that come from files anyone can edit (manifest, lockfile) or from a provider. Kept apart from
// the zod schemas that use them, so code that only checks a name does not load zod.

/** Aliases become import ids and file names: keep them short and path-safe. */
export const ALIAS_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/**
 * Server file names are never paths: one segment, no control characters. Nor may they deceive a reader or a
 * lookup: no bidi controls (U+202A–U+202E, U+2066–U+2069, marks), no zero-width or invisible characters, no
 * leading or trailing white space, and not `__proto__` (an object key that sets a prototype instead).
 */
export const FILE_NAME_RE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse control characters
  /^(?!\.{1,2}$)(?!__proto__$)(?!\s)(?!.*\s$)[^/\\\0-\x1F\x7F-\x9F:\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]{1,128}$/

// The characters FILE_NAME_RE refuses for being invisible or reordering text, plus control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
const HIDDEN_RE = /[\0-\x1F\x7F-\x9F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g

/**
 * A name quoted for a message, with control, bidi and invisible characters written as `\uXXXX`: a refused
 * name must not reorder or hide the text of the message that refuses it.
 */
export function quoteName(name: string): string {
  return JSON.stringify(name).replace(HIDDEN_RE, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
