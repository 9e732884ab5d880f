import { describe, expect, it } from 'vitest'
import { PixelBudget } from '../../../src/optimize/pixel-budget.js'

/** A job that records when it runs and finishes when `release()` is called. */
function gate() {
  let release!: () => void
  const done = new Promise<void>(resolve => (release = resolve))
  return { release, done }
}

describe('PixelBudget', () => {
  it('runs jobs at once while they fit, and the next waiter when pixels come back', async () => {
    const budget = new PixelBudget(100)
    const started: string[] = []
    const gates = { a: gate(), b: gate(), c: gate() }
    const run = (name: keyof typeof gates, pixels: number) =>
      budget.run(pixels, async () => {
        started.push(name)
        await gates[name].done
        return name
      })
    const a = run('a', 60)
    const b = run('b', 40)
    const c = run('c', 50)
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(started).toEqual(['a', 'b']) // 60 + 40 fit; c (50) waits
    gates.b.release()
    await b
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(started).toEqual(['a', 'b']) // 60 + 50 > 100: still waiting
    gates.a.release()
    await a
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(started).toEqual(['a', 'b', 'c'])
    gates.c.release()
    expect(await c).toBe('c')
  })

  it('serves waiters in order: a small request does not overtake a large one at the head', async () => {
    const budget = new PixelBudget(100)
    const order: string[] = []
    const first = gate()
    const held = budget.run(80, () => first.done)
    const large = budget.run(90, async () => void order.push('large'))
    const small = budget.run(10, async () => void order.push('small'))
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(order).toEqual([]) // small (10) would fit beside the 80, but waits behind large
    first.release()
    await Promise.all([held, large, small])
    expect(order).toEqual(['large', 'small'])
  })

  it('runs a request larger than the whole budget alone instead of refusing it', async () => {
    const budget = new PixelBudget(100)
    const running: number[] = []
    let most = 0
    const job = (pixels: number) =>
      budget.run(pixels, async () => {
        running.push(pixels)
        most = Math.max(most, running.length)
        await new Promise(resolve => setTimeout(resolve, 5))
        running.splice(running.indexOf(pixels), 1)
      })
    await Promise.all([job(500), job(10), job(20)])
    expect(most).toBe(2) // 10 and 20 together, never beside the 500
  })

  it('gives the pixels back when a job fails', async () => {
    const budget = new PixelBudget(100)
    await expect(
      budget.run(100, async () => {
        throw new Error('decode failed')
      }),
    ).rejects.toThrow('decode failed')
    expect(await budget.run(100, async () => 'next')).toBe('next')
  })
})
