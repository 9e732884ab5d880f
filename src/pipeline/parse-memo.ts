import { createRequire } from 'node:module'
import type { ParsedKind, ParseMemo } from '../manifest/parse-memo.js'
import { versionedKey } from '../store/store.js'
import type { Store } from '../store/store.js'
import { sha256Hex } from '../util/hash.js'

/**
 * Bump when a schema in src/manifest/ accepts other texts or gives other data for the same text: a record vouches
 * for data only under the schemas that made it. Releases are covered by the package version in the key.
 */
const SCHEMA_REVISION = 1

const SCHEMAS = `${packageVersion()}/${SCHEMA_REVISION}`

/** The record key of `text`'s validated data. */
export function parsedKey(kind: ParsedKind, text: string): string {
  return versionedKey({ parsed: kind, text: sha256Hex(text), schemas: SCHEMAS })
}

/**
 * A {@link ParseMemo} kept in the store as signed derived records. It never fails a build: a record it cannot
 * read or write costs one validation.
 */
export function storeParseMemo(store: Store): ParseMemo {
  return {
    async get(kind, text) {
      const record = await store.readJson<{ data?: unknown }>('derived', parsedKey(kind, text)).catch(() => null)
      return record?.data
    },
    async set(kind, text, data) {
      await store.writeJson('derived', parsedKey(kind, text), { data }).catch(() => {})
    },
  }
}

// By the package's own name: the bundled module's place in dist/ differs from this source file's in src/.
function packageVersion(): string {
  return (createRequire(import.meta.url)('unplugin-rodin/package.json') as { version: string }).version
}
