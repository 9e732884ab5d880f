import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { CHILD_WORKER_ENV, forkWorker, optimizerEnv } from '../../../src/optimize/child-worker.js'

describe('optimizerEnv', () => {
  it('starts the optimizer with two arenas and huge-page, fixed-threshold malloc tunables', () => {
    const env = optimizerEnv({ PATH: '/bin' })
    expect(env).toMatchObject({ PATH: '/bin', MALLOC_ARENA_MAX: '2', [CHILD_WORKER_ENV]: '1' })
    expect(env.GLIBC_TUNABLES?.split(':')).toEqual([
      'glibc.malloc.hugetlb=1',
      'glibc.malloc.mmap_threshold=33554432',
      'glibc.malloc.trim_threshold=16777216',
    ])
  })

  it("keeps the user's own allocator settings: their arena count, and their tunables after ours (glibc applies the last)", () => {
    const env = optimizerEnv({ MALLOC_ARENA_MAX: '8', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' })
    expect(env.MALLOC_ARENA_MAX).toBe('8')
    expect(env.GLIBC_TUNABLES?.split(':').at(-1)).toBe('glibc.malloc.hugetlb=0')
    expect(env.GLIBC_TUNABLES?.startsWith('glibc.malloc.hugetlb=1:')).toBe(true)
  })
})

describe('forkWorker', () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
    dir = undefined
  })

  it('starts the child with that environment', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rodin-child-env-'))
    const script = join(dir, 'env-worker.mjs')
    await writeFile(
      script,
      `const { MALLOC_ARENA_MAX, GLIBC_TUNABLES, ${CHILD_WORKER_ENV}: child } = process.env
process.send({ MALLOC_ARENA_MAX, GLIBC_TUNABLES, child }, () => process.disconnect())
`,
    )
    const worker = forkWorker(pathToFileURL(script), { execArgv: [], maxHeapMb: 256 })
    const message = await new Promise(resolve => worker.on('message', resolve))
    await worker.terminate()
    const expected = optimizerEnv(process.env)
    expect(message).toEqual({
      MALLOC_ARENA_MAX: expected.MALLOC_ARENA_MAX,
      GLIBC_TUNABLES: expected.GLIBC_TUNABLES,
      child: '1',
    })
  })
})
