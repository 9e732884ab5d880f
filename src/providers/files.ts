import { errors } from '../catalogue/index.js'
import { FILE_NAME_RE, quoteName } from '../manifest/schema.js'
import type { AssetEntry } from '../manifest/manifest.js'
import type { ProviderFile } from './types.js'
import { listSome } from '../util/list.js'

const MODEL_EXTENSIONS = ['.glb', '.gltf', '.usdz', '.fbx', '.obj', '.stl', '.ply']
const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.avif']

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot <= 0 ? '' : name.slice(dot).toLowerCase()
}

function isModelFile(name: string): boolean {
  return MODEL_EXTENSIONS.includes(extensionOf(name))
}

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extensionOf(name))
}

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

/**
 * The primary file: the entry's `file`; else the first `.glb` (preferring a `*pbr*` one), then `.gltf`,
 * `.usdz`, `.fbx`, `.obj`, `.stl`, `.ply`; else an image. Never picked by position alone.
 */
export function pickPrimary(entry: AssetEntry, names: string[]): string {
  if (entry.file) {
    if (names.includes(entry.file)) return entry.file
    const who = { asset: entry.alias, provider: entry.provider, task: entry.task }
    throw errors.E_NO_FILE('named', { ...who, file: entry.file, has: listSome(names) })
  }
  const sorted = [...names].sort()
  for (const ext of MODEL_EXTENSIONS) {
    const matches = sorted.filter(n => extensionOf(n) === ext)
    const pick = matches.find(n => /pbr/i.test(n)) ?? matches[0]
    if (pick) return pick
  }
  const image = sorted.find(n => isImageFile(n) && !/^preview\./i.test(n)) ?? sorted.find(isImageFile)
  if (image) return image
  throw errors.E_NO_FILE('noModel', {
    asset: entry.alias,
    provider: entry.provider,
    task: entry.task,
    has: listSome(names),
  })
}

/** The provider's preview image, when there is one besides the primary. */
export function pickPreview(names: string[], primary: string): string | null {
  return names.find(n => n !== primary && /^preview\.(?:webp|png|jpe?g)$/i.test(n)) ?? null
}
