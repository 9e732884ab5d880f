// How big the optimizer pool is by default, apart from the pool itself: the pipeline sizes its queue of
// waiting sources by it without loading the pool module (which a warm build never needs).

/** @internal The default `size` and `jobsPerWorker` of the optimizer pool, for `cores` available cores. */
export function poolDefaults(cores: number): { size: number; jobsPerWorker: number } {
  return { size: Math.max(1, Math.min(4, Math.floor(cores / 2))), jobsPerWorker: 3 }
}

/**
 * How many optimizer jobs may hold their source in memory at once: every job slot of the default pool, plus
 * one per worker being read while the others run.
 */
export function sourcesInFlight(cores: number): number {
  const { size, jobsPerWorker } = poolDefaults(cores)
  return size * jobsPerWorker + size
}
