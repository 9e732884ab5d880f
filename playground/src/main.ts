import * as THREE from 'three'
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js'
import { MeshoptDecoder } from 'three/examples/jsm/libs/meshopt_decoder.module.js'
import { assets } from './assets'
import type { PlaygroundAsset } from './assets'

const grid = document.getElementById('grid')!
const status: Record<string, 'loading' | 'ok' | 'error'> = {}
;(window as unknown as { __rodin: typeof status }).__rodin = status

for (const asset of assets) void show(asset)

/** One canvas per model, loaded with exactly the decoders that `meta.decoders` asks for. */
async function show({ url, meta }: PlaygroundAsset): Promise<void> {
  status[meta.id] = 'loading'
  const figure = document.createElement('figure')
  const canvas = document.createElement('canvas')
  const caption = document.createElement('figcaption')
  figure.append(canvas, caption)
  grid.append(figure)
  if (meta.kind !== 'model') return
  caption.innerHTML = `<b>${meta.id}</b> · ${(meta.sourceBytes / 1024).toFixed(0)} kB → ${(meta.bytes / 1024).toFixed(0)} kB · ${meta.triangles.toLocaleString()} triangles · ${Object.entries(meta.decoders).filter(([, v]) => v).map(([k]) => k).join(', ') || 'no decoder'}`

  const loader = new GLTFLoader()
  if (meta.decoders.meshopt) loader.setMeshoptDecoder(MeshoptDecoder)
  // The 'web' preset re-encodes Draco input with meshopt, so this page ships no Draco decoder.
  if (meta.decoders.draco || meta.decoders.ktx2) throw new Error(`${meta.id} needs a decoder this page does not ship`)

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

  try {
    const gltf = await loader.loadAsync(url)
    const { min, max } = meta.bounds
    const center = new THREE.Vector3((min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2)
    const size = Math.max(max[0] - min[0], max[1] - min[1], max[2] - min[2]) || 1
    camera.position.copy(center).add(new THREE.Vector3(size * 0.9, size * 0.6, size * 1.3))
    camera.lookAt(center)
    scene.add(gltf.scene)
    renderer.render(scene, camera)
    status[meta.id] = 'ok'
  }
  catch (err) {
    status[meta.id] = 'error'
    caption.innerHTML += ` · <span style="color:#f66">failed: ${String(err)}</span>`
    console.error(err)
  }
}
