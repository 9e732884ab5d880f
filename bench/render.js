// Fixed-camera renders of GLBs with three.js in headless Chromium (SwiftShader WebGL), and the PSNR between
// two renders. The page and three.js are served from a loopback server; models are served from memory.
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const THREE_DIR = join(ROOT, 'node_modules/three/')
const PAGE = fileURLToPath(new URL('./render-page.html', import.meta.url))
const TYPES = {
  '.js': 'text/javascript',
  '.html': 'text/html',
  '.wasm': 'application/wasm',
  '.glb': 'model/gltf-binary',
}

export const CHROMIUM = process.env.BENCH_CHROMIUM || '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
]

/**
 * Opens one browser page that renders models on request. `render(bytes, camera?)` → `{ rgba, camera, size }`
 * (`renderViews` gives several views of one load);
 * pass the original's camera when rendering an optimized copy so both are seen from exactly the same place.
 */
export async function openRenderer({ size = 768 } = {}) {
  const models = new Map()
  let next = 0
  const server = createServer((req, res) => void serve(req, res, models))
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${server.address().port}`
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: size, height: size } })
    const problems = []
    page.on('pageerror', err => problems.push(String(err)))
    await page.goto(`${origin}/page.html?size=${size}`)
    await page
      .waitForFunction(() => window.rendererReady === true, null, { timeout: 30_000 })
      .catch(err => {
        throw new Error(`the render page did not start: ${problems.join('; ') || err.message}`)
      })
    return {
      async render(bytes, camera) {
        const id = `${next++}.glb`
        models.set(id, bytes)
        try {
          const out = await page.evaluate(([url, cam]) => window.renderModel(url, cam), [`/m/${id}`, camera ?? null])
          return { rgba: Buffer.from(out.rgba, 'base64'), camera: out.camera, size: out.size }
        } finally {
          models.delete(id)
        }
      },
      /** `views` renders of one load: framed from the model (no `cameras`) or from the given cameras. */
      async renderViews(bytes, { cameras, views = 4 } = {}) {
        const id = `${next++}.glb`
        models.set(id, bytes)
        try {
          const out = await page.evaluate(
            ([url, cams, n]) => window.renderViews(url, cams, n),
            [`/m/${id}`, cameras ?? null, views],
          )
          return out.map(o => ({ rgba: Buffer.from(o.rgba, 'base64'), camera: o.camera, size: o.size }))
        } finally {
          models.delete(id)
        }
      },
      async close() {
        await browser.close()
        await new Promise(resolve => server.close(resolve))
      },
    }
  } catch (err) {
    await browser.close()
    server.close()
    throw err
  }
}

async function serve(req, res, models) {
  try {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname)
    let body
    if (path === '/page.html') body = await readFile(PAGE)
    else if (path.startsWith('/m/')) body = models.get(path.slice(3))
    else if (path.startsWith('/three/')) {
      const file = normalize(join(THREE_DIR, path.slice('/three/'.length)))
      if (file.startsWith(THREE_DIR)) body = await readFile(file).catch(() => undefined)
    }
    if (!body) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body)
  } catch {
    res.writeHead(500).end()
  }
}

/**
 * PSNR (dB) over RGB of the pixels that show the model in either render (alpha > 0): the empty background
 * is identical in both and would inflate the number. Identical renders give Infinity.
 */
export function maskedPsnr(a, b) {
  if (a.length !== b.length) throw new Error('renders differ in size')
  let se = 0
  let n = 0
  for (let i = 0; i < a.length; i += 4) {
    if (a[i + 3] === 0 && b[i + 3] === 0) continue
    for (let k = 0; k < 3; k++) se += (a[i + k] - b[i + k]) ** 2
    n += 3
  }
  if (n === 0) return Infinity
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / n))
}

/** Share of the frame the model covers in a render (framing sanity check). */
export function coverage(rgba) {
  let n = 0
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] > 0) n++
  return n / (rgba.length / 4)
}

/**
 * Mean SSIM of luma over 8×8 windows (stride 4) that hold a model pixel in either render, with the usual
 * constants (K1 0.01, K2 0.03, L 255). A structural measure next to PSNR: blur and blocking lower it even
 * where the mean error is small. Identical renders give 1.
 */
export function maskedSsim(a, b, size) {
  if (a.length !== b.length) throw new Error('renders differ in size')
  const c1 = (0.01 * 255) ** 2
  const c2 = (0.03 * 255) ** 2
  const luma = (rgba, i) => 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2]
  let sum = 0
  let windows = 0
  for (let y = 0; y + 8 <= size; y += 4) {
    for (let x = 0; x + 8 <= size; x += 4) {
      let covered = false
      let sa = 0
      let sb = 0
      let saa = 0
      let sbb = 0
      let sab = 0
      for (let j = 0; j < 8; j++) {
        for (let i = 0; i < 8; i++) {
          const p = ((y + j) * size + x + i) * 4
          if (a[p + 3] > 0 || b[p + 3] > 0) covered = true
          const la = luma(a, p)
          const lb = luma(b, p)
          sa += la
          sb += lb
          saa += la * la
          sbb += lb * lb
          sab += la * lb
        }
      }
      if (!covered) continue
      const ma = sa / 64
      const mb = sb / 64
      const va = saa / 64 - ma * ma
      const vb = sbb / 64 - mb * mb
      const cov = sab / 64 - ma * mb
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
      windows++
    }
  }
  return windows === 0 ? 1 : sum / windows
}
