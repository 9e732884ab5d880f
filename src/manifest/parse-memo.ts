/** The files whose validated data a {@link ParseMemo} keeps. */
export type ParsedKind = 'manifest' | 'lockfile'

/**
 * Validated data of files read before, keyed by their exact text. Validating is cheap; loading zod and building
 * the schemas is not (most of the plugin's own start-up in a warm `vite build`), so a build whose manifest and
 * lockfile did not change skips both. The pipeline keeps the data in its store as records signed with the user's
 * key (pipeline/parse-memo.ts): a restored or shared cache cannot vouch for a file. Without a memo every read
 * validates.
 */
export interface ParseMemo {
  /** The data validated for exactly this text, or `undefined`. */
  get(kind: ParsedKind, text: string): Promise<unknown>
  /** Remembers `data` for `text`; a memo that cannot write stays silent (it only saves work). */
  set(kind: ParsedKind, text: string, data: unknown): Promise<void>
}

/** `validate()`'s result for `text`, from the memo when it has one; a fresh result is remembered. */
export async function memoized<T>(
  memo: ParseMemo | undefined,
  kind: ParsedKind,
  text: string,
  validate: () => Promise<T>,
): Promise<T> {
  const known = await memo?.get(kind, text)
  if (known !== undefined) return known as T
  const data = await validate()
  await memo?.set(kind, text, data)
  return data
}
