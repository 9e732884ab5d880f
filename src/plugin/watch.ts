import { parseResolvedId } from './ids.js'

/** The generated modules (in a module graph keyed by resolved id) that serve any of `ids`. */
export function modulesFor<M>(idToModule: ReadonlyMap<string, M>, ids: ReadonlySet<string>): M[] {
  const out: M[] = []
  for (const [resolved, mod] of idToModule) {
    const req = parseResolvedId(resolved)
    if (req && ids.has(req.id)) out.push(mod)
  }
  return out
}

/**
 * One reload per file change, shared by every environment of the dev server (Vite calls `hotUpdate` once
 * per environment with the same timestamp); changes are handled one after the other.
 */
export function createReloader(reload: () => Promise<Set<string>>) {
  let last: { key: string; ids: Promise<Set<string>> } | undefined
  let queue: Promise<unknown> = Promise.resolve()
  return (file: string, timestamp: number): Promise<Set<string>> => {
    const key = `${file}\0${timestamp}`
    if (last?.key !== key) {
      const ids = queue.then(reload)
      queue = ids.catch(() => {})
      last = { key, ids }
    }
    return last.ids
  }
}
