import * as THREE from 'three'
import type { DecoderNeeds, RodinAssetMeta } from 'unplugin-rodin'
import { loadRodin } from 'unplugin-rodin/three'
import { assets } from './assets'

type Decoder = keyof DecoderNeeds

const grid = document.getElementById('grid')!
/** Per asset: 'loading' → 'ok' | 'error'. The browser test waits on this. */
const status: Record<string, 'loading' | 'ok' | 'error'> = {}
/** Per asset: the URL loaded, the decoders it needed and the names loadRodin indexed. */
const models: Record<string, { url: string; decoders: Decoder[]; nodes: string[] }> = {}
Object.assign(window, { __rodin: status, __rodinModels: models })

for (const asset of assets) void show(asset)

/** One canvas per model, loaded through unplugin-rodin/three (decoders come from this site, never a CDN). */
async function show(asset: { default: string; meta: RodinAssetMeta; placeholder: string | null }): Promise<void> {
  const { meta, placeholder } = asset
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
    const decoders = (Object.keys(meta.decoders) as Decoder[]).filter(name => meta.decoders[name])
    caption.innerHTML = `<b>${meta.id}</b> · ${(meta.sourceBytes / 1024).toFixed(0)} kB → ${(meta.bytes / 1024).toFixed(0)} kB · ${meta.triangles.toLocaleString('en')} triangles · ${decoders.join(', ') || 'no decoder'} · GPU ${(meta.gpuBytes / 1048576).toFixed(1)} MB`

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

    const loaded = await loadRodin(asset, { renderer })
    models[meta.id] = { url: asset.default, decoders, nodes: Object.keys(loaded.nodes) }
    const { min, max } = meta.bounds
    const center = new THREE.Vector3((min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2)
    const size = Math.max(max[0] - min[0], max[1] - min[1], max[2] - min[2]) || 1
    camera.position.copy(center).add(new THREE.Vector3(size * 0.9, size * 0.6, size * 1.3))
    camera.lookAt(center)
    scene.add(loaded.scene)
    renderer.render(scene, camera)
    status[meta.id] = 'ok'
  } catch (err) {
    status[meta.id] = 'error'
    caption.innerHTML += ` · <span style="color:#f66">failed: ${String(err)}</span>`
    console.error(err)
  }
}
