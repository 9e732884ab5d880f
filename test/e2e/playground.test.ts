// Browser proof: the playground (three.js, one canvas per manifest asset) really shows every model, built
// and served by `vite preview` and served by the Vite dev server, in Debian's Chromium driven by
// playwright-core. Mode `auto` against a fresh emulator; cache, lockfile copy, Vite cache and build output
// live in a temp dir, so the repository (and its committed lockfile) is never written.
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import type { PreviewServer, ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CHROMIUM,
  canvasCoverage,
  decodersOfGlb,
  launchChromium,
  openPage,
  screenshot,
  waitForModels,
} from './browser.js'
import { PLAYGROUND_LOCKFILE, playgroundEnv } from './playground.js'
import type { PlaygroundEnv } from './playground.js'

/** A model must cover at least this share of its ~410×260 canvas (the smallest, the fox, covers ~6%). */
const MIN_COVERAGE = 0.02

let env: PlaygroundEnv
let browser: Browser
/** The lockfile copy after `vite build` (mode auto writes new pins into it). */
let lockAfterBuild: string | undefined

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (see .ci/run) or set CHROMIUM_PATH`)
  ;[env, browser] = await Promise.all([playgroundEnv(), launchChromium()])
})

afterAll(async () => {
  await browser?.close()
  await env?.emu.close()
  if (env) await rm(env.dir, { recursive: true, force: true })
})

/** Requests that leave the page's origin (`data:` and `blob:` URLs are the page's own). */
function offOrigin(requests: string[], pageUrl: string): string[] {
  const origin = new URL(pageUrl).origin
  return requests.filter(r => !/^(data|blob):/.test(r) && new URL(r).origin !== origin)
}

/**
 * The page's fetches of a decoder file (emitted names are `<name>-<hash>.<ext>` in a build). The dev server's
 * `?url` modules (JavaScript that only exports the file's URL) are not fetches of the file.
 */
function fetchesOf(requests: string[], name: string, ext: string): string[] {
  const re = new RegExp(`/${name}(-[\\w-]+)?\\.${ext}$`)
  return requests.filter(r => re.test(new URL(r).pathname) && !new URL(r).searchParams.has('url'))
}

/** Runs the page until every model settled or a problem was reported; returns what the page reported. */
async function loadModels(page: Page, problems: string[], firstProblem: Promise<void>) {
  // A page that reports a problem fails at once (after a moment to collect what follows from it).
  const failed = firstProblem
    .then(() => new Promise(resolve => setTimeout(resolve, 500)))
    .then(() => {
      throw new Error(`the page reported problems while loading:\n${problems.join('\n')}`)
    })
  failed.catch(() => {}) // when the models win the race, later problems still fail `expect(problems)` below
  const loaded = waitForModels(page, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}\nwhat the page reported:\n${problems.join('\n') || '(nothing)'}`)
  })
  return Promise.race([loaded, failed])
}

/** Loads the page and checks everything the browser proof promises; returns the screenshot path and coverage. */
async function provePage(url: string, name: string) {
  const { page, problems, requests, firstProblem } = await openPage(browser)
  try {
    const response = await page.goto(url)
    expect(response?.status()).toBe(200)
    const { states, models } = await loadModels(page, problems, firstProblem)

    // Every manifest asset is on the page and loaded through unplugin-rodin/three...
    expect(Object.keys(states).sort()).toEqual(env.aliases)
    expect(states, problems.join('\n')).toEqual(Object.fromEntries(env.aliases.map(a => [a, 'ok'])))
    // ...with the decoders `meta.decoders` names, which are exactly those the served file needs...
    for (const [alias, { url: modelUrl, decoders, nodes }] of Object.entries(models)) {
      const res = await fetch(new URL(modelUrl, url))
      expect(res.status, modelUrl).toBe(200)
      expect(decoders, alias).toEqual(decodersOfGlb(new Uint8Array(await res.arrayBuffer())))
      // ...and its nodes indexed by name.
      expect(nodes.length, alias).toBeGreaterThan(0)
    }
    // meshopt for the re-encoded models, Draco where the optimizer kept the smaller Draco input (the bunny),
    // KTX2 for the lamp whose textures are Basis Universal and for the crate optimized with textureFormat 'ktx2':
    // every decoder path runs in the browser.
    const used = new Set(Object.values(models).flatMap(m => m.decoders))
    expect([...used].sort()).toEqual(['draco', 'ktx2', 'meshopt'])
    // The decoder files came from this site (emitted from the installed three), each fetched once for all models.
    expect(offOrigin(requests, url), 'requests that left the origin').toEqual([])
    for (const [file, ext] of [
      ['draco_wasm_wrapper', 'js'],
      ['draco_decoder', 'wasm'],
      ['basis_transcoder', 'js'],
      ['basis_transcoder', 'wasm'],
    ] as const)
      expect(fetchesOf(requests, file, ext), `${file}.${ext} fetches`).toHaveLength(1)

    // Every canvas shows a model: the scene was drawn (background color) and not all of it is background.
    const coverage = await canvasCoverage(page)
    expect(coverage.map(c => c.asset).sort()).toEqual(env.aliases)
    for (const c of coverage) {
      expect(c.width * c.height, c.asset).toBeGreaterThan(200 * 200)
      expect(c.background, `${c.asset}: the scene was not drawn`).toBeGreaterThan(0.3)
      expect(c.covered, `${c.asset}: the canvas shows no model`).toBeGreaterThan(MIN_COVERAGE)
    }

    const shot = await screenshot(page, name)
    // No console error, uncaught exception, failed request or HTTP error, including the texture decoding
    // that a malformed KTX2 input would cause.
    expect(problems).toEqual([])
    return `${shot} (model pixels: ${coverage.map(c => `${c.asset} ${(c.covered * 100).toFixed(0)}%`).join(', ')})`
  } finally {
    await page.close()
  }
}

