/** Shapes shared by the optimizer, the pipeline, generated modules and `unplugin-rodin/client`. */

export type ProviderName = 'rodin' | 'modelslab' | 'getty'

/** What a model needs from the page to decode it. */
export interface DecoderNeeds {
  /** `EXT_meshopt_compression` is used: call `GLTFLoader.setMeshoptDecoder(MeshoptDecoder)`. */
  meshopt: boolean
  /** `KHR_draco_mesh_compression` is used: call `GLTFLoader.setDRACOLoader(...)`. */
  draco: boolean
  /** `KHR_texture_basisu` is used: call `GLTFLoader.setKTX2Loader(...)`. */
  ktx2: boolean
}

/** Facts read from a glTF document (after optimization when there is one). */
export interface ModelStats {
  triangles: number
  vertices: number
  bounds: { min: [number, number, number]; max: [number, number, number] }
  /** Distinct names of the file's nodes, in document order (unnamed nodes are left out). */
  nodes: string[]
  /** Distinct names of its materials, in document order. */
  materials: string[]
  /** Distinct names of its animations, in document order. */
  animations: string[]
  extensionsRequired: string[]
  decoders: DecoderNeeds
  /**
   * Estimated GPU memory of the textures in bytes, mipmaps included: RGBA8 × 4/3 for PNG, JPEG and WebP
   * (decoded before upload), the transcoded block size for KTX2.
   */
  gpuBytes: number
}

/** Facts read from an image. */
export interface ImageStats {
  width: number
  height: number
  format: string
}

interface MetaBase {
  /** The import id's asset: the manifest alias (or the task id when the manifest is a plain list). */
  id: string
  provider: ProviderName
  /** The provider's task / generation id. */
  task: string
  /** Name of the original file this module is built from. */
  file: string
  /** Bytes of the emitted file. */
  bytes: number
  /** Bytes of the downloaded original. */
  sourceBytes: number
  /** sha256 (hex) of the emitted file. */
  sha256: string
  /** sha256 (hex) of the downloaded original. */
  sourceSha256: string
}

export type RodinModelMeta = MetaBase & ModelStats & { kind: 'model' }
/**
 * A model's `meta` with its names as literal types: what the `dts` option declares per alias, so that
 * `loadRodin(asset).nodes.<name>` (unplugin-rodin/three) accepts exactly the names in the file.
 */
export type RodinModelMetaOf<N extends string, M extends string, A extends string> = Omit<
  RodinModelMeta,
  'nodes' | 'materials' | 'animations'
> & { kind: 'model'; nodes: N[]; materials: M[]; animations: A[] }
export type RodinImageMeta = MetaBase & ImageStats & { kind: 'image' }
/** A file that is neither a readable model nor an image (e.g. `.fbx`, `.usdz`): only the common fields. */
export type RodinFileMeta = MetaBase & { kind: 'file' }
export type RodinAssetMeta = RodinModelMeta | RodinImageMeta | RodinFileMeta
