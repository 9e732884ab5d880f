import { NodeIO } from '@gltf-transform/core'
import { describe, expect, it } from 'vitest'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { validate } from '../optimize/helpers.js'

const io = new NodeIO()

describe('generateRodinLikeGlb', () => {
  it('defaults: one mesh, one indexed primitive, 20k triangles, 3 PNG textures of 1024², valid', async () => {
    const glb = await generateRodinLikeGlb()
    const report = await validate(glb)
    expect(report.errors, report.errorCodes.join(', ')).toBe(0)
    const root = (await io.readBinary(glb)).getRoot()
    expect(root.listMeshes()).toHaveLength(1)
    const prims = root.listMeshes()[0]!.listPrimitives()
    expect(prims).toHaveLength(1)
    const prim = prims[0]!
    expect(prim.getMode()).toBe(4)
    expect(prim.getIndices()!.getCount() / 3).toBe(20_000)
    expect(prim.listSemantics().sort()).toEqual(['NORMAL', 'POSITION', 'TEXCOORD_0'])
    const material = prim.getMaterial()!
    const textures = [
      material.getBaseColorTexture(),
      material.getNormalTexture(),
      material.getMetallicRoughnessTexture(),
    ]
    for (const texture of textures) {
      expect(texture!.getMimeType()).toBe('image/png')
      expect(texture!.getSize()).toEqual([1024, 1024])
    }
    // like real Rodin output, textures are a large share of the file
    const share = textures.reduce((sum, t) => sum + t!.getImage()!.byteLength, 0) / glb.byteLength
    expect(share).toBeGreaterThan(0.3)
    expect(share).toBeLessThan(0.7)
  })

  it.each([12, 999, 5_001, 30_001, 50_000])('hits the requested triangle count (%i) within 1%', async triangles => {
    const glb = await generateRodinLikeGlb({ triangles, textureSize: 16, material: 'shaded' })
    const prim = (await io.readBinary(glb)).getRoot().listMeshes()[0]!.listPrimitives()[0]!
    expect(Math.abs(prim.getIndices()!.getCount() / 3 - triangles)).toBeLessThanOrEqual(triangles * 0.01)
    expect((await validate(glb)).errors).toBe(0)
  })

  it("'shaded': the untextured place_holder material", async () => {
    const glb = await generateRodinLikeGlb({ material: 'shaded', triangles: 18_000 })
    const root = (await io.readBinary(glb)).getRoot()
    expect(root.listTextures()).toHaveLength(0)
    expect(root.listMaterials().map(m => m.getName())).toEqual(['place_holder'])
    expect((await validate(glb)).errors).toBe(0)
  })

  it('is deterministic by seed', async () => {
    const opts = { triangles: 3000, textureSize: 128 }
    const [a, b, c] = await Promise.all([
      generateRodinLikeGlb({ ...opts, seed: 5 }),
      generateRodinLikeGlb({ ...opts, seed: 5 }),
      generateRodinLikeGlb({ ...opts, seed: 6 }),
    ])
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false)
  })

  it('has outward normals of unit length and a closed, organic (non-spherical) shape', async () => {
    const glb = await generateRodinLikeGlb({ triangles: 4000, textureSize: 16 })
    const prim = (await io.readBinary(glb)).getRoot().listMeshes()[0]!.listPrimitives()[0]!
    const p = prim.getAttribute('POSITION')!.getArray()!
    const n = prim.getAttribute('NORMAL')!.getArray()!
    const radii: number[] = []
    for (let v = 0; v < p.length / 3; v++) {
      const [x, y, z] = [p[v * 3]!, p[v * 3 + 1]!, p[v * 3 + 2]!]
      expect(Math.hypot(n[v * 3]!, n[v * 3 + 1]!, n[v * 3 + 2]!)).toBeCloseTo(1, 5)
      expect(x * n[v * 3]! + y * n[v * 3 + 1]! + z * n[v * 3 + 2]!).toBeGreaterThan(0)
      radii.push(Math.hypot(x, y, z))
    }
    expect(Math.max(...radii) / Math.min(...radii)).toBeGreaterThan(1.2)
  })

  it('rejects bad options', async () => {
    await expect(generateRodinLikeGlb({ triangles: 5 })).rejects.toThrow(/triangles must be an integer from 12/)
    await expect(generateRodinLikeGlb({ textureSize: 10.5 })).rejects.toThrow(/textureSize must be an integer/)
    await expect(generateRodinLikeGlb({ material: 'metal' as never })).rejects.toThrow(
      /material must be "pbr" or "shaded"/,
    )
  })
})
