// loadRodinLod in Node (no DOM): every level of an untextured model is loaded over loopback HTTP (port 0) with the
// meshopt decoder and added to a three.js LOD at its distance. Optimizer output made here; no mode or CI involved.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Mesh } from 'three'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { lodOptions, resolveOptimizeOptions } from '../../../src/optimize/options.js'
import { optimizeGlb } from '../../../src/optimize/optimize.js'

async function serve(files: Record<string, Uint8Array>): Promise<string> {
  const server = createServer((req, res) => {
    const body = files[req.url ?? '']
    if (!body) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'model/gltf-binary' }).end(body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>(resolve => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function triangleCount(object: import('three').Object3D): number {
  let n = 0
  object.traverse(o => {
    const geometry = (o as Mesh).geometry
    if (geometry) n += (geometry.index?.count ?? geometry.attributes.position!.count) / 3
  })
  return n
}

describe('loadRodinLod', () => {
  it('builds a three.js LOD from the lods export, most detailed first, at the given or derived distances', async () => {
    const source = await generateRodinLikeGlb({ triangles: 2_000, material: 'shaded' })
    const opts = resolveOptimizeOptions({ lods: [0.5, 0.2] }, 'test')!
    const level0 = await optimizeGlb(source, opts)
    const levels = [
      level0,
      await optimizeGlb(source, lodOptions(opts, 1)),
      await optimizeGlb(source, lodOptions(opts, 2)),
    ]
    const origin = await serve(Object.fromEntries(levels.map((l, i) => [`/lod${i}.glb`, l.bytes])))
    const asset = {
      default: `${origin}/lod0.glb`,
      meta: { id: 'blob', kind: 'model', decoders: level0.stats.decoders, bounds: level0.stats.bounds },
      lods: levels.map((l, i) => ({ url: `${origin}/lod${i}.glb`, triangles: l.stats.triangles, error: 0 })),
    }
    expect(asset.meta.decoders.meshopt).toBe(true)
    // three's FileLoader reports progress with the browser's ProgressEvent, which Node does not have.
    vi.stubGlobal(
      'ProgressEvent',
      class extends Event {
        constructor(type: string, init: { loaded?: number; total?: number } = {}) {
          super(type)
          Object.assign(this, { loaded: init.loaded ?? 0, total: init.total ?? 0, lengthComputable: false })
        }
      },
    )
    onTestFinished(() => {
      vi.unstubAllGlobals()
    })
    const { loadRodinLod } = await import('../../../src/three/index.js')
    const lod = await loadRodinLod(asset, { distances: [0, 5, 25] })
    expect(lod.type).toBe('LOD')
    expect(lod.levels.map(l => l.distance)).toEqual([0, 5, 25])
    expect(lod.levels.map(l => triangleCount(l.object))).toEqual(levels.map(l => l.stats.triangles))

    // Without distances: steps of 4× the model's largest extent.
    const { min, max } = level0.stats.bounds
    const extent = Math.max(max[0] - min[0], max[1] - min[1], max[2] - min[2])
    const derived = await loadRodinLod(asset)
    expect(derived.levels.map(l => l.distance)).toEqual([0, 4 * extent, 8 * extent])
    // A model without levels: level 0 only.
    const single = await loadRodinLod({ default: asset.default, meta: asset.meta })
    expect(single.levels).toHaveLength(1)
  }, 60_000)
})
