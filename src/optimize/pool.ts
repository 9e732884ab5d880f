import type { ModelStats } from '../meta.js'
import type { VouchedFile } from '../store/store.js'
import type { ResolvedOptimizeOptions } from './options.js'
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { errors, relayed } from '../catalogue/index.js'
import { isRodinErrorCode, type RodinError } from '../errors.js'
import { forkWorker, type PoolWorker } from './child-worker.js'
import { estimateCost, estimateFileCost } from './cost.js'
import { poolDefaults } from './pool-size.js'
import { checkJsonChunkSize } from './preflight.js'

/** Runs optimizer jobs in worker processes, so models use every core and one bad model cannot crash the build. */
export interface OptimizerPool {
  /**
   * Optimizes a GLB (see `optimizeGlb`), given as bytes or as a file the store vouched for. Bytes are copied,
   * never transferred away; the pool keeps them to run the job again if its worker dies, so they must not change
   * until the promise settles. A file is read by the worker itself, so a large source never passes through this
   * process; if the file is no longer the one vouched for, the job fails with `E_INTEGRITY` and the caller reads
   * the source another way. `label` names the model in errors: a bare name reads `model "<name>"`, a label that
   * quotes its own name (such as `asset "hero-sword" (base_basic_pbr.glb)`) is used as written.
   */
  optimize: (
    source: Uint8Array | VouchedFile,
    opts: ResolvedOptimizeOptions,
    label?: string,
    extra?: OptimizeExtras,
  ) => Promise<{ bytes: Uint8Array; stats: ModelStats; placeholder?: string }>
  /** Reads the stats of a GLB without changing it (see `inspectGlb`). */
  inspect: (bytes: Uint8Array, label?: string) => Promise<ModelStats>
  /** Terminates the workers; queued and running jobs fail with `E_OPTIMIZE`. */
  close: () => Promise<void>
  /** Most workers this pool runs at once. */
  readonly size: number
  /** Most jobs one worker runs at once. */
  readonly jobsPerWorker: number
  /** Worker processes alive right now (0 until the first job: a build served from the cache never starts one). */
  readonly threads: number
}

/** What an optimize job may make besides the output, while the worker has the model at hand. */
export interface OptimizeExtras {
  /**
   * The output's `modelPlaceholder` (the page's stand-in for a model without a preview), so the build process
   * loads neither glTF-Transform nor sharp for it. Left out when it cannot be made; the build then tries itself.
   * @default false
   */
  placeholder?: boolean
}

export interface OptimizerPoolOptions {
  /** Worker processes at most. @default one per two cores, at least 1, at most 4 */
  size?: number
  /** Jobs one worker runs at once, interleaved on its JavaScript thread. @default 2 */
  jobsPerWorker?: number
  /**
   * Time one job may run, from the size of its GLB in bytes. A job over its limit is stopped (its worker is
   * terminated; the worker's other jobs run again elsewhere) and fails with `E_OPTIMIZE`.
   * @default 60 s plus 10 s per MiB of the model (see {@link defaultJobTimeoutMs})
   */
  timeoutMs?: (modelBytes: number) => number
  /**
   * V8 heap limit of each worker, in MiB (`--max-old-space-size`). A worker over it dies
   * alone; its jobs run again one by one and only the job that needs more fails.
   * @default 2048
   */
  maxHeapMb?: number
  /**
   * Receives what the optimizer did to each model (see `OptimizeGlbOptions.logger`), one line at a time,
   * labelled like errors (`model "<name>"`), when the job ends. Without it the workers collect nothing.
   * @default undefined
   */
  debug?: (line: string) => void
  /** @internal Test seam: another worker script speaking the same protocol. */
  workerURL?: URL
}

/**
 * Honest models take seconds (a 30 MB model with three 2048² textures: ~20 s on one slow core), so the
 * default leaves a wide margin, while a file built to keep the optimizer busy forever is still stopped.
 */
export function defaultJobTimeoutMs(modelBytes: number): number {
  return 60_000 + Math.ceil((modelBytes / 1024 ** 2) * 10_000)
}

const DEFAULT_MAX_HEAP_MB = 2048
// setTimeout fires at once above 2^31-1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1

/** @internal Message to a worker. */
export type WorkerRequest =
  | {
      id: number
      kind: 'optimize'
      /** The source: its bytes, or a file the worker reads (and checks against its identity) itself. */
      bytes?: Uint8Array
      file?: VouchedFile
      opts: ResolvedOptimizeOptions
      label: string
      debug?: boolean
      placeholder?: boolean
    }
  | { id: number; kind: 'inspect'; bytes: Uint8Array; label: string }

