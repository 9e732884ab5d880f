import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { OPTIMIZE_PRESETS } from '../../../src/optimize/options.js'
import { createOptimizerPool, type OptimizerPool } from '../../../src/optimize/pool.js'
import { poolDefaults } from '../../../src/optimize/pool-size.js'
import { optimizeGlb } from '../../../src/optimize/optimize.js'
import { generateRodinLikeGlb } from '../../../src/emulator/rodin-like.js'
import { Store } from '../../../src/store/store.js'
import { FROM_SOURCE } from '../../helpers/source.js'
import { tempDir } from '../../helpers/tmp.js'
import { fixture, rejectionOf } from './helpers.js'

const run = promisify(execFile)
const FAKE_WORKER = new URL('./fake-worker.mjs', import.meta.url)
const SRC = new URL('../../../src/optimize/', import.meta.url)
const WEB = OPTIMIZE_PRESETS.web

let pools: OptimizerPool[] = []
function pool(options: Parameters<typeof createOptimizerPool>[0]): OptimizerPool {
  const p = createOptimizerPool(options)
  pools.push(p)
  return p
}

afterEach(async () => {
  await Promise.all(pools.map(p => p.close()))
  pools = []
})

describe('optimizer pool (protocol, with a scripted worker)', () => {
  it('starts no worker until the first job, and at most `size`', async () => {
    const p = pool({ size: 2, workerURL: FAKE_WORKER })
    expect(p.size).toBe(2)
    expect(p.threads).toBe(0)
    await Promise.all([1, 2, 3, 4, 5].map(() => p.inspect(new Uint8Array(8), 'sleep:20')))
    expect(p.threads).toBe(2)
  })

  it('defaults to one worker per two cores (1 to 4), 2 jobs each, and rejects bad sizes', () => {
    expect([1, 2, 3, 4, 8, 16, 64].map(cores => poolDefaults(cores).size)).toEqual([1, 1, 1, 2, 4, 4, 4])
    expect(poolDefaults(2).jobsPerWorker).toBe(2)
    const p = createOptimizerPool()
    expect(p.size).toBe(poolDefaults(availableParallelism()).size)
    expect(p.jobsPerWorker).toBe(2)
    for (const size of [0, -1, 1.5])
      expect(() => createOptimizerPool({ size })).toThrow(/pool size must be an integer of at least 1/)
    for (const jobsPerWorker of [0, 2.5])
      expect(() => createOptimizerPool({ jobsPerWorker })).toThrow(/jobsPerWorker must be an integer of at least 1/)
  })

  it('runs up to `jobsPerWorker` jobs at once on one worker, and queues the rest', async () => {
    const p = pool({ size: 1, jobsPerWorker: 3, workerURL: FAKE_WORKER })
    const results = await Promise.all([1, 2, 3, 4].map(() => p.inspect(new Uint8Array(8), 'sleep:300')))
    expect(new Set(results.map(r => r.triangles)).size).toBe(1)
    // The first three start together (the worker was running 0, 1 and 2 others); never more than three at once.
    expect(
      results
        .slice(0, 3)
        .map(r => r.materials.length)
        .sort(),
    ).toEqual([0, 1, 2])
    expect(Math.max(...results.map(r => r.materials.length))).toBeLessThanOrEqual(2)
    // The fourth waits for a free place: it starts only once one of the first three has ended.
    const firstEnd = Math.min(...results.slice(0, 3).map(r => r.bounds.max[0]!))
    expect(results[3]!.bounds.min[0]!).toBeGreaterThanOrEqual(firstEnd)
    expect(p.threads).toBe(1)
  })

  it('runs jobs in parallel in separate processes', async () => {
    const p = pool({ size: 2, workerURL: FAKE_WORKER })
    const results = await Promise.all([1, 2, 3, 4].map(() => p.optimize(new Uint8Array(16), WEB, 'sleep:500')))
    expect(new Set(results.map(r => r.stats.triangles)).size).toBe(2) // two distinct pids
    // two at a time: some job started before another one ended
    const spans = results.map(r => r.stats.bounds.min[0]!).sort((a, b) => a - b)
    const ends = results.map(r => r.stats.bounds.max[0]!).sort((a, b) => a - b)
    expect(spans[1]!).toBeLessThan(ends[0]!)
  })

  it('hands the largest waiting job out first', async () => {
    const p = pool({ size: 1, jobsPerWorker: 1, workerURL: FAKE_WORKER })
    const order: number[] = []
    await Promise.all(
      [10, 30, 20, 40, 25].map(n => p.inspect(new Uint8Array(n), 'sleep:10').then(s => order.push(s.vertices))),
    )
    expect(order).toEqual([40, 30, 25, 20, 10])
  })

  it('hands the job with the most texture pixels out first, even when its file is smaller', async () => {
    const p = pool({ size: 1, jobsPerWorker: 1, workerURL: FAKE_WORKER })
    const [small, big] = await Promise.all(
      [64, 2048].map(size => generateRodinLikeGlb({ triangles: 12, textureSize: size, material: 'pbr' })),
    )
    const padded = new Uint8Array(big!.byteLength * 3) // not a GLB: weighed by its size only
    const order: number[] = []
    // Submitted in one tick, so all three wait together and the pool picks among them.
    await Promise.all(
      [small!, padded, big!].map(bytes => p.optimize(bytes, WEB, 'sleep:0').then(r => order.push(r.bytes.byteLength))),
    )
    expect(order).toEqual([big!.byteLength, padded.byteLength, small!.byteLength])
  })

  it("copies the input instead of detaching the caller's buffer, and returns the worker's bytes", async () => {
    const p = pool({ size: 1, workerURL: FAKE_WORKER })
    const input = new Uint8Array([1, 2, 3, 4])
    const { bytes } = await p.optimize(input, WEB, 'sleep:0')
    expect([...input]).toEqual([1, 2, 3, 4])
    expect([...bytes]).toEqual([4, 3, 2, 1])
  })

  it('sends a view into a larger buffer as the bytes it views', async () => {
    const p = pool({ size: 1, workerURL: FAKE_WORKER })
    const big = new Uint8Array(1 << 20)
    big.set([1, 2, 3, 4], 100)
    const { bytes, stats } = await p.optimize(big.subarray(100, 104), WEB, 'sleep:0')
    expect(stats.vertices).toBe(4) // what the worker received
    expect([...bytes]).toEqual([4, 3, 2, 1])
    expect(big.byteLength).toBe(1 << 20) // not detached
    const buffer = Buffer.alloc(1 << 20, 7).subarray(100, 104)
    expect((await p.optimize(buffer, WEB, 'sleep:0')).stats.vertices).toBe(4)
  })

  it('a crashing job fails alone (E_OPTIMIZE naming it); the worker is replaced', async () => {
    const p = pool({ size: 1, jobsPerWorker: 1, workerURL: FAKE_WORKER })
    const [crash, thrown, ok] = await Promise.allSettled([
      p.inspect(new Uint8Array(30), 'crash'),
      p.inspect(new Uint8Array(20), 'throw'),
      p.inspect(new Uint8Array(10), 'sleep:0'),
    ])
    expect(crash.status).toBe('rejected')
    const crashErr = (crash as PromiseRejectedResult).reason
    expect(crashErr.code).toBe('E_OPTIMIZE')
    expect(crashErr.message).toContain('model "crash": the optimizer worker crashed (exit code 3)')
    const thrownErr = (thrown as PromiseRejectedResult).reason
    expect(thrownErr.code).toBe('E_OPTIMIZE')
    expect(thrownErr.message).toContain('model "throw": the optimizer worker crashed (kaboom in the worker)')
    expect(ok.status).toBe('fulfilled')
    expect(p.threads).toBe(1)
  })

  it('when a worker running several jobs dies, each runs again alone and only the culprit fails', async () => {
    const p = pool({ size: 1, jobsPerWorker: 3, workerURL: FAKE_WORKER })
    // All four start together on one worker (costliest first: the crash is sent first and kills it at once).
    const [crash, slow, fast, later] = await Promise.allSettled([
      p.inspect(new Uint8Array(40), 'crash'),
      p.inspect(new Uint8Array(30), 'sleep:200'),
      p.inspect(new Uint8Array(20), 'sleep:0'),
      p.inspect(new Uint8Array(10), 'sleep:0'),
    ])
    expect(crash.status).toBe('rejected')
    expect((crash as PromiseRejectedResult).reason.message).toContain(
      'model "crash": the optimizer worker crashed (exit code 3)',
    )
    for (const job of [slow, fast]) {
      expect(job.status).toBe('fulfilled')
      expect((job as PromiseFulfilledResult<{ materials: string[] }>).value.materials).toEqual([]) // ran again, alone
    }
    expect(later.status).toBe('fulfilled')
  })

  it('errors from the worker keep their code', async () => {
    const p = pool({ size: 1, workerURL: FAKE_WORKER })
    const bad = await rejectionOf(p.optimize(new Uint8Array(4), WEB, 'bad-glb'))
    expect(bad.code).toBe('E_BAD_GLB')
    expect(bad.message).toBe('[unplugin-rodin] E_BAD_GLB: model "bad-glb": not a valid GLB: fake reason')
    const plain = await rejectionOf(p.optimize(new Uint8Array(4), WEB, 'plain-error'))
    expect(plain.code).toBe('E_OPTIMIZE')
    expect(plain.message).toContain('model "plain-error": something odd')
  })

  it('close() fails queued and running jobs and refuses new ones', async () => {
    const p = pool({ size: 1, jobsPerWorker: 1, workerURL: FAKE_WORKER })
    const running = rejectionOf(p.inspect(new Uint8Array(20), 'sleep:5000'))
    const queued = rejectionOf(p.inspect(new Uint8Array(10), 'sleep:0'))
    await new Promise(resolve => setTimeout(resolve, 50))
    await p.close()
    for (const job of [running, queued]) {
      const err = await job
      expect(err.code).toBe('E_OPTIMIZE')
      expect(err.message).toContain('closed')
    }
    expect((await rejectionOf(p.inspect(new Uint8Array(1)))).message).toContain('the optimizer pool is closed')
    expect(p.threads).toBe(0)
  })

  it('says how to fix a missing worker script', async () => {
    const p = pool({ size: 1, workerURL: new URL('./no-such-worker.js', import.meta.url) })
    const err = await rejectionOf(p.inspect(new Uint8Array(4), 'x'))
    expect(err.code).toBe('E_OPTIMIZE')
    expect(err.message).toContain('run `npm run build`')
  })
})

