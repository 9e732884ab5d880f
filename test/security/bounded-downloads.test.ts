// Issue 11 point 5: downloads stream to disk and a failed asset cancels its siblings. Each case runs the real
// CLI (`rodin-assets pull`, from src/) in its own process and reads its peak RSS.
// Mode: the child runs in mode "auto" (RODIN_MODE), with the emulator on loopback.
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { Emulator } from '../../src/emulator/index.js'
import { emulator, project } from '../helpers/env.js'
import { run } from '../helpers/processes.js'
import { CLI_SOURCE } from '../helpers/source.js'

const REPORT_RSS = fileURLToPath(new URL('./report-rss.mjs', import.meta.url))
const MiB = 1024 ** 2

async function pull(emu: Emulator, assets: Record<string, string>, concurrency: number) {
  const p = await project(emu, assets)
  const started = Date.now()
  const r = await run(
    ['--import', REPORT_RSS, CLI_SOURCE, 'pull', '--root', p.root, '--concurrency', String(concurrency)],
    {
      RODIN_BASE_URL: emu.rodinBaseURL,
      RODIN_API_KEY: emu.apiKey,
      RODIN_CACHE_DIR: p.options.cacheDir!,
      RODIN_MODE: 'auto',
    },
    // The child never outlives the test, even when the test times out.
    { timeoutMs: 300_000, onSpawn: kill => onTestFinished(kill) },
  )
  const rss = Number(/MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1]) * 1024
  return { ...r, rssBytes: rss, seconds: (Date.now() - started) / 1000 }
}

/** A task whose model and preview are both answered with endless chunked bodies. */
function endlessTask(emu: Emulator): string {
  const { uuid } = emu.addTask({
    files: [
      { name: 'base_basic_pbr.glb', bytes: new Uint8Array(16) },
      { name: 'preview.webp', bytes: new Uint8Array(16) },
    ],
  })
  emu.addFault({ route: 'file', task: uuid, kind: 'endless', times: Number.POSITIVE_INFINITY })
  return uuid
}

describe('bounded downloads (real process, peak RSS)', () => {
  it('eight endless bodies at concurrency 4: the pull fails in bounded time, RSS <= 600 MB, siblings cancelled', async () => {
    const emu = await emulator({ assets: [] })
    const assets: Record<string, string> = {}
    for (let i = 0; i < 4; i++) assets[`a${i}`] = endlessTask(emu)
    const r = await pull(emu, assets, 4)

    expect(r.code, r.stderr).not.toBe(0)
    expect(r.stderr).toMatch(/E_TOO_LARGE/)
    // Bounded: today it takes seconds; unbounded (every body to its 1 GiB cap) it took minutes.
    expect(r.seconds).toBeLessThan(120)
    expect(r.rssBytes).toBeGreaterThan(0)
    expect(r.rssBytes).toBeLessThanOrEqual(600 * 1000 ** 2)
    const files = emu.requests.filter(q => q.route === 'file')
    expect(files).toHaveLength(8)
    // Each preview hits the 64 MiB non-model cap first; its model sibling is cancelled long before 1 GiB.
    for (const task of Object.values(assets)) {
      const model = files.find(q => q.task === task && q.file === 'base_basic_pbr.glb')!
      expect(model.aborted).toBe(true)
      expect(model.bytesSent!).toBeLessThan(512 * MiB)
    }
  })

  it('a 1 GiB hostile body keeps the peak RSS under 300 MB', async () => {
    const emu = await emulator({ assets: [] })
    const { uuid } = emu.addTask({ files: [{ name: 'base_basic_pbr.glb', bytes: new Uint8Array(16) }] })
    emu.addFault({ route: 'file', task: uuid, kind: 'endless', times: Number.POSITIVE_INFINITY })
    const r = await pull(emu, { big: uuid }, 4)

    expect(r.code, r.stderr).not.toBe(0)
    expect(r.stderr).toMatch(/E_TOO_LARGE: .*larger than .*1073741824 bytes/)
    const model = emu.requests.find(q => q.route === 'file')!
    expect(model.bytesSent!).toBeGreaterThan(1024 * MiB)
    expect(r.rssBytes).toBeGreaterThan(0)
    expect(r.rssBytes).toBeLessThan(300 * 1000 ** 2)
  })
})
