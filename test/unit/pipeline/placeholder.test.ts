import { Document } from '@gltf-transform/core'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { FIXTURE_MODELSLAB_TASK_ID, FIXTURE_TASK_IDS } from '../../../fixtures/tasks.js'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { getIO } from '../../../src/optimize/io.js'
import { modelPlaceholder } from '../../../src/optimize/placeholder.js'
import { derivedKey } from '../../../src/pipeline/derive.js'
import { moduleData } from '../../../src/pipeline/module.js'
import { fileImportUrls, generateModule } from '../../../src/plugin/codegen.js'
import { emulator, project } from '../../helpers/env.js'

// Pipeline tests run in mode "auto" (project() sets it); CI is cleared by vitest.config.ts.

async function decode(uri: string) {
  expect(uri).toMatch(/^data:image\/webp;base64,[A-Za-z0-9+/]+=*$/)
  expect(uri.length).toBeLessThanOrEqual(1024)
  const bytes = Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64')
  const meta = await sharp(bytes).metadata()
  expect(meta.format).toBe('webp')
  expect(meta.width).toBeGreaterThan(0)
  const { data } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { meta, pixel: [data[0]!, data[1]!, data[2]!] }
}

async function redModelGlb(): Promise<Uint8Array> {
  const doc = new Document()
  const buffer = doc.createBuffer()
  const position = doc
    .createAccessor()
    .setType('VEC3')
    .setBuffer(buffer)
    .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]))
  const red = doc.createMaterial('red').setBaseColorFactor([1, 0, 0, 1])
  const blue = doc.createMaterial('blue').setBaseColorFactor([0, 0, 1, 1])
  const big = doc
    .createPrimitive()
    .setAttribute('POSITION', position)
    .setIndices(
      doc
        .createAccessor()
        .setBuffer(buffer)
        .setArray(new Uint16Array([0, 1, 2, 0, 2, 1])),
    )
    .setMaterial(red)
  const small = doc.createPrimitive().setAttribute('POSITION', position).setMaterial(blue)
  const mesh = doc.createMesh().addPrimitive(big).addPrimitive(small)
  doc.createScene().addChild(doc.createNode().setMesh(mesh))
  return (await getIO()).writeBinary(doc)
}

type Emulator = Awaited<ReturnType<typeof emulator>>

function rodinLikeTask(emu: Emulator) {
  return generateRodinLikeGlb({ triangles: 200, textureSize: 64 }).then(bytes =>
    emu.addTask({ files: [{ name: 'base_basic_pbr.glb', bytes }] }),
  )
}

/** The red model of redModelGlb() with a green `preview.png` of `width` × `height`. */
async function redModelWithGreenPreview(emu: Emulator, width: number, height: number) {
  const preview = await sharp({ create: { width, height, channels: 3, background: '#20c040' } })
    .png()
    .toBuffer()
  return emu.addTask({
    files: [
      { name: 'base_basic_pbr.glb', bytes: await redModelGlb() },
      { name: 'preview.png', bytes: new Uint8Array(preview) },
    ],
  })
}

describe('placeholder export', () => {
  it('every model module of the fixtures exports a ≤ 1 kB WebP that decodes', async () => {
    const emu = await emulator()
    const assets: Record<string, unknown> = Object.fromEntries(Object.entries(FIXTURE_TASK_IDS))
    assets.statue = { provider: 'modelslab', id: FIXTURE_MODELSLAB_TASK_ID } // no preview: colour placeholder
    const p = await project(emu, assets, {
      optimize: false,
      providers: {
        rodin: { apiKey: emu.apiKey, baseURL: emu.rodinBaseURL },
        modelslab: { apiKey: emu.apiKey, baseURL: emu.modelslabBaseURL },
      },
    })
    const pipeline = p.pipeline()
    for (const entry of p.manifest.entries) {
      const record = await pipeline.asset(entry)
      for (const variant of [{ kind: 'primary' }, { kind: 'raw' }] as const) {
        const data = await moduleData(pipeline, record, variant)
        expect(data.meta.kind, entry.alias).toBe('model')
        await decode(data.placeholder!)
        const code = generateModule(data, fileImportUrls)
        expect(code).toContain(`export const placeholder = ${JSON.stringify(data.placeholder)}`)
      }
    }
  })

  it('an optimized model without a preview gets its dominant base colour; an image gets itself; ?meta none', async () => {
    const emu = await emulator({ assets: [] })
    const red = emu.addTask({ files: [{ name: 'base_basic_pbr.glb', bytes: await redModelGlb() }] })
    const like = await rodinLikeTask(emu)
    const pic = await redModelWithGreenPreview(emu, 300, 200)
    const p = await project(emu, { red: red.uuid, like: like.uuid, pic: pic.uuid })
    const pipeline = p.pipeline()
    const data = async (alias: string, variant: Parameters<typeof moduleData>[2] = { kind: 'primary' }) =>
      moduleData(pipeline, await pipeline.asset(p.manifest.byAlias.get(alias)!), variant)

    const r = await data('red')
    expect(r.record.optimized).not.toBeNull()
    const { pixel } = await decode(r.placeholder!)
    expect(pixel[0]).toBeGreaterThan(200) // the red material covers 2 of 3 triangles
    expect(pixel[2]).toBeLessThan(60)

    await decode((await data('like')).placeholder!) // WebP textures after optimizing: their mean colour

    const poster = await decode((await data('pic', { kind: 'file', name: 'preview.png' })).placeholder!)
    expect(poster.meta.width).toBeGreaterThan(poster.meta.height!)
    expect(poster.pixel[1]).toBeGreaterThan(150)
    expect((await data('pic', { kind: 'meta' })).placeholder).toBeUndefined()
    // The model of the same task now has a preview: its placeholder is that image, not red.
    expect((await decode((await data('pic')).placeholder!)).pixel[1]).toBeGreaterThan(150)
  })

  it("the optimizer makes an optimized model's colour placeholder with its output; not for a model with a preview", async () => {
    const emu = await emulator({ assets: [] })
    const like = await rodinLikeTask(emu)
    const pic = await redModelWithGreenPreview(emu, 30, 20)
    const p = await project(emu, { like: like.uuid, pic: pic.uuid })
    const pipeline = p.pipeline()
    const recorded = async (alias: string) => {
      const record = await pipeline.asset(p.manifest.byAlias.get(alias)!)
      const key = derivedKey(record.optimized!.file.sha256, 'placeholder-model')
      return { record, found: await pipeline.store.readJson<{ placeholder: string }>('derived', key) }
    }
    const withModel = await recorded('like')
    // Recorded by the time the asset resolves (no module asked yet), and the URI the build would make itself.
    expect(withModel.found?.placeholder).toBe(await modelPlaceholder(await pipeline.optimizedBytes(withModel.record)))
    expect((await moduleData(pipeline, withModel.record, { kind: 'primary' })).placeholder).toBe(
      withModel.found!.placeholder,
    )
    expect((await recorded('pic')).found).toBeNull()
  })
})
