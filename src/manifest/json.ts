import { quoteName } from './names.js'

/**
 * `JSON.parse` keeps the last of two equal keys and turns a `"__proto__"` key into a property that most code
 * never sees, so a manifest with `"hero"` twice silently loses one asset (and re-pins the lockfile). This
 * scanner walks text that `JSON.parse` already accepted and reports the first key that repeats within its
 * object, or is `__proto__`. Only valid JSON reaches it, so it needs no error handling of its own.
 * (A dependency for this was not worth it: the walk is one loop over the text.)
 */
export interface KeyProblem {
  kind: 'duplicate' | 'reserved'
  key: string
  /** JSON path of the object holding the key, e.g. `$.assets`. */
  at: string
}

interface Frame {
  /** Keys seen so far (objects), or `null` (arrays). */
  keys: Set<string> | null
  path: string
  /** The key (objects) or index (arrays) of the value being read. */
  current: string | number
}

export function findKeyProblem(text: string): KeyProblem | null {
  const stack: Frame[] = []
  let expectKey = false
  const child = (): string => {
    const top = stack.at(-1)
    return top ? `${top.path}${segment(top.current)}` : '$'
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') {
      let j = i + 1
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      const top = stack.at(-1)
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string
        if (key === '__proto__') return { kind: 'reserved', key, at: top.path }
        if (top.keys.has(key)) return { kind: 'duplicate', key, at: top.path }
        top.keys.add(key)
        top.current = key
        expectKey = false
      }
      i = j
    } else if (c === '{') {
      stack.push({ keys: new Set(), path: child(), current: '' })
      expectKey = true
    } else if (c === '[') {
      stack.push({ keys: null, path: child(), current: 0 })
    } else if (c === '}' || c === ']') {
      stack.pop()
    } else if (c === ',') {
      const top = stack.at(-1)
      if (top?.keys) expectKey = true
      else if (top) top.current = (top.current as number) + 1
    }
  }
  return null
}

/** The sentence an `E_CONFIG` message uses for a {@link KeyProblem}. */
export function describeKeyProblem(problem: KeyProblem): string {
  return problem.kind === 'duplicate'
    ? `the key ${quoteName(problem.key)} appears twice in ${problem.at} (JSON keeps only the last one); remove or rename one of them`
    : `the key "__proto__" in ${problem.at} is not allowed; remove it`
}

function segment(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${quoteName(key)}]`
}