/** @internal Message from a worker. */
export type WorkerResponse =
  | { id: number; ok: true; stats: ModelStats; bytes?: Uint8Array; placeholder?: string; log?: string[] }
  | { id: number; ok: false; error: { code?: string; message: string }; log?: string[] }

type NewRequest = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never

/** How big a request's source is, in bytes (its time limit follows from it). */
function sourceSize(request: NewRequest): number {
  return request.bytes?.byteLength ?? (request.kind === 'optimize' ? (request.file?.bytes ?? 0) : 0)
}

interface Job {
  request: WorkerRequest
  /** Estimated work (see `estimateCost`): the most expensive waiting job starts first. */
  cost: number
  /**
   * Set when a worker died while this job ran next to others: which of them killed it is unknown, so each
   * runs again alone, and only the one that kills a worker on its own fails.
   */
  suspect: boolean
  resolve: (response: Extract<WorkerResponse, { ok: true }>) => void
  reject: (err: RodinError) => void
  /** Its time limit (see `timeoutMs`). */
  limitMs: number
  /** Running: stops the job when it outlives its limit. */
  timer?: ReturnType<typeof setTimeout>
}

interface Slot {
  worker: PoolWorker
  jobs: Map<number, Job>
  crash?: string
  /** The job whose time limit ended this worker, and that limit. */
  timedOut?: { id: number; ms: number }
}

/**
 * Creates a lazy pool of optimizer workers. A model's texture codecs run on libvips threads, off the
 * worker's JavaScript thread, so one worker running two models at once (while one waits for its textures,
 * another parses or compresses geometry) keeps about two cores busy: the pool starts one worker per two
 * cores, at most 4. Each worker holds its own copy of glTF-Transform, sharp and the codecs, and pays its own
 * module loading and JIT warm-up: on 2 cores, two workers used ~0.6 s more CPU than one for the same
 * models, and took longer. No worker starts (and neither sharp nor glTF-Transform loads) until the first
 * job. When several jobs wait, the one with the most estimated work goes first (texture pixels and
 * vertices, read from the GLB headers), so one big model does not end up running alone at the end of the
 * build. Idle workers do not keep the process alive.
 *
 * Workers are child processes (child-worker.ts), not threads: the memory libvips frees stays with the worker and
 * its own allocator settings, and a native crash ends the worker, not the build. A worker reads a source the
 * store vouched for from its file, and makes a model's placeholder with its output, so in a cold build the
 * build process itself never holds a source nor loads glTF-Transform or sharp. A worker that
 * dies (native abort, out of memory) takes its running jobs with it; each of them runs again alone, and only a
 * job that kills a worker on its own fails (`E_OPTIMIZE`), so one bad model never fails the others.
 *
 * Example:
 * ```ts
 * const pool = createOptimizerPool()
 * try { const { bytes, stats } = await pool.optimize(glb, OPTIMIZE_DEFAULTS, 'hero-sword') }
 * finally { await pool.close() }
 * ```
 */
