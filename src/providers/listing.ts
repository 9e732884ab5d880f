import { isImageFile, isModelFile } from '../manifest/files.js'
import { FILE_NAME_RE, quoteName } from '../manifest/names.js'
import type { AssetEntry } from '../manifest/manifest.js'
import type { ProviderFile } from './types.js'

/**
 * Server-provided names are untrusted: anything that could act as a path (separators, `..`, drive letters,
 * control characters) is dropped with a warning, and a repeated name keeps its first URL.
 */
export function sanitizeFiles(files: ProviderFile[], warn: (message: string) => void, label: string): ProviderFile[] {
  const seen = new Set<string>()
  const out: ProviderFile[] = []
  for (const file of files) {
    if (typeof file?.name !== 'string' || typeof file.url !== 'string') continue
    if (!FILE_NAME_RE.test(file.name)) {
      warn(`${label}: ignoring file with unsafe name ${quoteName(file.name.slice(0, 80))}`)
      continue
    }
    if (seen.has(file.name)) continue
    seen.add(file.name)
    out.push(file)
  }
  return out
}

/** True when the list holds what the entry asks for (its `file`, else any model or image). */
export function hasWantedFile(entry: AssetEntry, names: string[]): boolean {
  if (entry.file) return names.includes(entry.file)
  return names.some(n => isModelFile(n) || (entry.provider === 'getty' && isImageFile(n)))
}
