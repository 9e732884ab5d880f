// How big the optimizer pool is by default, apart from the pool itself: the pipeline sizes its queue of
// waiting sources by it without loading the pool module (which a warm build never needs).

/**
 * @internal The default `size` and `jobsPerWorker` of the optimizer pool, for `cores` available cores.
 * Two jobs per worker: a model's textures already run side by side on libvips threads, and a third job added
 * memory and contention, not throughput (interleaved cold optimizes of the issue #16 corpus, 13 each: two jobs
 * won 12, median 0.94× the wall and CPU time of three).
 */
export function poolDefaults(cores: number): { size: number; jobsPerWorker: number } {
  return { size: Math.max(1, Math.min(4, Math.floor(cores / 2))), jobsPerWorker: 2 }
}

/**
 * How many optimizer jobs may hold their source in memory at once: every job slot of the default pool, plus
 * one per worker being read while the others run.
 */
export function sourcesInFlight(cores: number): number {
  const { size, jobsPerWorker } = poolDefaults(cores)
  return size * jobsPerWorker + size
}

/**
 * How many bytes of sources those jobs may hold together: a worker's share of memory, in source bytes, which
 * is what the pipeline knows before it reads a source (a 3× 2K PNG model is about 20 MB, and decoding its
 * textures takes several times that). A larger model still runs, alone.
 */
export function sourceBytesInFlight(cores: number): number {
  return poolDefaults(cores).size * 40 * 1024 * 1024
}