export function createOptimizerPool(options: OptimizerPoolOptions = {}): OptimizerPool {
  const defaults = poolDefaults(availableParallelism())
  const size = options.size ?? defaults.size
  const jobsPerWorker = options.jobsPerWorker ?? defaults.jobsPerWorker
  if (!Number.isInteger(size) || size < 1) {
    throw errors.E_CONFIG('poolInteger', { setting: 'size', min: 1, got: size })
  }
  if (!Number.isInteger(jobsPerWorker) || jobsPerWorker < 1) {
    throw errors.E_CONFIG('poolInteger', { setting: 'jobsPerWorker', min: 1, got: jobsPerWorker })
  }
  const timeoutFor = options.timeoutMs ?? defaultJobTimeoutMs
  if (typeof timeoutFor !== 'function') {
    throw errors.E_CONFIG('poolTimeout', {})
  }
  const maxHeapMb = options.maxHeapMb ?? DEFAULT_MAX_HEAP_MB
  if (!Number.isInteger(maxHeapMb) || maxHeapMb < 64) {
    throw errors.E_CONFIG('poolInteger', { setting: 'maxHeapMb', min: 64, got: maxHeapMb })
  }
  const workerURL = options.workerURL ?? defaultWorkerURL()
  const queue: Job[] = []
  const slots: Slot[] = []
  let nextId = 1
  let closed = false
  let pumpScheduled = false

  function submit(request: NewRequest, cost: number): Promise<Extract<WorkerResponse, { ok: true }>> {
    return new Promise((resolve, reject) => {
      if (closed) return reject(errors.E_OPTIMIZE('poolClosed', { model: subject(request.label) }))
      let limitMs: number
      try {
        limitMs = limitFor(sourceSize(request))
      } catch (err) {
        return reject(err as RodinError)
      }
      const id = nextId++
      queue.push({ request: { ...request, id } as WorkerRequest, cost, limitMs, suspect: false, resolve, reject })
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
      const script = fileURLToPath(workerURL)
      for (const job of queue.splice(0))
        job.reject(errors.E_OPTIMIZE('workerMissing', { model: subject(job.request.label), script }))
      return
    }
    while (queue.length > 0 && !closed) {
      const job = costliest()
      const slot = slotFor(job)
      if (!slot) return
      queue.splice(queue.indexOf(job), 1)
      run(slot, job)
    }
  }

  // Longest job first: the build ends when the last job does, and starting the big ones early keeps every
  // core busy until the end (a 3-texture 2048² model takes ~10× a small one).
  function costliest(): Job {
    let best = queue[0]!
    for (const job of queue) {
      if (job.cost > best.cost) best = job
    }
    return best
  }

  // An idle worker first, then a new one, then the least busy. A suspect job only ever gets an idle worker,
  // a worker running one takes no other, and while one waits busy workers take nothing new, so they drain.
  function slotFor(job: Job): Slot | undefined {
    const live = slots.filter(s => !s.crash)
    const idle = live.find(s => s.jobs.size === 0)
    if (idle) return idle
    if (slots.length < size) return spawn()
    if (job.suspect || queue.some(j => j.suspect)) return undefined
    let best: Slot | undefined
    for (const s of live) {
      if (s.jobs.size >= jobsPerWorker || [...s.jobs.values()].some(j => j.suspect)) continue
      if (!best || s.jobs.size < best.jobs.size) best = s
    }
    return best
  }

  function spawn(): Slot {
    const worker = forkWorker(workerURL, { execArgv: workerExecArgv(), maxHeapMb })
    worker.unref()
    const slot: Slot = { worker, jobs: new Map() }
    slots.push(slot)
    worker.on('message', response => onMessage(slot, response as WorkerResponse))
    worker.on('error', err => {
      slot.crash ??= err instanceof Error ? err.message : String(err)
    })
    worker.on('exit', (code, signal) => onExit(slot, signal ? `signal ${signal}` : `exit code ${code}`))
    return slot
  }

  function run(slot: Slot, job: Job): void {
    slot.jobs.set(job.request.id, job)
    slot.worker.ref() // a running job must keep the process alive until its promise settles
    const ms = job.limitMs
    job.timer = setTimeout(() => {
      // Which of the worker's jobs loops is known: only this one fails, the others run again.
      slot.timedOut ??= { id: job.request.id, ms }
      slot.crash ??= 'stopped: a job ran over its time limit' // no new jobs go to it while it exits
      void slot.worker.terminate()
    }, ms)
    job.timer.unref() // the ref'd worker keeps the process alive while the job runs
    // Copied, not transferred: if the worker dies, the job runs again from these bytes.
    slot.worker.postMessage(job.request)
  }

  function limitFor(modelBytes: number): number {
    const ms = timeoutFor(modelBytes)
    if (!Number.isFinite(ms) || ms <= 0) {
      throw errors.E_CONFIG('poolTimeoutResult', { got: ms })
    }
    return Math.min(Math.ceil(ms), MAX_TIMER_MS)
  }

  function onMessage(slot: Slot, response: WorkerResponse): void {
    const job = slot.jobs.get(response.id)
    if (!job) return
    clearTimeout(job.timer)
    slot.jobs.delete(response.id)
    if (slot.jobs.size === 0) slot.worker.unref()
    for (const line of response.log ?? []) options.debug?.(`${subject(job.request.label)}: ${line}`)
    if (response.ok) job.resolve(response)
    else job.reject(workerError(job.request.label, response.error))
    pump()
  }

  function onExit(slot: Slot, how: string): void {
    slots.splice(slots.indexOf(slot), 1)
    const jobs = [...slot.jobs.values()]
    const alone = jobs.length === 1
    const timedOut = slot.timedOut
    for (const job of jobs) {
      clearTimeout(job.timer)
      if (timedOut && !closed) {
        if (job.request.id === timedOut.id) {
          job.reject(errors.E_OPTIMIZE('timedOut', { model: subject(job.request.label), limit: seconds(timedOut.ms) }))
        } else {
          queue.push({ ...job, timer: undefined }) // innocent: it just shared the worker
        }
      } else if (closed || alone) {
        const crash = slot.crash ?? how
        job.reject(errors.E_OPTIMIZE('stopped', { model: subject(job.request.label), closed, crash }))
      } else {
        queue.push({ ...job, suspect: true })
      }
    }
    pump() // a replacement worker starts only if jobs are waiting
  }

  return {
    size,
    jobsPerWorker,
    get threads() {
      return slots.length
    },
    async optimize(source, opts, label, extra) {
      const common = {
        kind: 'optimize',
        opts,
        label: label ?? '',
        debug: options.debug !== undefined,
        ...(extra?.placeholder ? { placeholder: true } : {}),
      } as const
      let response: Extract<WorkerResponse, { ok: true }>
      if (isVouchedFile(source)) {
        // A file that cannot be opened here is weighed by its size; the worker says what is wrong with it.
        const cost = await estimateFileCost(source.path).catch(() => source.bytes / 50_000)
        response = await submit({ ...common, file: source }, cost)
      } else {
        precheck(source, label ?? '')
        const bytes = checkedBytes(source)
        response = await submit({ ...common, bytes }, estimateCost(bytes))
      }
      // Over IPC the bytes arrive as a view into the message: give the caller a buffer of their own.
      const out = response.bytes
      const own = !out || (out.byteOffset === 0 && out.byteLength === out.buffer.byteLength)
      const bytes = out ? (own ? out : new Uint8Array(out)) : new Uint8Array()
      const placeholder = typeof response.placeholder === 'string' ? { placeholder: response.placeholder } : {}
      return { bytes, stats: response.stats, ...placeholder }
    },
    async inspect(bytes, label) {
      precheck(bytes, label ?? '')
      const request = { kind: 'inspect', bytes: checkedBytes(bytes), label: label ?? '' } as const
      return (await submit(request, bytes.byteLength / 50_000)).stats
    },
    async close() {
      closed = true
      for (const job of queue.splice(0)) {
        job.reject(errors.E_OPTIMIZE('poolClosedWhileRunning', { model: subject(job.request.label) }))
      }
      await Promise.all(slots.map(slot => slot.worker.terminate()))
    },
  }

  // The worker is this module's sibling in the same form: worker.js in the package, worker.ts when src/ itself
  // runs (the tests).
  function defaultWorkerURL(): URL {
    return new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url)
  }

  // An oversized JSON chunk is refused before the bytes are copied for a worker or parsed for the estimate.
  function precheck(bytes: Uint8Array, label: string): void {
    if (!(bytes instanceof Uint8Array)) return // checkedBytes() says why
    try {
      checkJsonChunkSize(bytes)
    } catch (err) {
      throw workerError(label, { code: 'E_BAD_GLB', message: (err as Error).message })
    }
  }

  function workerError(label: string, error: { code?: string; message: string }): RodinError {
    const code = isRodinErrorCode(error.code) ? error.code : 'E_OPTIMIZE'
    const message = error.message.replace(/^\[unplugin-rodin\] E_[A-Z_]+: /, '')
    return relayed(code, message, label ? subject(label) : undefined)
  }
}

// Workers inherit the parent's Node flags (loaders, --conditions, …) but refuse the few that only make
// sense for a main script: `node --input-type=module -e …` would crash every worker at start.
const MAIN_ONLY_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--input-type'])
const MAIN_ONLY = /^(?:--(?:eval|print|input-type)=|--(?:check|interactive|test|watch)(?:=|$)|-[ci]$)/

function workerExecArgv(): string[] {
  const out: string[] = []
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!
    if (MAIN_ONLY_WITH_VALUE.has(arg))
      i++ // skip the flag's value too
    else if (!MAIN_ONLY.test(arg)) out.push(arg)
  }
  return out
}

function subject(label: string): string {
  if (!label) return 'model'
  return label.includes('"') ? label : `model "${label}"`
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}

function isVouchedFile(source: Uint8Array | VouchedFile): source is VouchedFile {
  return !(source instanceof Uint8Array) && typeof source === 'object' && source !== null && 'path' in source
}

// The worker gets its own copy over IPC (V8 serialization writes a view's bytes, not its whole buffer), so the
// caller's buffer stays usable and the pool keeps it to run the job again if a worker dies.
function checkedBytes(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw errors.E_BAD_GLB('notBytes', { got: typeof bytes })
  return bytes
}
