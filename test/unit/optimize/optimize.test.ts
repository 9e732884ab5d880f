import type { ModelStats } from '../../../src/meta.js'
import type { ResolvedOptimizeOptions } from '../../../src/optimize/options.js'
import fs from 'node:fs'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Document } from '@gltf-transform/core'
import {
  KHRMaterialsUnlit,
  KHRMeshPrimitiveRestart,
  KHRMeshQuantization,
  KHRTextureBasisu,
  KHRTextureTransform,
  type Specular,
} from '@gltf-transform/extensions'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { getIO } from '../../../src/optimize/io.js'
import { decodePlainKtx2 } from '../../../src/optimize/ktx2.js'
import { OPTIMIZE_PRESETS, resolveOptimizeOptions } from '../../../src/optimize/options.js'
import { inspectGlb, optimizeGlb } from '../../../src/optimize/optimize.js'
import { fixture, glbWithJson, meanNormalAngleDeg, psnr, rejectionOf, validate } from './helpers.js'

const WEB = OPTIMIZE_PRESETS.web
const FIXTURES = [
  'khr_fox.glb',
  'khr_morphstresstest.glb',
  'pmndrs_bunny_draco.glb',
  'sketchfab_wooden_crate.glb',
  'khr_anisotropy_barnlamp.glb',
  'khr_barnlamp_ktx2.glb',
]

interface Run {
  input: Uint8Array
  inputStats: ModelStats
  bytes: Uint8Array
  stats: ModelStats
  ms: number
}
const runs = new Map<string, Run>()

async function readBack(bytes: Uint8Array) {
  return (await getIO()).readBinary(bytes)
}

