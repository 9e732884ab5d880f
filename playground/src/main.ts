import * as THREE from 'three'
import { DRACOLoader } from 'three/examples/jsm/loaders/DRACOLoader.js'
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js'
import { KTX2Loader } from 'three/examples/jsm/loaders/KTX2Loader.js'
import { MeshoptDecoder } from 'three/examples/jsm/libs/meshopt_decoder.module.js'
import type { DecoderNeeds, RodinModelMeta } from 'unplugin-rodin'
import { assets } from './assets'
import type { PlaygroundAsset } from './assets'

type Decoder = keyof DecoderNeeds

const grid = document.getElementById('grid')!
/** Per asset: 'loading' → 'ok' | 'error'. The browser test waits on this. */
const status: Record<string, 'loading' | 'ok' | 'error'> = {}
/** Per asset: the URL loaded and the decoders set up for it (exactly those `meta.decoders` asks for). */
const models: Record<string, { url: string; decoders: Decoder[] }> = {}
Object.assign(window, { __rodin: status, __rodinModels: models })

// Decoder files are served by this site (see ../decoders.ts), never by a CDN.
const DECODERS = `${import.meta.env.BASE_URL}decoders/`
let draco: DRACOLoader | undefined
let ktx2: KTX2Loader | undefined

for (const asset of assets) void show(asset)

/** A GLTFLoader with exactly the decoders that `meta.decoders` names; throws for one this page does not know. */
function loaderFor(url: string, meta: RodinModelMeta, renderer: THREE.WebGLRenderer): GLTFLoader {
  const loader = new GLTFLoader()
  const setup: Record<Decoder, () => void> = {
    meshopt: () => loader.setMeshoptDecoder(MeshoptDecoder),
    draco: () => loader.setDRACOLoader((draco ??= new DRACOLoader().setDecoderPath(`${DECODERS}draco/`))),
    ktx2: () =>
      loader.setKTX2Loader((ktx2 ??= new KTX2Loader().setTranscoderPath(`${DECODERS}basis/`).detectSupport(renderer))),
  }
  const needed = Object.entries(meta.decoders)
    .filter(([, needs]) => needs)
    .map(([name]) => name)
  const unknown = needed.filter(name => !(name in setup))
  if (unknown.length > 0) throw new Error(`${meta.id} needs a decoder this page does not ship: ${unknown.join(', ')}`)
  for (const name of needed as Decoder[]) setup[name]()
  models[meta.id] = { url, decoders: needed as Decoder[] }
  return loader
}

/** One canvas per model. */
async function show({ url, meta, placeholder }: PlaygroundAsset): Promise<void> {
  status[meta.id] = 'loading'
  const figure = document.createElement('figure')
  const canvas = document.createElement('canvas')
  canvas.dataset.asset = meta.id
  // Visible until the first frame: the opaque WebGL scene then covers the canvas background.
  if (placeholder) canvas.style.background = `center / contain no-repeat url("${placeholder}"), #1e2128`
  const caption = document.createElement('figcaption')
  figure.append(canvas, caption)
  grid.append(figure)
  try {
    if (meta.kind !== 'model') throw new Error(`${meta.id} is a ${meta.kind}, not a model`)
    const decoders =
      Object.entries(meta.decoders)
        .filter(([, v]) => v)
        .map(([k]) => k)
        .join(', ') || 'no decoder'
    caption.innerHTML = `<b>${meta.id}</b> · ${(meta.sourceBytes / 1024).toFixed(0)} kB → ${(meta.bytes / 1024).toFixed(0)} kB · ${meta.triangles.toLocaleString('en')} triangles · ${decoders} · GPU ${(meta.gpuBytes / 1048576).toFixed(1)} MB`

    const renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true })
    renderer.setPixelRatio(1)
    renderer.setSize(canvas.clientWidth || 320, 260, false)
    const scene = new THREE.Scene()
    scene.background = new THREE.Color(0x1e2128)
    scene.add(new THREE.HemisphereLight(0xffffff, 0x444455, 2.5))
    const sun = new THREE.DirectionalLight(0xffffff, 2)
    sun.position.set(3, 5, 4)
    scene.add(sun)
    const camera = new THREE.PerspectiveCamera(40, (canvas.clientWidth || 320) / 260, 0.01, 1000)

    const gltf = await loaderFor(url, meta, renderer).loadAsync(url)
    const { min, max } = meta.bounds
    const center = new THREE.Vector3((min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2)
    const size = Math.max(max[0] - min[0], max[1] - min[1], max[2] - min[2]) || 1
    camera.position.copy(center).add(new THREE.Vector3(size * 0.9, size * 0.6, size * 1.3))
    camera.lookAt(center)
    scene.add(gltf.scene)
    renderer.render(scene, camera)
    status[meta.id] = 'ok'
  } catch (err) {
    status[meta.id] = 'error'
    caption.innerHTML += ` · <span style="color:#f66">failed: ${String(err)}</span>`
    console.error(err)
  }
}
