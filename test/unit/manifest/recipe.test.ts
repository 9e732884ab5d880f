import { describe, expect, it } from 'vitest'
import { isRodinError } from '../../../src/errors.js'
import { parseManifest } from '../../../src/manifest/manifest-parse.js'
import { notGeneratedError, recipeCost, recipeFields } from '../../../src/manifest/recipe.js'
import { generateRecipeSchema } from '../../../src/manifest/recipe-schema.js'
import { manifestJsonSchema } from '../../../src/manifest/schema.js'

const parse = (assets: unknown) => parseManifest(JSON.stringify({ assets }), '/p/assets.rodin.json')

describe('generate recipes in the manifest', () => {
  it('a recipe-only entry is an asset without a task; a generated one keeps its recipe', () => {
    const m = parse({
      hero: { generate: { prompt: 'a sword', tier: 'Sketch' } },
      crate: { task: '7F3C1A2E-5B6D-4C8E-9F00-1234567890AB', generate: { images: ['art/crate.png'] } },
    })
    expect(m.byAlias.get('hero')).toMatchObject({ task: '', notGenerated: true, ids: ['rodin:hero'] })
    expect(m.byAlias.get('crate')).toMatchObject({ task: '7f3c1a2e-5b6d-4c8e-9f00-1234567890ab' })
    expect(m.byAlias.get('crate')!.notGenerated).toBeUndefined()
    expect(m.byAlias.get('crate')!.recipe).toEqual({ images: ['art/crate.png'] })
  })

  it('a typo in a recipe is an E_CONFIG naming the field', () => {
    for (const [recipe, message] of [
      [{ prompt: 'x', tier: 'Sketchy' }, /at \$\.assets\.hero\.generate\.tier: Invalid option/],
      [{ prompt: 'x', colour: 'red' }, /at \$\.assets\.hero\.generate: unknown key "colour"/],
      [{ tier: 'Sketch' }, /needs a "prompt" or "images"/],
      [{ images: ['/etc/passwd'] }, /relative to the project root/],
      [{ prompt: 'x', seed: 70000 }, /generate\.seed/],
      [{ prompt: 'x', textureFrom: 'hero', tier: 'Sketch' }, /texture recipe/],
    ] as const) {
      let err: unknown
      try {
        parse({ hero: { generate: recipe } })
      } catch (e) {
        err = e
      }
      expect(isRodinError(err, 'E_CONFIG'), JSON.stringify(recipe)).toBe(true)
      expect((err as Error).message).toMatch(message)
    }
  })

  it('costs 0.5 credit, 1.5 with HighPack, 0.5 for a texture; maps onto the multipart fields', () => {
    const r = generateRecipeSchema.parse({ prompt: 'p', tier: 'Gen-2', meshMode: 'Raw', addons: ['HighPack'], seed: 3 })
    expect(recipeCost(r)).toBe(1.5)
    expect(recipeFields(r)).toEqual([
      ['prompt', 'p'],
      ['seed', '3'],
      ['tier', 'Gen-2'],
      ['mesh_mode', 'Raw'],
      ['addons', 'HighPack'],
    ])
    const t = generateRecipeSchema.parse({ prompt: 'rust', textureFrom: 'hero', format: 'glb' })
    expect(recipeCost(t)).toBe(0.5)
    expect(recipeFields(t)).toEqual([
      ['prompt', 'rust'],
      ['geometry_file_format', 'glb'],
      ['resolution', 'Basic'],
    ])
  })

  it('E_NOT_GENERATED names the alias, the command and the cost', () => {
    const err = notGeneratedError({ alias: 'hero', recipe: { prompt: 'x', addons: ['HighPack'] } })
    expect(err.code).toBe('E_NOT_GENERATED')
    expect(err.message).toContain('Run "npx rodin-assets generate hero" (cost: 1.5 credits)')
  })

  it('the JSON Schema documents recipe-only entries', () => {
    const text = JSON.stringify(manifestJsonSchema())
    expect(text).toContain('"required":["generate"]')
    expect(text).toContain('"textureFrom"')
  })
})
