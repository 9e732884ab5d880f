import type { Document } from '@gltf-transform/core'
import { describe, expect, it } from 'vitest'
import { getMeshopt } from '../../../src/optimize/io.js'
import { NEAR_LOSSLESS, simplifyNearLossless } from '../../../src/optimize/simplify-near-lossless.js'
import { quadGrid as grid } from './helpers.js'

async function run(doc: Document): Promise<[number, number][]> {
  const kept: [number, number][] = []
  await doc.transform(
    simplifyNearLossless({ simplifier: (await getMeshopt()).simplifier, onKept: (a, b) => kept.push([a, b]) }),
  )
  return kept
}

describe('simplifyNearLossless', () => {
  it('removes most triangles of a clearly over-tessellated (flat) mesh, keeping its outline', async () => {
    const { doc, prim } = grid(60) // 7,200 triangles
    const kept = await run(doc)
    const after = prim.getIndices()!.getCount() / 3
    expect(kept).toEqual([[7200, after]])
    expect(after).toBeLessThan(7200 * 0.25)
    // Locked borders: the corners and edges of the square are all still there.
    const bounds = { min: [Infinity, Infinity], max: [-Infinity, -Infinity] }
    const p = prim.getAttribute('POSITION')!
    for (let i = 0; i < p.getCount(); i++) {
      const [x, y] = p.getElement(i, [0, 0, 0])
      bounds.min = [Math.min(bounds.min[0]!, x!), Math.min(bounds.min[1]!, y!)]
      bounds.max = [Math.max(bounds.max[0]!, x!), Math.max(bounds.max[1]!, y!)]
    }
    expect(bounds).toEqual({ min: [0, 0], max: [1, 1] })
  })

  it('leaves a mesh whose triangles all carry shape as it was', async () => {
    // Relief of ±1% of the size at every vertex: nothing can go without moving the surface by far more
    // than the error bound.
    let s = 7
    const bumpy = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      return (s / 2 ** 32 - 0.5) * 0.02
    }
    const { doc, prim } = grid(60, bumpy)
    const before = prim.getIndices()!.getArray()!.slice()
    expect(await run(doc)).toEqual([])
    expect(prim.getIndices()!.getArray()).toEqual(before)
  })

  it(`leaves small meshes (under ${NEAR_LOSSLESS.minTriangles} triangles) and morph-target meshes whole`, async () => {
    const small = grid(40) // 3,200 triangles
    expect(await run(small.doc)).toEqual([])
    expect(small.prim.getIndices()!.getCount()).toBe(3200 * 3)

    const morph = grid(60)
    const target = morph.doc.createPrimitiveTarget().setAttribute(
      'POSITION',
      morph.doc
        .createAccessor()
        .setType('VEC3')
        .setArray(new Float32Array(61 * 61 * 3)),
    )
    morph.prim.addTarget(target)
    expect(await run(morph.doc)).toEqual([])
    expect(morph.prim.getIndices()!.getCount()).toBe(7200 * 3)
  })
})