describe('optimizeGlb on the fixtures (web preset)', () => {
  beforeAll(async () => {
    for (const name of FIXTURES) {
      const input = fixture(name)
      const start = performance.now()
      const { bytes, stats } = await optimizeGlb(input, WEB)
      runs.set(name, { input, inputStats: await inspectGlb(input), bytes, stats, ms: performance.now() - start })
    }
  })

  afterAll(() => {
    const rows = [...runs].map(
      ([name, r]) =>
        `${name}: ${r.input.byteLength} → ${r.bytes.byteLength} B (${(r.bytes.byteLength / r.input.byteLength).toFixed(3)}) in ${r.ms.toFixed(0)} ms`,
    )
    console.log(`optimize 'web':\n  ${rows.join('\n  ')}`)
  })

  it.each(FIXTURES)('%s: readable, no new validator errors, all triangles, not larger', async name => {
    const run = runs.get(name)!
    await expect(readBack(run.bytes)).resolves.toBeDefined()
    const [before, after] = await Promise.all([validate(run.input), validate(run.bytes)])
    expect(after.errors).toBeLessThanOrEqual(before.errors)
    for (const code of after.errorCodes) expect(before.errorCodes).toContain(code)
    expect(run.stats.triangles).toBe(run.inputStats.triangles)
    expect(run.bytes.byteLength).toBeLessThanOrEqual(run.input.byteLength)
    // the stats describe the output: re-inspecting it gives the same facts
    expect(await inspectGlb(run.bytes)).toEqual(run.stats)
  })

  it.each(FIXTURES)('%s: node, material and animation names survive optimization', name => {
    const run = runs.get(name)!
    expect(run.stats.nodes.length).toBeGreaterThan(0)
    expect(run.stats.nodes).toEqual(run.inputStats.nodes)
    expect(run.stats.materials).toEqual(run.inputStats.materials)
    expect(run.stats.animations).toEqual(run.inputStats.animations)
  })

  it('khr_barnlamp_ktx2.glb: Basis Universal KTX2 textures are kept, so the page needs the KTX2 transcoder', () => {
    const run = runs.get('khr_barnlamp_ktx2.glb')!
    expect(run.inputStats.decoders.ktx2).toBe(true)
    expect(run.stats.decoders).toEqual({ meshopt: true, draco: false, ktx2: true })
  })

  it('fox: keeps the skin and all animations, and reports bind-pose bounds', async () => {
    const { bytes, stats, inputStats } = runs.get('khr_fox.glb')!
    const doc = await readBack(bytes)
    expect(doc.getRoot().listSkins()).toHaveLength(1)
    expect(
      doc
        .getRoot()
        .listAnimations()
        .map(a => a.getName()),
    ).toEqual(['Survey', 'Walk', 'Run'])
    expect(stats.animations).toHaveLength(3)
    expect(stats.decoders).toEqual({ meshopt: true, draco: false, ktx2: false })
    expect(stats.extensionsRequired).toEqual(['EXT_meshopt_compression', 'KHR_mesh_quantization'])
    // quantization moves positions into a unit box; the skin-aware bounds still find the real fox
    for (let i = 0; i < 3; i++) {
      expect(stats.bounds.min[i]).toBeCloseTo(inputStats.bounds.min[i]!, 0)
      expect(stats.bounds.max[i]).toBeCloseTo(inputStats.bounds.max[i]!, 0)
    }
    expect(stats.bounds.max[1]).toBeGreaterThan(70)
  })

  it('morph: keeps targets and animations', async () => {
    const { input, bytes } = runs.get('khr_morphstresstest.glb')!
    const [src, out] = await Promise.all([readBack(input), readBack(bytes)])
    const targets = (d: Document) =>
      d
        .getRoot()
        .listMeshes()
        .flatMap(m => m.listPrimitives())
        .map(p => p.listTargets().length)
    expect(targets(out)).toEqual(targets(src))
    expect(targets(out).some(n => n > 0)).toBe(true)
    expect(out.getRoot().listAnimations()).toHaveLength(3)
  })

  it('bunny: Draco input is decoded; meshopt would be larger, so the input is kept', async () => {
    const { input, bytes, stats, inputStats } = runs.get('pmndrs_bunny_draco.glb')!
    expect(inputStats.triangles).toBe(5648)
    expect(inputStats.decoders.draco).toBe(true)
    expect(Buffer.from(bytes).equals(Buffer.from(input))).toBe(true)
    expect(stats.decoders).toEqual({ meshopt: false, draco: true, ktx2: false })
    const drc = await optimizeGlb(input, { ...WEB, compress: 'draco' })
    expect(drc.stats.triangles).toBe(5648)
    expect(drc.stats.decoders.draco).toBe(true)
    await expect(readBack(drc.bytes)).resolves.toBeDefined()
    // compress: false means "no decoder on the page": the decoded, larger model is what was asked for
    const plain = await optimizeGlb(input, { ...WEB, compress: false })
    expect(plain.stats.decoders).toEqual({ meshopt: false, draco: false, ktx2: false })
    expect(plain.stats.extensionsRequired).toEqual([])
    expect(plain.bytes.byteLength).toBeGreaterThan(input.byteLength)
  })

  it('crate: much smaller, WebP textures, data maps stay faithful, KHR_materials_specular kept', async () => {
    const { input, bytes, stats } = runs.get('sketchfab_wooden_crate.glb')!
    expect(bytes.byteLength).toBeLessThan(input.byteLength * 0.2)
    const [src, out] = await Promise.all([readBack(input), readBack(bytes)])
    expect(
      out
        .getRoot()
        .listExtensionsUsed()
        .map(e => e.extensionName),
    ).toContain('KHR_materials_specular')
    expect(stats.extensionsRequired).toContain('EXT_texture_webp')
    const material = out.getRoot().listMaterials()[0]!
    expect(material.getBaseColorTexture()!.getMimeType()).toBe('image/webp')
    expect(material.getNormalTexture()!.getMimeType()).toBe('image/webp')
    // Lossy now (it was near-lossless at 5× the bytes): the normals tilt by under 4° on average.
    const srcNormal = src.getRoot().listMaterials()[0]!.getNormalTexture()!.getImage()!
    const outNormal = material.getNormalTexture()!.getImage()!
    expect(await psnr(srcNormal, outNormal)).toBeGreaterThan(30)
    expect(await meanNormalAngleDeg(srcNormal, outNormal)).toBeLessThan(4)
    // KHR_materials_specular reads only the alpha channel: it survives, the unread color is flattened.
    const spec = (d: Document) =>
      d
        .getRoot()
        .listMaterials()[0]!
        .getExtension<Specular>('KHR_materials_specular')!
        .getSpecularTexture()!
        .getImage()!
    const [srcSpec, outSpec] = await Promise.all(
      [spec(src), spec(out)].map(i => sharp(i).ensureAlpha().raw().toBuffer()),
    )
    let se = 0
    for (let i = 3; i < srcSpec!.length; i += 4) se += (srcSpec![i]! - outSpec![i]!) ** 2
    expect(10 * Math.log10(255 ** 2 / (se / (srcSpec!.length / 4)))).toBeGreaterThan(30)
  })

  it('barnlamp: KHR_materials_* survive; KTX2 images without KHR_texture_basisu become browser images with the same texels', async () => {
    const { input, bytes, stats } = runs.get('khr_anisotropy_barnlamp.glb')!
    const [src, out] = await Promise.all([readBack(input), readBack(bytes)])
    const names = out
      .getRoot()
      .listExtensionsUsed()
      .map(e => e.extensionName)
    for (const ext of [
      'KHR_materials_anisotropy',
      'KHR_materials_clearcoat',
      'KHR_materials_emissive_strength',
      'KHR_materials_transmission',
      'KHR_materials_volume',
    ]) {
      expect(names).toContain(ext)
    }
    // The input's 3 errors (TEXTURE_INVALID_IMAGE_MIME_TYPE) are gone: a browser can decode every texture now.
    expect((await validate(bytes)).errors).toBe(0)
    const mimeTypes = out
      .getRoot()
      .listTextures()
      .map(t => t.getMimeType())
    expect(mimeTypes).toHaveLength(4)
    for (const mime of mimeTypes) expect(['image/png', 'image/jpeg', 'image/webp']).toContain(mime)
    expect(stats.decoders).toEqual({ meshopt: true, draco: false, ktx2: false })
    // The Zstandard-supercompressed R8G8B8 normal map, decoded and re-encoded: its texels survive (a wrong
    // decode would be far below 30 dB).
    const normal = (d: Document) => d.getRoot().listMaterials()[0]!.getNormalTexture()!
    expect(normal(src).getMimeType()).toBe('image/ktx2')
    const { width, height, channels, pixels } = await decodePlainKtx2(normal(src).getImage()!)
    const reference = await sharp(pixels, { raw: { width, height, channels } }).png().toBuffer()
    expect(await psnr(new Uint8Array(reference), normal(out).getImage()!)).toBeGreaterThan(30)
  })

  it('is deterministic: same input and options give the same bytes', async () => {
    for (const name of ['khr_fox.glb', 'sketchfab_wooden_crate.glb']) {
      const again = await optimizeGlb(fixture(name), WEB)
      expect(Buffer.from(again.bytes).equals(Buffer.from(runs.get(name)!.bytes)), name).toBe(true)
    }
  })
})

