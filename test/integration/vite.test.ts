import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import validator from 'gltf-validator'
import { describe, expect, it, vi } from 'vitest'
import { sha256Hex } from '../../src/util/hash.js'
import type { RodinOptions } from '../../src/options.js'
import { emulator, glbTask, project } from '../helpers/env.js'
import { viteBuild, writeApp } from '../helpers/vite-app.js'

const SECRET = 'sk-test-integration-secret-7731'

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name))
  return out
}

describe('vite build against the emulator', () => {
  it('emits content-hashed optimized GLBs with exact meta, client and SSR, and a warm rebuild makes 0 requests', async () => {
    const emu = await emulator({ assets: [], apiKey: SECRET })
    const fox = await glbTask(emu, 'khr_fox.glb', { jobs: [['Waiting', 'Generating', 'Done']] })
    const crate = await glbTask(emu, 'sketchfab_wooden_crate.glb')
    const p = await project(emu, {
      fox: { task: fox.uuid, subscriptionKey: fox.subscriptionKey },
      'wooden-crate': crate.uuid,
    })
    await writeApp(p.root, {
      fox: 'rodin:fox',
      crate: `rodin:${crate.uuid}`,
      foxRaw: 'rodin:fox?raw',
      foxMeta: 'rodin:fox?meta',
      foxPreview: 'rodin:fox/preview.webp',
    })

    const logs: string[] = []
    const capture = (...a: unknown[]) => {
      logs.push(a.map(String).join(' '))
    }
    const spies = [
      vi.spyOn(console, 'log').mockImplementation(capture),
      vi.spyOn(console, 'warn').mockImplementation(capture),
      vi.spyOn(console, 'error').mockImplementation(capture),
    ]
    const opts = { ...p.options, logLevel: 'info' as const }
    await viteBuild(p.root, opts, { base: '/game/', build: { outDir: 'dist' } })
    await viteBuild(p.root, opts, {
      build: { outDir: 'dist-ssr', ssr: 'src/entry.js', rollupOptions: { output: { entryFileNames: 'entry.mjs' } } },
    })
    for (const s of spies) s.mockRestore()

    // Values as the app sees them (SSR bundle: no browser globals needed).
    const ssr = await import(pathToFileURL(join(p.root, 'dist-ssr/entry.mjs')).href)
    const { fox: f, crate: c, foxRaw, foxMeta, foxPreview } = ssr.all
    const client = await listFiles(join(p.root, 'dist'))
    const emitted = (url: string) => {
      expect(url).toMatch(/^\/(?:game\/)?assets\/[\w.-]+$/)
      const file = client.find(x => x.endsWith(url.replace(/^\/(?:game\/)?/, '/')))
      expect(file, `${url} is emitted`).toBeDefined()
      return readFile(file!)
    }

    for (const [mod, source] of [
      [f, fox.bytes],
      [c, crate.bytes],
    ] as const) {
      expect(mod.default).toBe(mod.url)
      expect(mod.url).toMatch(/\.glb$/)
      const bytes = await emitted(mod.url)
      expect(mod.meta).toMatchObject({
        provider: 'rodin',
        kind: 'model',
        file: 'base_basic_pbr.glb',
        sha256: sha256Hex(bytes),
        bytes: bytes.byteLength,
        sourceSha256: sha256Hex(source),
        sourceBytes: source.byteLength,
      })
      expect(mod.meta.decoders).toEqual({ meshopt: true, draco: false, ktx2: false })
      const report = await validator.validateBytes(new Uint8Array(bytes))
      expect(report.issues.numErrors, JSON.stringify(report.issues.messages.slice(0, 3))).toBe(0)
    }
    expect(f.meta.id).toBe('fox')
    expect(c.meta.id).toBe('wooden-crate')
    expect(f.meta.animations).toHaveLength(3)
    expect(c.meta.bytes).toBeLessThan(c.meta.sourceBytes * 0.5) // textured model comes out much smaller
    expect(f.preview).toMatch(/preview.*\.webp$/)
    expect(c.preview).toMatch(/\.webp$/)

    expect(sha256Hex(await emitted(foxRaw.url))).toBe(sha256Hex(fox.bytes))
    expect(foxRaw.meta).toMatchObject({ sha256: sha256Hex(fox.bytes), kind: 'model', triangles: expect.any(Number) })
    expect(foxMeta.default).toEqual(f.meta)
    expect(foxMeta.url).toBeUndefined()
    expect(foxPreview.meta).toMatchObject({ kind: 'image', format: 'webp', file: 'preview.webp' })

    // The client build respects base; every emitted GLB name is content-hashed.
    const clientJs = (await Promise.all(client.filter(x => x.endsWith('.js')).map(x => readFile(x, 'utf8')))).join('\n')
    expect(clientJs).toContain('/game/assets/')
    expect(client.filter(x => x.endsWith('.glb')).every(x => /-[0-9a-f]{12}-[\w-]{8}\.glb$/.test(x))).toBe(true)

    // Secrets: nowhere on disk or in the build output; file hosts never got credentials; no early /download.
    for (const file of [
      ...client,
      ...(await listFiles(join(p.root, 'dist-ssr'))),
      ...(await listFiles(join(p.root, '.cache'))),
      p.lockfile,
    ]) {
      expect((await readFile(file)).includes(SECRET), file).toBe(false)
    }
    expect(logs.join('\n')).not.toContain(SECRET)
    expect(logs.join('\n')).toMatch(/fox .*→.*miss/)
    expect(emu.requests.filter(r => r.route === 'file').every(r => !r.authorization && !r.apiKeyHeader)).toBe(true)
    expect(emu.requests.some(r => r.early)).toBe(false)
    expect(JSON.parse(await readFile(p.lockfile, 'utf8')).assets.fox.optimized.sha256).toBe(f.meta.sha256)

    emu.clearLog()
    const before = await readFile(join(p.root, 'dist', 'index.html'), 'utf8')
    await viteBuild(p.root, p.options, { base: '/game/', build: { outDir: 'dist' } })
    expect(emu.requests).toHaveLength(0)
    expect(await readFile(join(p.root, 'dist', 'index.html'), 'utf8')).toBe(before)
  })

  it('fails the build with a message that says how to add an unknown asset', async () => {
    const emu = await emulator({ assets: [] })
    const p = await project(emu, { known: '7f3c1a2e-5b6d-4c8e-9f00-1234567890ab' })
    await writeApp(p.root, { x: 'rodin:unknown-thing' })
    await expect(viteBuild(p.root, p.options)).rejects.toThrow(
      /"rodin:unknown-thing" is not in assets\.rodin\.json\. Add it under "assets"/,
    )
  })
  it("prints its lines through Vite's logger, so Vite's logLevel decides unless the plugin sets its own", async () => {
    const emu = await emulator({ assets: [] })
    const fox = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { fox: fox.uuid })
    await writeApp(p.root, { fox: 'rodin:fox' })
    const { logLevel: _, ...unset } = p.options
    const rodinLines = async (viteLevel: 'info' | 'warn', options: RodinOptions = unset) => {
      const logs: string[] = []
      const spies = (['log', 'warn', 'info'] as const).map(m =>
        vi.spyOn(console, m).mockImplementation((...a: unknown[]) => {
          logs.push(a.map(String).join(' '))
        }),
      )
      try {
        await viteBuild(p.root, options, { logLevel: viteLevel, build: { outDir: 'dist' } })
      } finally {
        for (const s of spies) s.mockRestore()
      }
      return logs.filter(l => l.includes('[rodin]'))
    }
    expect(await rodinLines('info')).toEqual(
      expect.arrayContaining([expect.stringMatching(/fox .*(hit|miss)/), expect.stringMatching(/1 asset\(s\)/)]),
    )
    expect(await rodinLines('warn')).toEqual([])
    expect(await rodinLines('warn', { ...unset, logLevel: 'info' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/fox .*hit/)]),
    )
  })
})
