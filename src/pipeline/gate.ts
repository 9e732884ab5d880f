/**
 * At most `limit` optimizer jobs hold their source in memory at once; the rest wait, largest first. A cold
 * build of a hundred models resolves all of them at once, and reading every source before the pool can
 * take it would keep the whole corpus in memory (issue #16: peak RSS must not grow with the model count).
 * Largest first because the build ends when its last job does: the big models start while there is still
 * small work to fill the other slots.
 */
export class LargestFirstGate {
  private active = 0
  private readonly waiting: { weight: number; start: () => void }[] = []
  private readonly byKey = new Map<string, Promise<unknown>>()

  constructor(readonly limit: number) {
    if (!(Number.isInteger(limit) && limit >= 1))
      throw new RangeError(`gate limit must be a positive integer (got ${limit})`)
  }

  /**
   * Runs `fn` once fewer than `limit` others run; among waiters the largest `weight` goes first. A `key` that
   * is already running or waiting gets that job's promise instead (two assets with the same source and
   * settings are optimized once).
   */
  run<T>(weight: number, fn: () => Promise<T>, key?: string): Promise<T> {
    if (key === undefined) return this.slot(weight, fn)
    const known = this.byKey.get(key)
    if (known) return known as Promise<T>
    const job = this.slot(weight, fn).finally(() => this.byKey.delete(key))
    this.byKey.set(key, job)
    return job
  }

  private async slot<T>(weight: number, fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>(start => this.waiting.push({ weight, start }))
    } else {
      this.active++
    }
    try {
      return await fn()
    } finally {
      this.next()
    }
  }

  /** Jobs waiting for a slot. */
  get pending(): number {
    return this.waiting.length
  }

  /** Jobs holding a slot. */
  get running(): number {
    return this.active
  }

  // The slot passes straight to the heaviest waiter, so `active` only drops when nobody waits.
  private next(): void {
    if (this.waiting.length === 0) {
      this.active--
      return
    }
    let best = 0
    for (let i = 1; i < this.waiting.length; i++) if (this.waiting[i]!.weight > this.waiting[best]!.weight) best = i
    this.waiting.splice(best, 1)[0]!.start()
  }
}
