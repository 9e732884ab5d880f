// `unplugin-rodin/three`: load a `rodin:` asset into three.js with exactly the decoders it needs, served from
// files the bundler emitted (never a CDN), and look its parts up by name. Importing this module touches no
// browser global and loads no three.js code (SSR-safe): everything is imported on first use.
import type { AnimationClip, LOD, LoadingManager, Material, Object3D } from 'three'
import type { GLTF } from 'three/examples/jsm/loaders/GLTFLoader.js'
import type { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js'
import { runtimeErrors } from '../catalogue/runtime.js'
import type { DecoderNeeds } from '../meta.js'
import type { KTX2Renderer } from './decoders.js'

export type { KTX2Renderer } from './decoders.js'

/** The part of a model's `meta` this module reads. A `rodin:` import's `meta` has it. */
export interface RodinModelInfo {
  id: string
  kind: string
  decoders?: DecoderNeeds
  nodes?: readonly string[]
  materials?: readonly string[]
  animations?: readonly string[]
  bounds?: { min: readonly number[]; max: readonly number[] }
}

/**
 * A `rodin:` module: its namespace (`import * as sword from 'rodin:sword'`) or its URL and `meta`
 * (`{ url: sword, meta }`, with `import sword, { meta } from 'rodin:sword'`).
 */
export type RodinAsset<M extends RodinModelInfo = RodinModelInfo> =
  | { readonly default: string; readonly meta: M }
  | { readonly url: string; readonly meta: M }

export interface LoadRodinOptions {
  /** Needed for KTX2 textures (`meta.decoders.ktx2`): the KTX2 transcoder picks a format the GPU supports. */
  renderer?: KTX2Renderer
  /** A three.js `LoadingManager` for the model's own requests (progress, URL rewriting). */
  manager?: LoadingManager
  /** Called with the model file's download progress. */
  onProgress?: (event: ProgressEvent) => void
}

type Names<M, K extends 'nodes' | 'materials' | 'animations'> = M extends { [P in K]: ReadonlyArray<infer N> }
  ? N & string
  : string

/** What {@link loadRodin} gives: the `GLTF` and its parts by their glTF names (typed per alias by the `dts` option). */
export interface RodinGLTF<N extends string = string, Mat extends string = string, A extends string = string> {
  gltf: GLTF
  /** `gltf.scene`. */
  scene: GLTF['scene']
  /** Objects by glTF node name (the first node with that name). */
  nodes: Record<N, Object3D>
  /** Materials by glTF material name. */
  materials: Record<Mat, Material>
  /** Animation clips by glTF animation name. */
  animations: Record<A, AnimationClip>
}

/** The typed result for an asset: names come from its `meta` (literal types with the generated declarations). */
export type RodinGLTFOf<A extends RodinAsset> = RodinGLTF<
  Names<A['meta'], 'nodes'>,
  Names<A['meta'], 'materials'>,
  Names<A['meta'], 'animations'>
>

function urlOf(asset: RodinAsset): string {
  const url = 'url' in asset && typeof asset.url === 'string' ? asset.url : (asset as { default?: unknown }).default
  if (typeof url !== 'string') throw runtimeErrors.noUrl({ asset: asset.meta?.id ?? 'asset' })
  return url
}

/**
 * A `GLTFLoader` set up for `meta`: only the decoders `meta.decoders` names, each loaded on first use and shared
 * by every later load. For three.js code that wants the loader itself (e.g. R3F's `useLoader` extensions).
 */
export async function createRodinLoader(meta: RodinModelInfo, options: LoadRodinOptions = {}): Promise<GLTFLoader> {
  if (meta.kind !== 'model') {
    throw runtimeErrors.notModel({ asset: meta.id, kind: meta.kind })
  }
  const [{ GLTFLoader }, { setUpDecoders }] = await Promise.all([
    import('three/examples/jsm/loaders/GLTFLoader.js'),
    import('./decoders.js'),
  ])
  const loader = new GLTFLoader(options.manager)
  await setUpDecoders(loader, meta.decoders ?? {}, meta.id, options.renderer)
  return loader
}

/**
 * Loads a `rodin:` model with the decoders it needs, and indexes its nodes, materials and animations by name.
 *
 * Example:
 * ```ts
 * import * as sword from 'rodin:hero-sword'
 * import { loadRodin } from 'unplugin-rodin/three'
 * const { scene, nodes } = await loadRodin(sword, { renderer })
 * nodes.Blade.visible = false // typed: a misspelled name does not compile (with the `dts` option)
 * ```
 */
export async function loadRodin<A extends RodinAsset>(
  asset: A,
  options: LoadRodinOptions = {},
): Promise<RodinGLTFOf<A>> {
  const url = urlOf(asset)
  const loader = await createRodinLoader(asset.meta, options)
  const gltf = await loader.loadAsync(url, options.onProgress)
  return indexGltf(gltf) as RodinGLTFOf<A>
}

/** One entry of a model module's `lods` export (`optimize.lods`); level 0 is the full model. */
export interface RodinLodLevel {
  url: string
  triangles: number
  error: number
}

export interface LoadRodinLodOptions extends LoadRodinOptions {
  /**
   * Camera distance from which each level is shown, level 0 first (three.js `LOD.addLevel`).
   * @default level i at i × 4 × the model's largest extent (`meta.bounds`), or i × 10 without bounds
   */
  distances?: readonly number[]
}

/**
 * A three.js `LOD` of every level of a model (`optimize: { lods: [0.5, 0.2] }` in the manifest; the module's
 * `lods` export), all loaded with one loader set up for `meta.decoders`. A model without levels gives a `LOD`
 * with level 0 only. three.js switches levels as it renders (`lod.autoUpdate`).
 *
 * Example:
 * ```ts
 * import * as tree from 'rodin:tree'
 * import { loadRodinLod } from 'unplugin-rodin/three'
 * scene.add(await loadRodinLod(tree, { renderer }))
 * ```
 */
export async function loadRodinLod(
  asset: RodinAsset & { readonly lods?: readonly RodinLodLevel[] },
  options: LoadRodinLodOptions = {},
): Promise<LOD> {
  const levels = asset.lods && asset.lods.length > 0 ? asset.lods.map(l => l.url) : [urlOf(asset)]
  const loader = await createRodinLoader(asset.meta, options)
  const [{ LOD: LODClass }, scenes] = await Promise.all([
    import('three'),
    Promise.all(levels.map(url => loader.loadAsync(url, options.onProgress))),
  ])
  const { min, max } = asset.meta.bounds ?? { min: [], max: [] }
  const extent = Math.max(0, ...[0, 1, 2].map(i => (max[i] ?? 0) - (min[i] ?? 0)))
  const step = extent > 0 ? extent * 4 : 10
  const lod = new LODClass()
  for (const [i, gltf] of scenes.entries()) lod.addLevel(gltf.scene, options.distances?.[i] ?? i * step)
  return lod
}

interface ParserJson {
  nodes?: { name?: string }[]
  materials?: { name?: string }[]
  animations?: { name?: string }[]
}

/**
 * Maps of a loaded glTF's parts keyed by their names in the file (three.js renames objects to make them unique and
 * valid in property paths, so the file's own names are read from the parser's associations).
 */
export function indexGltf(gltf: GLTF): RodinGLTF {
  const json = gltf.parser.json as ParserJson
  const associations = gltf.parser.associations
  const nodes: Record<string, Object3D> = {}
  const materials: Record<string, Material> = {}
  const seenMaterials = new Set<Material>()
  for (const scene of gltf.scenes.length > 0 ? gltf.scenes : [gltf.scene]) {
    scene.traverse(object => {
      const at = associations.get(object)
      const name = at?.nodes === undefined ? undefined : json.nodes?.[at.nodes]?.name
      if (name && !(name in nodes)) nodes[name] = object
      const mats = (object as { material?: Material | Material[] }).material
      for (const material of Array.isArray(mats) ? mats : mats ? [mats] : []) {
        if (seenMaterials.has(material)) continue
        seenMaterials.add(material)
        const index = associations.get(material)?.materials
        const materialName = index === undefined ? undefined : json.materials?.[index]?.name
        if (materialName && !(materialName in materials)) materials[materialName] = material
      }
    })
  }
  const animations: Record<string, AnimationClip> = {}
  gltf.animations.forEach((clip, i) => {
    const name = json.animations?.[i]?.name
    if (name && !(name in animations)) animations[name] = clip
  })
  return { gltf, scene: gltf.scene, nodes, materials, animations }
}