describe('optimizeGlb options', () => {
  it("'max' simplifies gently and caps textures at 1024 px; smaller caps never upscale", async () => {
    const input = await generateRodinLikeGlb({ triangles: 8000, textureSize: 1536, seed: 3 })
    const max = await optimizeGlb(input, OPTIMIZE_PRESETS.max)
    expect(max.stats.triangles).toBeLessThan(8000)
    expect(max.stats.triangles).toBeGreaterThanOrEqual(4000)
    for (const t of (await readBack(max.bytes)).getRoot().listTextures()) expect(Math.max(...t.getSize()!)).toBe(1024)

    // Morph targets are weighed by the simplifier: their primitives may shrink, but every target stays
    // aligned with the vertices it moves.
    const morphMax = await optimizeGlb(fixture('khr_morphstresstest.glb'), OPTIMIZE_PRESETS.max)
    const targetShapes = async (bytes: Uint8Array) =>
      (await readBack(bytes))
        .getRoot()
        .listMeshes()
        .flatMap(m => m.listPrimitives())
        .filter(p => p.listTargets().length > 0)
        .map(p => ({
          triangles: p.getIndices()!.getCount() / 3,
          aligned: p
            .listTargets()
            .every(t => t.getAttribute('POSITION')!.getCount() === p.getAttribute('POSITION')!.getCount()),
          targets: p.listTargets().length,
        }))
    const [maxShapes, sourceShapes] = [
      await targetShapes(morphMax.bytes),
      await targetShapes(fixture('khr_morphstresstest.glb')),
    ]
    expect(maxShapes.map(s => [s.aligned, s.targets])).toEqual(sourceShapes.map(s => [true, s.targets]))
    for (const [i, shape] of maxShapes.entries())
      expect(shape.triangles).toBeLessThanOrEqual(sourceShapes[i]!.triangles)
    expect(morphMax.stats.animations).toHaveLength(3)

    const morph = await optimizeGlb(
      fixture('khr_morphstresstest.glb'),
      resolveOptimizeOptions({ textureSize: 128 }, 'test')!,
    )
    const sizes = (await readBack(morph.bytes))
      .getRoot()
      .listTextures()
      .map(t => t.getSize()![0])
      .sort((a, b) => a - b)
    expect(sizes).toEqual([64, 64, 128])
  })

  it('keeps the original image when WebP would be larger', async () => {
    // 1-bit noise: a palette PNG stores it in a few KB, lossy WebP needs tens of KB
    const size = 256
    const pixels = new Uint8Array(size * size * 3)
    for (let i = 0; i < size * size; i++) pixels.fill(((i * 2654435761) >>> 13) & 1 ? 255 : 0, i * 3, i * 3 + 3)
    const png = new Uint8Array(
      await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
        .png({ palette: true, colours: 2 })
        .toBuffer(),
    )
    const doc = new Document()
    doc.createBuffer()
    const texture = doc.createTexture('noise').setMimeType('image/png').setImage(png)
    const position = doc
      .createAccessor()
      .setType('VEC3')
      .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]))
    const uv = doc
      .createAccessor()
      .setType('VEC2')
      .setArray(new Float32Array([0, 0, 1, 0, 0, 1]))
    const prim = doc
      .createPrimitive()
      .setAttribute('POSITION', position)
      .setAttribute('TEXCOORD_0', uv)
      .setMaterial(doc.createMaterial().setBaseColorTexture(texture))
    doc.createScene().addChild(doc.createNode().setMesh(doc.createMesh().addPrimitive(prim)))
    const input = await (await getIO()).writeBinary(doc)
    const { bytes, stats } = await optimizeGlb(input, { ...WEB, textureQuality: 100, compress: false })
    const out = (await readBack(bytes)).getRoot().listTextures()[0]!
    expect(out.getMimeType()).toBe('image/png')
    expect(Buffer.from(out.getImage()!).equals(Buffer.from(png))).toBe(true)
    expect(stats.extensionsRequired).toEqual([])
  })

  it("textureFormat 'keep' leaves formats alone; draco output is readable", async () => {
    const opts: ResolvedOptimizeOptions = { ...WEB, textureFormat: 'keep', compress: 'draco' }
    const { bytes, stats } = await optimizeGlb(fixture('khr_fox.glb'), opts)
    const doc = await readBack(bytes)
    expect(
      doc
        .getRoot()
        .listTextures()
        .map(t => t.getMimeType()),
    ).toEqual(['image/png'])
    expect(stats.decoders).toEqual({ meshopt: false, draco: true, ktx2: false })
    expect(stats.triangles).toBe(576)
  })
})

