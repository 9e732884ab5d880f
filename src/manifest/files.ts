import { errors } from '../catalogue/index.js'
import type { AssetEntry } from './manifest.js'
import { listSome } from '../util/list.js'

// Which file of a task is the model, which are images: the pipeline, the declarations and the CLI all ask.

const MODEL_EXTENSIONS = ['.glb', '.gltf', '.usdz', '.fbx', '.obj', '.stl', '.ply']
const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.avif']

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot <= 0 ? '' : name.slice(dot).toLowerCase()
}

export function isModelFile(name: string): boolean {
  return MODEL_EXTENSIONS.includes(extensionOf(name))
}

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extensionOf(name))
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