// The default worker: src/optimize/worker.ts here, which the pool starts with tsx registered in the thread. The
// package's dist/optimize/worker.js is covered by test/integration/package.test.ts.
describe('optimizer pool (real worker)', () => {
  it('optimizes several models in parallel with the same bytes as in-process', async () => {
    const p = pool({ size: 2 })
    const names = ['khr_fox.glb', 'khr_morphstresstest.glb', 'pmndrs_bunny_draco.glb']
    const viaPool = await Promise.all(names.map(n => p.optimize(fixture(n), WEB, n)))
    expect(p.threads).toBe(2)
    for (const [i, name] of names.entries()) {
      const local = await optimizeGlb(fixture(name), WEB)
      expect(Buffer.from(viaPool[i]!.bytes).equals(Buffer.from(local.bytes)), name).toBe(true)
      expect(viaPool[i]!.stats).toEqual(local.stats)
    }
    expect((await p.inspect(fixture('khr_fox.glb'))).animations).toHaveLength(3)
  })

  it("with `debug`, each model's optimizer log comes back from the worker, labelled", async () => {
    const lines: string[] = []
    const p = pool({ size: 1, debug: line => lines.push(line) })
    const { bytes } = await p.optimize(fixture('khr_fox.glb'), WEB, 'fox')
    expect(lines.length).toBeGreaterThan(8)
    for (const line of lines) expect(line).toMatch(/^model "fox": /)
    expect(lines).toContain('model "fox": compressGeometry: meshopt')
    expect(lines.at(-1)).toBe(`model "fox": optimize: ${fixture('khr_fox.glb').byteLength} → ${bytes.byteLength} bytes`)
    // without `debug` the worker collects nothing, and the bytes are the same
    const quiet = pool({ size: 1 })
    expect((await quiet.optimize(fixture('khr_fox.glb'), WEB, 'fox')).bytes).toEqual(bytes)
  })

  it('reads a source file the store vouched for itself; a file changed since fails E_INTEGRITY', async () => {
    const store = new Store(await tempDir())
    const fox = fixture('khr_fox.glb')
    const stored = await store.put(fox)
    const file = (await store.vouch(stored.sha256, stored.bytes))!
    const p = pool({ size: 1 })
    const viaFile = await p.optimize(file, WEB, 'fox')
    expect(Buffer.from(viaFile.bytes).equals(Buffer.from((await p.optimize(fox, WEB, 'fox')).bytes))).toBe(true)
    // The worker reads exactly the vouched size: a record that disagrees with the file is not trusted.
    expect((await rejectionOf(p.optimize({ ...file, bytes: file.bytes - 1 }, WEB, 'fox'))).code).toBe('E_INTEGRITY')
    // Same bytes written again: the file is no longer the one vouched for (its ctime moved), so it is not read.
    await writeFile(file.path, fox)
    const err = await rejectionOf(p.optimize(file, WEB, 'fox'))
    expect(err.code).toBe('E_INTEGRITY')
    expect(err.message).toContain(file.path)
    await rm(file.path)
    expect((await rejectionOf(p.optimize(file, WEB, 'fox'))).code).toBe('E_INTEGRITY')
  })

  it('E_BAD_GLB from the worker stays E_BAD_GLB and names the model', async () => {
    const p = pool({ size: 1 })
    const err = await rejectionOf(p.optimize(new Uint8Array(100), WEB, 'hero-sword'))
    expect(err.code).toBe('E_BAD_GLB')
    expect(err.message).toContain('model "hero-sword": not a valid GLB')
  })

  it('loading the pool and versions loads neither glTF-Transform nor sharp; idle workers let the process exit', async () => {
    // A resolve hook that fails the import of any heavy package: importing must still work.
    const hook = `export async function resolve(s, c, next) { const r = await next(s, c); if (/gltf-transform|sharp|meshoptimizer|draco3d/.test(r.url)) throw new Error('heavy import: ' + r.url); return r }`
    const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`
    const main = `
      const { createOptimizerPool } = await import(${JSON.stringify(new URL('pool.ts', SRC).href)});
      const { TOOL_VERSIONS } = await import(${JSON.stringify(new URL('versions.ts', SRC).href)});
      const pool = createOptimizerPool({ size: 1, workerURL: new URL(${JSON.stringify(FAKE_WORKER.href)}) });
      await pool.inspect(new Uint8Array(4), 'sleep:10');
      console.log(JSON.stringify({ threads: pool.threads, sharp: TOOL_VERSIONS.sharp }));
      // no close(): an idle worker must not keep the process alive`
    const { stdout } = await run(
      process.execPath,
      [
        ...FROM_SOURCE,
        '--import',
        `data:text/javascript,${encodeURIComponent(register)}`,
        '--input-type=module',
        '-e',
        main,
      ],
      { timeout: 60_000 },
    )
    const result = JSON.parse(stdout.trim()) as { threads: number; sharp: string }
    expect(result.threads).toBe(1)
    expect(result.sharp).toMatch(/^\d+\.\d+/)
  })
})

// Keeps the fake worker path honest when files move.
it('fake worker exists', () => {
  expect(existsSync(fileURLToPath(FAKE_WORKER))).toBe(true)
})