describe('untrusted input', () => {
  it.each([
    [
      'garbage',
      () => new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
      /not a valid GLB: it does not start with the GLB magic/,
    ],
    ['empty', () => new Uint8Array(0), /not a valid GLB: 0 bytes is too short/],
    ['truncated', () => fixture('khr_fox.glb').slice(0, 80_000), /not a valid GLB: truncated/],
    ['.gltf JSON', () => new TextEncoder().encode('{"asset":{"version":"2.0"}}'), /this is a \.gltf JSON file/],
    ['broken JSON chunk', () => glbWithJson('{"asset": '), /the JSON chunk does not parse/],
  ])('%s → E_BAD_GLB', async (_, make, message) => {
    for (const call of [optimizeGlb(make(), WEB), inspectGlb(make())]) {
      const err = await rejectionOf(call)
      expect(err.code).toBe('E_BAD_GLB')
      expect(err.message).toMatch(message)
    }
  })

  it('a model glTF-Transform cannot read is E_BAD_GLB too', async () => {
    const json = {
      asset: { version: '2.0' },
      accessors: [{ bufferView: 7, componentType: 5126, count: 3, type: 'VEC3' }],
      meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
    }
    const err = await rejectionOf(inspectGlb(glbWithJson(JSON.stringify(json))))
    expect(err.code).toBe('E_BAD_GLB')
  })

  it('a step that fails is E_OPTIMIZE, with the reason and a way out', async () => {
    const doc = new Document()
    doc.createBuffer()
    doc.createExtension(KHRMeshPrimitiveRestart) // weld refuses documents that use it
    const position = doc
      .createAccessor()
      .setType('VEC3')
      .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]))
    doc
      .createScene()
      .addChild(
        doc
          .createNode()
          .setMesh(doc.createMesh().addPrimitive(doc.createPrimitive().setAttribute('POSITION', position))),
      )
    const err = await rejectionOf(optimizeGlb(await (await getIO()).writeBinary(doc), WEB))
    expect(err.code).toBe('E_OPTIMIZE')
    expect(err.message).toContain('KHR_mesh_primitive_restart')
    expect(err.message).toContain('set `optimize: false` for this asset')
  })

  it('accepts unaligned views (a Buffer sliced out of a pool)', async () => {
    const src = fixture('pmndrs_bunny_draco.glb')
    const backing = new Uint8Array(src.byteLength + 1)
    backing.set(src, 1)
    expect((await inspectGlb(backing.subarray(1))).triangles).toBe(5648)
  })

  it('never follows external uris into the file system', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rodin-uri-'))
    const readFile = vi.spyOn(fs.promises, 'readFile')
    try {
      writeFileSync(join(dir, 'secret.bin'), new Uint8Array(64))
      for (const uri of [join(dir, 'secret.bin'), 'secret.bin', '../../etc/passwd', 'https://example.com/x.bin']) {
        const json = { asset: { version: '2.0' }, buffers: [{ uri, byteLength: 64 }] }
        const err = await rejectionOf(optimizeGlb(glbWithJson(JSON.stringify(json)), WEB))
        expect(err.code).toBe('E_BAD_GLB')
        expect(err.message).toContain(`references the external file "${uri}"`)
      }
      const image = { asset: { version: '2.0' }, images: [{ uri: 'texture.png' }] }
      expect((await rejectionOf(inspectGlb(glbWithJson(JSON.stringify(image))))).message).toContain(
        '"texture.png" (images)',
      )
      expect(readFile).not.toHaveBeenCalled()
    } finally {
      readFile.mockRestore()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('inspectGlb', () => {
  it('reports exact stats for a hand-built document', async () => {
    const doc = new Document()
    const buffer = doc.createBuffer()
    const acc = (type: 'VEC3' | 'SCALAR', values: number[], indices = false) =>
      doc
        .createAccessor()
        .setType(type)
        .setBuffer(buffer)
        .setArray(indices ? new Uint16Array(values) : new Float32Array(values))
    const quad = acc('VEC3', [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0])
    const matA = doc.createMaterial('a')
    const unlit = doc.createExtension(KHRMaterialsUnlit)
    matA.setExtension('KHR_materials_unlit', unlit.createUnlit())
    const meshA = doc
      .createMesh('a')
      .addPrimitive(
        doc
          .createPrimitive()
          .setAttribute('POSITION', quad)
          .setIndices(acc('SCALAR', [0, 1, 2, 0, 2, 3], true))
          .setMaterial(matA),
      )
      .addPrimitive(
        doc
          .createPrimitive()
          .setMode(5)
          .setAttribute('POSITION', acc('VEC3', [0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 2, 0])),
      )
      .addPrimitive(
        doc
          .createPrimitive()
          .setMode(1)
          .setAttribute('POSITION', acc('VEC3', [0, 0, 0, 0, 0, -3])),
      )
    const meshB = doc.createMesh('b').addPrimitive(
      doc
        .createPrimitive()
        .setAttribute('POSITION', acc('VEC3', [0, 0, 0, 1, 0, 0, 0, 1, 0]))
        .setMaterial(doc.createMaterial('b')),
    )
    const scene = doc.createScene()
    scene.addChild(doc.createNode('a').setMesh(meshA))
    scene.addChild(doc.createNode('b1').setMesh(meshB).setTranslation([10, 0, 0]))
    scene.addChild(doc.createNode('b2').setMesh(meshB).setTranslation([0, -5, 0]).setScale([2, 2, 2]))
    doc.getRoot().setDefaultScene(scene)
    const node = scene.listChildren()[0]!
    doc.createAnimation('spin').addChannel(
      doc
        .createAnimationChannel()
        .setTargetNode(node)
        .setTargetPath('translation')
        .setSampler(
          doc
            .createAnimationSampler()
            .setInput(acc('SCALAR', [0, 1]))
            .setOutput(acc('VEC3', [0, 0, 0, 0, 0, 0])),
        ),
    )
    doc.createExtension(KHRTextureTransform).setRequired(true)
    doc.createExtension(KHRMeshQuantization).setRequired(true)

    const stats = await inspectGlb(await (await getIO()).writeBinary(doc))
    expect(stats).toEqual({
      triangles: 2 + 3 + 1, // indexed quad + a 5-vertex strip (lines count nothing) + mesh b, counted once
      vertices: 4 + 5 + 2 + 3,
      bounds: { min: [0, -5, -3], max: [11, 2, 1] },
      nodes: ['a', 'b1', 'b2'],
      materials: ['a', 'b'],
      animations: ['spin'],
      extensionsRequired: ['KHR_mesh_quantization', 'KHR_texture_transform'],
      decoders: { meshopt: false, draco: false, ktx2: false },
      gpuBytes: 0,
    })
  })

  it('bounds: decodes normalized (quantized) positions, applies the node transform, skips unindexed vertices', async () => {
    const doc = new Document()
    const buffer = doc.createBuffer()
    // SHORT normalized: 32767 → 1, -32768 → -1 (clamped), 16384 → 16384/32767; the last vertex is never indexed.
    const position = doc
      .createAccessor()
      .setType('VEC3')
      .setBuffer(buffer)
      .setNormalized(true)
      .setArray(new Int16Array([-32768, 0, 0, 32767, 16384, 0, 0, 32767, -16384, 32767, 32767, 32767]))
    const bytes = doc
      .createAccessor()
      .setType('VEC3')
      .setBuffer(buffer)
      .setNormalized(true)
      .setArray(new Uint8Array([0, 255, 51, 255, 0, 102, 0, 0, 0]))
    const mesh = doc
      .createMesh()
      .addPrimitive(
        doc
          .createPrimitive()
          .setAttribute('POSITION', position)
          .setIndices(
            doc
              .createAccessor()
              .setType('SCALAR')
              .setBuffer(buffer)
              .setArray(new Uint16Array([0, 1, 2])),
          ),
      )
      .addPrimitive(doc.createPrimitive().setAttribute('POSITION', bytes)) // no indices: every vertex counts
    const scene = doc.createScene()
    scene.addChild(doc.createNode().setMesh(mesh).setScale([10, 10, 10]).setTranslation([0, 0, 5]))
    doc.createExtension(KHRMeshQuantization).setRequired(true)
    const { bounds } = await inspectGlb(await (await getIO()).writeBinary(doc))
    expect(bounds).toEqual({
      min: [-10, 0, 5 + 10 * Math.max(-16384 / 32767, -1)],
      max: [10, 10, 5 + 10 * (102 / 255)],
    })
  })

  it('dedup keeps identical materials that have different names (pages look them up by name)', async () => {
    const doc = new Document()
    const buffer = doc.createBuffer()
    const positions = () =>
      doc
        .createAccessor()
        .setBuffer(buffer)
        .setType('VEC3')
        .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]))
    const scene = doc.createScene()
    for (const name of ['Blade', 'Hilt']) {
      const prim = doc.createPrimitive().setAttribute('POSITION', positions()).setMaterial(doc.createMaterial(name))
      scene.addChild(doc.createNode(name).setMesh(doc.createMesh(name).addPrimitive(prim)))
    }
    const input = await (await getIO()).writeBinary(doc)
    const { stats } = await optimizeGlb(input, { ...WEB, compress: false })
    expect(stats.materials).toEqual(['Blade', 'Hilt'])
    expect(stats.nodes).toEqual(['Blade', 'Hilt'])
  })

  it('flags KTX2 when KHR_texture_basisu is used', async () => {
    const doc = new Document()
    doc.createBuffer()
    doc.createExtension(KHRTextureBasisu).setRequired(true)
    doc.createTexture('t').setMimeType('image/ktx2').setImage(new Uint8Array(16))
    const stats = await inspectGlb(await (await getIO()).writeBinary(doc))
    expect(stats.decoders).toEqual({ meshopt: false, draco: false, ktx2: true })
    expect(stats.bounds).toEqual({ min: [0, 0, 0], max: [0, 0, 0] })
  })
})
