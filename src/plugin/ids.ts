import { errors } from '../catalogue/index.js'
import type { RodinError } from '../errors.js'
import type { Variant } from '../pipeline/module.js'

/** A parsed import id: which manifest asset (by lookup id) and which variant of it. */
export interface AssetRequest {
  /** Lookup id as the manifest indexes it: `rodin:<alias|uuid>`, `modelslab:<id>`, `getty:<gen>/<index>`. */
  id: string
  variant: Variant
}

export const ID_RE = /^(?:rodin|modelslab|getty):/
/** Resolved ids end in `.js` so webpack-based hosts pick their JavaScript rules. */
const RESOLVED_PREFIX = '\0unplugin-rodin/'
export const RESOLVED_RE = /^\0unplugin-rodin\//

/**
 * Parses `rodin:<x>`, `rodin:<x>?raw`, `rodin:<x>?meta`, `rodin:<x>/<file-name>`, `modelslab:<id>[?raw|?meta]`
 * and `getty:<generation>/<index>[?raw|?meta]`. Returns `null` for ids that are not ours.
 */
export function parseImportId(source: string): AssetRequest | null {
  const m = /^(rodin|modelslab|getty):([^?#]*)(?:\?([^#]*))?$/.exec(source)
  if (!m) return null
  const [, scheme, path = '', query = ''] = m
  let variant: Variant = { kind: 'primary' }
  if (query === 'raw') variant = { kind: 'raw' }
  else if (query === 'meta') variant = { kind: 'meta' }
  else if (query !== '' && query !== 'url') throw bad(source, `unknown suffix "?${query}" (use ?raw or ?meta)`)
  let key = path
  if (scheme !== 'getty') {
    const slash = path.indexOf('/')
    if (slash >= 0) {
      key = path.slice(0, slash)
      const name = decodeURIComponent(path.slice(slash + 1))
      if (!name || name.includes('/') || name.includes('\\') || name === '..' || name === '.')
        throw bad(source, `"${name}" is not a file name of the task`)
      if (variant.kind !== 'primary') throw bad(source, `?${query} cannot be combined with a file name`)
      variant = { kind: 'file', name }
    }
  } else if (!/^[^/]+\/\d+$/.test(path)) {
    throw bad(source, 'Getty ids look like getty:<generationRequestId>/<index>')
  }
  if (!key) throw bad(source, 'the id names no asset')
  return { id: `${scheme}:${scheme === 'rodin' && /^[0-9A-F-]{36}$/i.test(key) ? key.toLowerCase() : key}`, variant }
}

export function toResolvedId(req: AssetRequest): string {
  const v = req.variant.kind === 'file' ? `file/${encodeURIComponent(req.variant.name)}` : req.variant.kind
  return `${RESOLVED_PREFIX}${encodeURIComponent(req.id)}/${v}.js`
}

export function parseResolvedId(id: string): AssetRequest | null {
  const m = /^\0unplugin-rodin\/([^/]+)\/(primary|raw|meta|file\/[^/]+)\.js$/.exec(id)
  if (!m) return null
  const [, encoded, v] = m as unknown as [string, string, string]
  const variant: Variant = v.startsWith('file/')
    ? { kind: 'file', name: decodeURIComponent(v.slice(5)) }
    : { kind: v as 'primary' | 'raw' | 'meta' }
  return { id: decodeURIComponent(encoded), variant }
}

/** The public id again, for messages. */
export function formatRequest(req: AssetRequest): string {
  const v = req.variant
  return v.kind === 'file' ? `${req.id}/${v.name}` : v.kind === 'primary' ? req.id : `${req.id}?${v.kind}`
}

function bad(source: string, why: string): RodinError {
  return errors.E_CONFIG('badImport', { source, why })
}
