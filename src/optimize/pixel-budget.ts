/**
 * A budget of decoded texture pixels, shared by every model one thread optimizes at once: a 2048² map holds
 * ~50 MB of texels and codec buffers while it is re-encoded, so the thread's peak memory follows the budget
 * rather than the number of models or textures in flight.
 *
 * Waiters are served in order, each as soon as it fits; a request larger than the whole budget runs when
 * nothing else does, so it is slow rather than refused.
 */
export class PixelBudget {
  private inFlight = 0
  private running = 0
  private readonly waiting: { pixels: number; grant: () => void }[] = []

  /** @param capacity pixels that may be decoded at once. */
  constructor(readonly capacity: number) {}

  /** Runs `job` once `pixels` fit in the budget, and gives them back when it settles. */
  async run<T>(pixels: number, job: () => Promise<T>): Promise<T> {
    await this.acquire(pixels)
    try {
      return await job()
    } finally {
      this.inFlight -= pixels
      this.running--
      this.grantWaiting()
    }
  }

  private acquire(pixels: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(pixels)) {
      this.take(pixels)
      return Promise.resolve()
    }
    return new Promise(resolve => this.waiting.push({ pixels, grant: resolve }))
  }

  // In order: a large request at the head is not overtaken by smaller ones forever.
  private grantWaiting(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.pixels)) {
      const next = this.waiting.shift()!
      this.take(next.pixels)
      next.grant()
    }
  }

  private fits(pixels: number): boolean {
    return this.running === 0 || this.inFlight + pixels <= this.capacity
  }

  private take(pixels: number): void {
    this.inFlight += pixels
    this.running++
  }
}
