import type { ModelStats } from '../meta.js'
import type { ResolvedOptimizeOptions } from './options.js'
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { RodinError, type RodinErrorCode } from '../errors.js'
import { estimateCost } from './cost.js'

/** Runs optimizer jobs on worker threads, so N models use N cores and one bad model cannot crash the build. */
export interface OptimizerPool {
  /** Optimizes a GLB (see `optimizeGlb`). The caller's bytes are copied, never transferred away. `label` names the model in errors. */
  optimize: (bytes: Uint8Array, opts: ResolvedOptimizeOptions, label?: string) => Promise<{ bytes: Uint8Array, stats: ModelStats }>
  /** Reads the stats of a GLB without changing it (see `inspectGlb`). */
  inspect: (bytes: Uint8Array, label?: string) => Promise<ModelStats>
  /** Terminates the workers; queued and running jobs fail with `E_OPTIMIZE`. */
  close: () => Promise<void>
  /** Most workers this pool runs at once. */
  readonly size: number
  /** Workers alive right now (0 until the first job: a build served from the cache never starts one). */
  readonly threads: number
}

export interface OptimizerPoolOptions {
  /** Worker threads at most. @default min(available cores, 4) */
  size?: number
  /** @internal Test seam: another worker script speaking the same protocol. */
  workerURL?: URL
}

/** @internal Message to a worker. */
export type WorkerRequest =
  | { id: number, kind: 'optimize', bytes: Uint8Array, opts: ResolvedOptimizeOptions, label: string }
  | { id: number, kind: 'inspect', bytes: Uint8Array, label: string }

/** @internal Message from a worker. */
export type WorkerResponse =
  | { id: number, ok: true, stats: ModelStats, bytes?: Uint8Array }
  | { id: number, ok: false, error: { code?: string, message: string } }

type NewRequest = WorkerRequest extends infer R ? R extends WorkerRequest ? Omit<R, 'id'> : never : never

interface Job {
  request: WorkerRequest
  /** Estimated work (see `estimateCost`): the most expensive waiting job starts first. */
  cost: number
  resolve: (response: Extract<WorkerResponse, { ok: true }>) => void
  reject: (err: RodinError) => void
}

interface Slot {
  worker: Worker
  job?: Job
  crash?: string
}

const ERROR_CODES: ReadonlySet<string> = new Set<RodinErrorCode>([
  'E_CONFIG', 'E_AUTH', 'E_HTTP', 'E_TIMEOUT', 'E_TOO_LARGE', 'E_UNSAFE_URL', 'E_INTEGRITY', 'E_OFFLINE_MISS',
  'E_LOCK_MISSING', 'E_TASK_FAILED', 'E_TASK_PENDING', 'E_NO_FILE', 'E_NOT_IN_MANIFEST', 'E_BAD_GLB', 'E_OPTIMIZE',
])

/**
 * Creates a lazy pool of optimizer workers, one per core (at most 4: each worker holds its own copy of
 * glTF-Transform, sharp and the codecs, and libvips already spreads one texture over several threads).
 * No thread starts (and neither sharp nor glTF-Transform loads) until the first job. When several jobs
 * wait, the one with the most estimated work goes first (texture pixels and vertices, read from the GLB
 * headers), so one big model does not end up running alone at the end of the build. Idle workers do not
 * keep the process alive.
 *
 * Example:
 * ```ts
 * const pool = createOptimizerPool()
 * try { const { bytes, stats } = await pool.optimize(glb, OPTIMIZE_DEFAULTS, 'hero-sword') }
 * finally { await pool.close() }
 * ```
 */
