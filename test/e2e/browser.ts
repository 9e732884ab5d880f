import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'

/** Debian's Chromium (`.ci/run` installs it); override with CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** Screenshots land here (gitignored). */
export const TEST_OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url))

/** Headless Chromium with WebGL on SwiftShader (no GPU here or in CI) and nothing that phones home. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--no-first-run',
    ],
  })
}

export type AssetState = 'loading' | 'ok' | 'error'

/** What the page reports (see playground/src/main.ts). */
interface PlaygroundWindow {
  __rodin?: Record<string, AssetState>
  __rodinModels?: Record<string, { url: string; decoders: string[]; nodes: string[] }>
}

export interface CanvasCoverage {
  asset: string
  width: number
  height: number
  /** Share of opaque pixels in the scene's background color (#1e2128): proves the scene was drawn at all. */
  background: number
  /** Share of opaque pixels that differ clearly from the background: the model. */
  covered: number
}

/**
 * A page that records every problem: console errors, uncaught exceptions, failed requests and HTTP
 * errors. Nothing is filtered out.
 */
export async function openPage(
  browser: Browser,
): Promise<{ page: Page; problems: string[]; requests: string[]; firstProblem: Promise<void> }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const problems: string[] = []
  /** Every URL the page asked for (documents, scripts, models, decoder files, workers' fetches), in order. */
  const requests: string[] = []
  page.on('request', req => requests.push(req.url()))
  let reported: () => void
  const firstProblem = new Promise<void>(resolve => {
    reported = resolve
  })
  const report = (problem: string) => {
    problems.push(problem)
    reported()
  }
  page.on('console', msg => {
    if (msg.type() === 'error') report(`console.error: ${msg.text()} (${msg.location().url})`)
  })
  page.on('pageerror', err => report(`uncaught: ${err.stack ?? err.message}`))
  page.on('requestfailed', req => report(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`))
  page.on('response', res => {
    if (res.status() >= 400) report(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`)
  })
  return { page, problems, requests, firstProblem }
}

/** Waits until every asset of the page left 'loading'; returns the states, and the URL and decoders per model. */
export async function waitForModels(page: Page, timeoutMs: number) {
  await page.waitForFunction(
    () => {
      const states = (window as PlaygroundWindow).__rodin
      return !!states && Object.keys(states).length > 0 && Object.values(states).every(s => s !== 'loading')
    },
    null,
    { timeout: timeoutMs, polling: 100 },
  )
  return page.evaluate(() => {
    const w = window as PlaygroundWindow
    return { states: { ...w.__rodin! }, models: { ...w.__rodinModels } }
  })
}

/**
 * Reads every model canvas's pixels back (the renderer keeps its drawing buffer) and measures how much of
 * it is the scene's background and how much is something else.
 */
export function canvasCoverage(page: Page): Promise<CanvasCoverage[]> {
  return page.evaluate(() => {
    const background = [0x1e, 0x21, 0x28]
    return [...document.querySelectorAll<HTMLCanvasElement>('canvas[data-asset]')].map(canvas => {
      const copy = document.createElement('canvas')
      copy.width = canvas.width
      copy.height = canvas.height
      const ctx = copy.getContext('2d')!
      ctx.drawImage(canvas, 0, 0)
      const { data } = ctx.getImageData(0, 0, copy.width, copy.height)
      let covered = 0
      let plain = 0
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! < 255) continue // never drawn: a fresh WebGL canvas is transparent
        const diff = Math.max(
          Math.abs(data[i]! - background[0]!),
          Math.abs(data[i + 1]! - background[1]!),
          Math.abs(data[i + 2]! - background[2]!),
        )
        if (diff > 24) covered++
        else if (diff <= 2) plain++
      }
      const pixels = copy.width * copy.height
      return {
        asset: canvas.dataset.asset!,
        width: copy.width,
        height: copy.height,
        background: plain / pixels,
        covered: covered / pixels,
      }
    })
  })
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(TEST_OUTPUT, { recursive: true })
  const path = `${TEST_OUTPUT}${name}.png`
  await page.screenshot({ path, fullPage: true })
  return path
}

/** The decoders a GLB needs, read from its own JSON chunk (independent of the plugin's `meta`). */
export function decodersOfGlb(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.byteLength < 20 || view.getUint32(0, true) !== 0x46546c67 || view.getUint32(16, true) !== 0x4e4f534a)
    throw new Error('not a GLB')
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + view.getUint32(12, true)))) as {
    extensionsUsed?: string[]
  }
  const used = new Set(json.extensionsUsed ?? [])
  const needs: Record<string, boolean> = {
    meshopt: used.has('EXT_meshopt_compression') || used.has('KHR_meshopt_compression'),
    draco: used.has('KHR_draco_mesh_compression'),
    ktx2: used.has('KHR_texture_basisu'),
  }
  return Object.keys(needs).filter(name => needs[name])
}
