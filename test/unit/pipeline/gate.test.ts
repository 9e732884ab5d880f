import { describe, expect, it, vi } from 'vitest'
import { readFile } from 'node:fs/promises'
import { sourcesInFlight } from '../../../src/optimize/pool-size.js'
import type { OptimizerPool } from '../../../src/optimize/pool.js'
import { resolveOptions } from '../../../src/options.js'
import { LargestFirstGate } from '../../../src/pipeline/gate.js'
import { Pipeline } from '../../../src/pipeline/pipeline.js'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { emulator, glbTask, project } from '../../helpers/env.js'

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>(r => {
    resolve = r
  })
  return { promise, resolve }
}

describe('LargestFirstGate', () => {
  it('runs at most `limit` at once and lets the largest waiter go next', async () => {
    const gate = new LargestFirstGate(2)
    const order: number[] = []
    let running = 0
    let most = 0
    const release = new Map<number, () => void>()
    const job = (weight: number) =>
      gate.run(weight, async () => {
        order.push(weight)
        running++
        most = Math.max(most, running)
        const d = deferred()
        release.set(weight, d.resolve)
        await d.promise
        running--
        return weight
      })
    const all = [1, 2, 5, 3, 9, 4].map(job)
    await vi.waitFor(() => expect(order).toEqual([1, 2]))
    expect(gate.pending).toBe(4)
    // Each finished job lets the heaviest waiter start.
    for (const [done, next] of [
      [1, 9],
      [2, 5],
      [9, 4],
      [5, 3],
    ] as const) {
      release.get(done)!()
      await vi.waitFor(() => expect(order.at(-1)).toBe(next))
    }
    release.get(4)!()
    release.get(3)!()
    expect(await Promise.all(all)).toEqual([1, 2, 5, 3, 9, 4])
    expect(order).toEqual([1, 2, 9, 5, 4, 3])
    expect(most).toBe(2)
  })

  it('keeps the running weight within the capacity, and runs a job heavier than it alone', async () => {
    const gate = new LargestFirstGate(4, 10)
    const started: number[] = []
    const release = new Map<number, () => void>()
    const job = (weight: number) =>
      gate.run(weight, async () => {
        started.push(weight)
        const d = deferred()
        release.set(weight, d.resolve)
        await d.promise
      })
    const all = [12, 6, 5, 4, 1].map(job)
    // 12 is over the capacity: it runs, alone.
    await vi.waitFor(() => expect(started).toEqual([12]))
    release.get(12)!()
    // Then 6; 5, the heaviest waiter, does not fit beside it, and 4 and 1 (which would) do not jump ahead.
    await vi.waitFor(() => expect(started).toEqual([12, 6]))
    expect(gate.running).toBe(1)
    release.get(6)!()
    await vi.waitFor(() => expect(started).toEqual([12, 6, 5, 4, 1]))
    expect(gate.running).toBe(3)
    for (const w of [5, 4, 1]) release.get(w)!()
    await Promise.all(all)
    expect(gate.running).toBe(0)
  })

  it('a job that throws gives its slot to the next', async () => {
    const gate = new LargestFirstGate(1)
    const failing = gate.run(1, async () => {
      throw new Error('boom')
    })
    const next = gate.run(1, async () => 'ran')
    await expect(failing).rejects.toThrow('boom')
    expect(await next).toBe('ran')
    expect(gate.pending).toBe(0)
  })

  it('refuses a limit that is not a positive integer, and a capacity that is not positive', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new LargestFirstGate(bad)).toThrow(/positive integer/)
    for (const bad of [0, -1, Number.NaN]) expect(() => new LargestFirstGate(1, bad)).toThrow(/capacity/)
  })
})

describe('Pipeline: sources wait for the optimizer unread', () => {
  it('a cold build of more assets than optimizer slots takes at most the gate limit of sources at once, by path', async () => {
    const emu = await emulator({ assets: [] })
    const assets: Record<string, string> = {}
    for (let i = 0; i < 12; i++) {
      const bytes = await generateRodinLikeGlb({ triangles: 200 + 100 * i, textureSize: 16, seed: i })
      assets[`m${i}`] = emu.addTask({ files: [{ name: 'base_basic_pbr.glb', bytes }] }).uuid
    }
    const p = await project(emu, assets)
    const pipeline = new Pipeline(resolveOptions(p.options, p.root, {}), { info() {}, warn() {} })
    let held = 0
    let most = 0
    const sizes: number[] = []
    // The store vouches for a source file when its job starts; the worker reads it (the build never does).
    const readBytes = vi.spyOn(pipeline, 'sourceBytes')
    const vouch = pipeline.store.vouch.bind(pipeline.store)
    vi.spyOn(pipeline.store, 'vouch').mockImplementation(async (sha256, size) => {
      const file = await vouch(sha256, size)
      held++
      most = Math.max(most, held)
      return file
    })
    // A pool that holds every job until the test lets go, then answers with the source itself.
    const downloadsDone = deferred()
    const fake: Partial<OptimizerPool> = {
      size: 1,
      jobsPerWorker: 3,
      async optimize(source) {
        const bytes = source instanceof Uint8Array ? source : new Uint8Array(await readFile(source.path))
        sizes.push(bytes.byteLength)
        await downloadsDone.promise
        held--
        const { inspectGlb } = await import('../../../src/optimize/inspect.js')
        return { bytes, stats: await inspectGlb(bytes) }
      },
      async close() {},
    }
    vi.spyOn(pipeline, 'getPool').mockResolvedValue(fake as OptimizerPool)
    const limit = sourcesInFlight((await import('node:os')).availableParallelism())
    expect(limit).toBeLessThan(12)
    try {
      const manifest = await pipeline.getManifest()
      const built = Promise.all(manifest.entries.map(e => pipeline.asset(e)))
      // Every asset downloaded and queued for the optimizer; only the running jobs have read their source.
      await vi.waitFor(
        () => {
          const { running, waiting } = pipeline.optimizerQueue
          expect(running + waiting).toBe(12)
          expect(held).toBe(running)
        },
        { timeout: 60_000 },
      )
      expect(pipeline.optimizerQueue.running).toBe(limit)
      downloadsDone.resolve()
      await built
    } finally {
      await pipeline.close()
    }
    expect(sizes).toHaveLength(12)
    expect(readBytes).not.toHaveBeenCalled()
    expect(pipeline.optimizerQueue).toEqual({ running: 0, waiting: 0 })
    expect(most).toBeLessThanOrEqual(limit)
    expect(most).toBeGreaterThan(0)
  })
})

describe('Pipeline: two assets with the same source and settings', () => {
  it('are optimized once, and both get the output', async () => {
    const emu = await emulator({ assets: [] })
    const a = await glbTask(emu, 'khr_fox.glb')
    const b = await glbTask(emu, 'khr_fox.glb')
    const p = await project(emu, { a: a.uuid, b: b.uuid })
    const pipeline = new Pipeline(resolveOptions(p.options, p.root, {}), { info() {}, warn() {} })
    const real = await pipeline.getPool()
    const optimize = vi.spyOn(real, 'optimize')
    try {
      const manifest = await pipeline.getManifest()
      const [ra, rb] = await Promise.all(manifest.entries.map(e => pipeline.asset(e)))
      expect(optimize).toHaveBeenCalledTimes(1)
      expect(ra!.optimized!.file).toEqual(rb!.optimized!.file)
      expect(await pipeline.store.has(ra!.optimized!.file.sha256, ra!.optimized!.file.bytes)).toBe(true)
    } finally {
      await pipeline.close()
    }
  })
})