export function createOptimizerPool(options: OptimizerPoolOptions = {}): OptimizerPool {
  const size = options.size ?? Math.min(availableParallelism(), 4)
  if (!Number.isInteger(size) || size < 1) {
    throw new RodinError('E_CONFIG', `optimizer pool size must be an integer of at least 1 (got ${String(size)})`)
  }
  const workerURL = options.workerURL ?? defaultWorkerURL()
  const queue: Job[] = []
  const slots: Slot[] = []
  let nextId = 1
  let closed = false
  let pumpScheduled = false

  function submit(request: NewRequest): Promise<Extract<WorkerResponse, { ok: true }>> {
    return new Promise((resolve, reject) => {
      if (closed) return reject(new RodinError('E_OPTIMIZE', `${subject(request.label)}: the optimizer pool is closed`))
      const cost = request.kind === 'optimize' ? estimateCost(request.bytes) : request.bytes.byteLength / 50_000
      queue.push({ request: { ...request, id: nextId++ } as WorkerRequest, cost, resolve, reject })
      // Dispatch on a microtask so that jobs submitted together are ordered by cost, not by arrival.
      if (!pumpScheduled) {
        pumpScheduled = true
        queueMicrotask(() => {
          pumpScheduled = false
          pump()
        })
      }
    })
  }

  function pump(): void {
    if (queue.length > 0 && slots.length === 0 && !existsSync(fileURLToPath(workerURL))) {
      const why = `the optimizer worker script is missing (${fileURLToPath(workerURL)}); run \`npm run build\``
      for (const job of queue.splice(0)) job.reject(new RodinError('E_OPTIMIZE', `${subject(job.request.label)}: ${why}`))
      return
    }
    while (queue.length > 0 && !closed) {
      const slot = slots.find(s => !s.job && !s.crash) ?? (slots.length < size ? spawn() : undefined)
      if (!slot) return
      run(slot, takeCostliest())
    }
  }

  // Longest job first: with N workers, the build ends when the last job does, and starting the big ones
  // early keeps every core busy until the end (a 3-texture 2048² model takes ~10× a small one).
  function takeCostliest(): Job {
    let best = 0
    for (let i = 1; i < queue.length; i++) {
      if (queue[i]!.cost > queue[best]!.cost) best = i
    }
    return queue.splice(best, 1)[0]!
  }

  function spawn(): Slot {
    pinNativeLibraries()
    const worker = new Worker(workerURL, { name: 'unplugin-rodin optimizer', execArgv: workerExecArgv() })
    worker.unref()
    const slot: Slot = { worker }
    slots.push(slot)
    worker.on('message', (response: WorkerResponse) => onMessage(slot, response))
    worker.on('error', (err) => {
      slot.crash ??= err instanceof Error ? err.message : String(err)
    })
    worker.on('exit', code => onExit(slot, code))
    return slot
  }

  function run(slot: Slot, job: Job): void {
    slot.job = job
    slot.worker.ref() // a running job must keep the process alive until its promise settles
    const { bytes } = job.request
    slot.worker.postMessage(job.request, [bytes.buffer as ArrayBuffer])
  }

  function onMessage(slot: Slot, response: WorkerResponse): void {
    const job = slot.job
    if (!job || job.request.id !== response.id) return
    slot.job = undefined
    slot.worker.unref()
    if (response.ok) job.resolve(response)
    else job.reject(workerError(job.request.label, response.error))
    pump()
  }

  function onExit(slot: Slot, code: number): void {
    slots.splice(slots.indexOf(slot), 1)
    const job = slot.job
    if (job) {
      const why = closed ? 'the optimizer pool was closed' : `the optimizer worker crashed (${slot.crash ?? `exit code ${code}`})`
      job.reject(new RodinError('E_OPTIMIZE', `${subject(job.request.label)}: ${why}; other models are not affected`))
    }
    pump() // a replacement worker starts only if jobs are waiting
  }

  return {
    size,
    get threads() {
      return slots.length
    },
    async optimize(bytes, opts, label) {
      const response = await submit({ kind: 'optimize', bytes: ownCopy(bytes), opts, label: label ?? '' })
      return { bytes: response.bytes ?? new Uint8Array(), stats: response.stats }
    },
    async inspect(bytes, label) {
      return (await submit({ kind: 'inspect', bytes: ownCopy(bytes), label: label ?? '' })).stats
    },
    async close() {
      closed = true
      for (const job of queue.splice(0)) {
        job.reject(new RodinError('E_OPTIMIZE', `${subject(job.request.label)}: the optimizer pool was closed`))
      }
      await Promise.all(slots.map(slot => slot.worker.terminate()))
    },
  }

  function defaultWorkerURL(): URL {
    // Under vitest this module runs from src/*.ts, but Node cannot start a .ts worker: use the build output.
    return import.meta.url.endsWith('.ts')
      ? new URL('../../dist/optimize/worker.js', import.meta.url)
      : new URL('./worker.js', import.meta.url)
  }

  function workerError(label: string, error: { code?: string, message: string }): RodinError {
    const code = error.code !== undefined && ERROR_CODES.has(error.code) ? error.code as RodinErrorCode : 'E_OPTIMIZE'
    const message = error.message.replace(/^\[unplugin-rodin\] E_[A-Z_]+: /, '')
    return new RodinError(code, label ? `${subject(label)}: ${message}` : message)
  }
}

let nativePinned = false

// sharp's docs (lovell/sharp#2263): on glibc the main thread should load sharp before workers do, so
// libvips is not unloaded when a worker exits and then reloaded by its replacement. Done at the first
// spawn only, so a build served from the cache still never loads it.
function pinNativeLibraries(): void {
  if (nativePinned) return
  nativePinned = true
  import('sharp').catch(() => {
    // a missing sharp surfaces as the worker's own error, with the job that needed it
  })
}

// Workers inherit the parent's Node flags (loaders, --conditions, …) but refuse the few that only make
// sense for a main script: `node --input-type=module -e …` would crash every worker at start.
const MAIN_ONLY_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--input-type'])
const MAIN_ONLY = /^(?:--(?:eval|print|input-type)=|--(?:check|interactive|test|watch)(?:=|$)|-[ci]$)/

function workerExecArgv(): string[] {
  const out: string[] = []
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!
    if (MAIN_ONLY_WITH_VALUE.has(arg)) i++ // skip the flag's value too
    else if (!MAIN_ONLY.test(arg)) out.push(arg)
  }
  return out
}

function subject(label: string): string {
  return label ? `model "${label}"` : 'model'
}

// The worker gets its own copy: transferring the caller's buffer would detach it (and a pooled Buffer
// shares its ArrayBuffer with unrelated data).
function ownCopy(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new RodinError('E_BAD_GLB', `not a valid GLB: expected bytes (Uint8Array), got ${typeof bytes}`)
  return new Uint8Array(bytes)
}
