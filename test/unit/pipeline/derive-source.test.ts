import { describe, expect, it, vi } from 'vitest'
import { errors } from '../../../src/catalogue/index.js'
import { OPTIMIZE_PRESETS } from '../../../src/optimize/options.js'
import type { OptimizerPool } from '../../../src/optimize/pool.js'
import { optimizeAndStore } from '../../../src/pipeline/derive.js'
import { LargestFirstGate } from '../../../src/pipeline/gate.js'
import { Store, type VouchedFile } from '../../../src/store/store.js'
import { tempDir } from '../../helpers/tmp.js'
import { rejectionOf } from '../optimize/helpers.js'

const STATS = { triangles: 1 } as never
const source = new TextEncoder().encode('a source model')

async function setup(optimize: OptimizerPool['optimize']) {
  const store = new Store(await tempDir())
  const stored = await store.put(source)
  const file = (await store.vouch(stored.sha256, stored.bytes))!
  const read = vi.fn(async () => source)
  const pool = { optimize: vi.fn(optimize) }
  const run = () =>
    optimizeAndStore(
      store,
      pool as unknown as OptimizerPool,
      new LargestFirstGate(1),
      `key-${Math.random()}`,
      { bytes: source.byteLength, read, file: async () => file },
      OPTIMIZE_PRESETS.web,
      'asset "a" (base.glb)',
    )
  return { store, file, read, pool, run }
}

describe('optimizeAndStore: how the source reaches the optimizer', () => {
  it('gives the pool the vouched file and never reads the bytes itself', async () => {
    const { store, file, read, pool, run } = await setup(async () => ({
      bytes: source.slice().reverse(),
      stats: STATS,
    }))
    const record = await run()
    expect(pool.optimize).toHaveBeenCalledTimes(1)
    expect(pool.optimize.mock.calls[0]![0]).toEqual(file)
    expect(read).not.toHaveBeenCalled()
    expect(Buffer.from((await store.get(record.sha256))!).toString()).toBe('ledom ecruos a')
  })

  it('reads the bytes when the worker found the file changed (E_INTEGRITY), once', async () => {
    const { read, pool, run } = await setup(async src => {
      if (!(src instanceof Uint8Array)) throw errors.E_INTEGRITY('hostFile', { file: (src as VouchedFile).path })
      return { bytes: src, stats: STATS }
    })
    await run()
    expect(pool.optimize).toHaveBeenCalledTimes(2)
    expect(pool.optimize.mock.calls[1]![0]).toBe(source)
    expect(read).toHaveBeenCalledTimes(1)
  })

  it('does not run a job again for any other error', async () => {
    const { read, pool, run } = await setup(async () => {
      throw errors.E_BAD_GLB('invalid', { reason: 'fake' })
    })
    expect((await rejectionOf(run())).code).toBe('E_BAD_GLB')
    expect(pool.optimize).toHaveBeenCalledTimes(1)
    expect(read).not.toHaveBeenCalled()
  })
})
