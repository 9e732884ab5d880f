/**
 * Optimizer jobs wait here, unread, until a slot and enough of the memory budget are free; the largest goes
 * first. A cold build of a hundred models resolves all of them at once: reading every source before the pool
 * can take it would keep the whole corpus in memory, and running only the largest models side by side would
 * make the peak depend on how many large ones there are (issue #16: peak RSS must not grow with the model
 * count). Largest first because the build ends when its last job does: the big models start while there is
 * still small work to fill the other slots.
 */
export class LargestFirstGate {
  private active = 0
  private activeWeight = 0
  private readonly waiting: { weight: number; start: () => void }[] = []
  private readonly byKey = new Map<string, Promise<unknown>>()

  /**
   * @param limit jobs at once.
   * @param capacity total weight at once (a job heavier than it still runs, alone).
   */
  constructor(
    readonly limit: number,
    readonly capacity = Number.POSITIVE_INFINITY,
  ) {
    if (!(Number.isInteger(limit) && limit >= 1))
      throw new RangeError(`gate limit must be a positive integer (got ${limit})`)
    if (!(capacity > 0)) throw new RangeError(`gate capacity must be positive (got ${capacity})`)
  }

  /**
   * Runs `fn` once a slot is free and `weight` fits in what the running jobs leave of the capacity; among
   * waiters the largest `weight` goes first. A `key` that is already running or waiting gets that job's
   * promise instead (two assets with the same source and settings are optimized once).
   */
  run<T>(weight: number, fn: () => Promise<T>, key?: string): Promise<T> {
    if (key === undefined) return this.slot(weight, fn)
    const known = this.byKey.get(key)
    if (known) return known as Promise<T>
    const job = this.slot(weight, fn).finally(() => this.byKey.delete(key))
    this.byKey.set(key, job)
    return job
  }

  /** Jobs waiting for a slot. */
  get pending(): number {
    return this.waiting.length
  }

  /** Jobs holding a slot. */
  get running(): number {
    return this.active
  }

  private async slot<T>(weight: number, fn: () => Promise<T>): Promise<T> {
    await new Promise<void>(start => {
      this.waiting.push({ weight, start })
      this.drain()
    })
    try {
      return await fn()
    } finally {
      this.active--
      this.activeWeight -= weight
      this.drain()
    }
  }

  // Strictly largest first: when the heaviest waiter does not fit, smaller ones do not jump ahead of it (they
  // could keep it waiting for ever); the running jobs finish and make room.
  private drain(): void {
    while (this.waiting.length > 0 && this.active < this.limit) {
      let best = 0
      for (let i = 1; i < this.waiting.length; i++) if (this.waiting[i]!.weight > this.waiting[best]!.weight) best = i
      const job = this.waiting[best]!
      if (this.active > 0 && this.activeWeight + job.weight > this.capacity) return
      this.waiting.splice(best, 1)
      this.active++
      this.activeWeight += job.weight
      job.start()
    }
  }
}