/** The React Three Fiber page: every model it shows rendered through useRodin, on origin, without problems. */
async function proveR3fPage(url: string, name: string) {
  const { page, problems, requests, firstProblem } = await openPage(browser)
  try {
    const response = await page.goto(new URL('r3f.html', url).href)
    expect(response?.status()).toBe(200)
    const { states, models } = await loadModels(page, problems, firstProblem)
    const shown = ['bunny', 'fox', 'lamp-ktx2']
    expect(states, problems.join('\n')).toEqual(Object.fromEntries(shown.map(a => [a, 'ok'])))
    for (const [alias, { url: modelUrl, decoders, nodes }] of Object.entries(models)) {
      const res = await fetch(new URL(modelUrl, url))
      expect(decoders, alias).toEqual(decodersOfGlb(new Uint8Array(await res.arrayBuffer())))
      expect(nodes.length, alias).toBeGreaterThan(0)
    }
    expect([...new Set(Object.values(models).flatMap(m => m.decoders))].sort()).toEqual(['draco', 'ktx2', 'meshopt'])
    expect(offOrigin(requests, url), 'requests that left the origin').toEqual([])
    const shot = await screenshot(page, name)
    const coverage = await canvasCoverage(page)
    expect(coverage.map(c => c.asset).sort(), problems.join('\n')).toEqual(shown)
    for (const c of coverage) {
      expect(c.background, `${c.asset}: the scene was not drawn (${JSON.stringify(c)})`).toBeGreaterThan(0.3)
      expect(c.covered, `${c.asset}: the canvas shows no model`).toBeGreaterThan(MIN_COVERAGE)
    }
    expect(problems).toEqual([])
    return `${shot} (model pixels: ${coverage.map(c => `${c.asset} ${(c.covered * 100).toFixed(0)}%`).join(', ')})`
  } finally {
    await page.close()
  }
}

describe('playground in Chromium (mode auto, emulator, temp cache and lockfile copy)', () => {
  it('vite build + vite preview: every model renders with its decoders (three.js and R3F pages), no console errors', async () => {
    const { build, preview } = await import('vite')
    await build(env.config({}))
    lockAfterBuild = await readFile(env.lockfile, 'utf8')

    let server: PreviewServer | undefined
    try {
      server = await preview(env.config({ preview: { host: '127.0.0.1', port: 0, strictPort: false } }))
      const url = server.resolvedUrls?.local[0]
      expect(url).toBeTruthy()
      console.log(`e2e: screenshot ${await provePage(url!, 'playground-preview')}`)
      console.log(`e2e: screenshot ${await proveR3fPage(url!, 'playground-r3f-preview')}`)
    } finally {
      await server?.close()
    }
  })

  it('the committed playground lockfile pins what that build produced (auto mode added nothing)', async () => {
    expect(lockAfterBuild, 'the build test did not run').toBeDefined()
    expect(
      lockAfterBuild,
      'playground/assets.rodin.lock.json is stale (the optimizer output changed): delete node_modules/.cache/unplugin-rodin-demo and run `npm run demo`',
    ).toBe(await readFile(PLAYGROUND_LOCKFILE, 'utf8'))
  })

  it('vite dev server: the same pages from source render every model, no console errors', async () => {
    const { createServer } = await import('vite')
    let server: ViteDevServer | undefined
    try {
      server = await createServer(env.config({ server: { host: '127.0.0.1', port: 0, strictPort: false } }))
      await server.listen()
      const url = server.resolvedUrls?.local[0]
      expect(url).toBeTruthy()
      console.log(`e2e: screenshot ${await provePage(url!, 'playground-dev')}`)
      console.log(`e2e: screenshot ${await proveR3fPage(url!, 'playground-r3f-dev')}`)
    } finally {
      await server?.close()
    }
  })
})
