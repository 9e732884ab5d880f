// The same models in React Three Fiber: one <Canvas> each, loaded by useRodin inside <Suspense>. Plain
// createElement keeps the playground free of a JSX build step; in an app this is ordinary JSX.
import { Canvas, useFrame } from '@react-three/fiber'
import { Component, Suspense, createElement as h, useRef } from 'react'
import type { ReactNode } from 'react'
import { createRoot } from 'react-dom/client'
import * as bunny from 'rodin:bunny'
import * as fox from 'rodin:fox'
import * as lamp from 'rodin:lamp-ktx2'
import { useRodin } from 'unplugin-rodin/react'

/** Per asset: 'loading' → 'ok' | 'error'. The browser test waits on this. */
const status: Record<string, 'loading' | 'ok' | 'error'> = {}
/** Per asset: the URL, the decoders `meta.decoders` names and the node names useRodin indexed. */
const models: Record<string, { url: string; decoders: string[]; nodes: string[] }> = {}
Object.assign(window, { __rodin: status, __rodinModels: models })

type Asset = typeof fox | typeof bunny | typeof lamp

function Model({ asset }: { asset: Asset }) {
  const { scene, nodes } = useRodin(asset)
  const frames = useRef(0)
  // Reported after the model has been drawn (the frame after it entered the scene).
  useFrame(() => {
    if (++frames.current !== 2) return
    const { meta } = asset
    const decoders = Object.entries(meta.decoders)
      .filter(([, needed]) => needed)
      .map(([name]) => name)
    models[meta.id] = { url: asset.default, decoders, nodes: Object.keys(nodes) }
    status[meta.id] = 'ok'
  })
  return h('primitive', { object: scene })
}

class Failed extends Component<{ id: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false }
  static getDerivedStateFromError() {
    return { failed: true }
  }
  override componentDidCatch(err: unknown) {
    status[this.props.id] = 'error'
    console.error(err)
  }
  override render() {
    return this.state.failed ? null : this.props.children
  }
}

function View({ asset }: { asset: Asset }) {
  const { meta } = asset
  const { min, max } = meta.bounds
  const center = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2] as const
  const size = Math.max(max[0] - min[0], max[1] - min[1], max[2] - min[2]) || 1
  const position = [center[0] + size * 0.9, center[1] + size * 0.6, center[2] + size * 1.3] as const
  return h(
    'figure',
    null,
    h(
      Canvas,
      {
        // A fixed size: a canvas that resizes clears its drawing buffer, which the browser test reads back.
        style: { height: 260 },
        gl: { preserveDrawingBuffer: true, antialias: true },
        dpr: 1,
        camera: { position: [...position], fov: 40, near: 0.01, far: 1000 },
        onCreated: ({ gl, camera }) => {
          gl.domElement.dataset.asset = meta.id
          camera.lookAt(...center)
        },
      },
      h('color', { attach: 'background', args: [0x1e2128] }),
      h('hemisphereLight', { args: [0xffffff, 0x444455, 2.5] }),
      h('directionalLight', { position: [3, 5, 4], intensity: 2 }),
      h(Failed, { id: meta.id }, h(Suspense, { fallback: null }, h(Model, { asset }))),
    ),
    h('figcaption', null, h('b', null, meta.id), ` · useRodin · ${meta.triangles.toLocaleString('en')} triangles`),
  )
}

const assets: Asset[] = [fox, bunny, lamp]
for (const { meta } of assets) status[meta.id] = 'loading'
createRoot(document.getElementById('grid')!).render(assets.map(asset => h(View, { key: asset.meta.id, asset })))
