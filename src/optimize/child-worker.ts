import type { ChildProcess } from 'node:child_process'
import { fork } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { fileURLToPath } from 'node:url'

/**
 * What the pool needs of a worker: the subset of `worker_threads.Worker` it uses, so the protocol and its
 * tests stay the same whichever kind of worker runs the jobs.
 */
export interface PoolWorker {
  postMessage(message: unknown): void
  terminate(): Promise<unknown>
  ref(): void
  unref(): void
  on(event: 'message', listener: (message: unknown) => void): this
  on(event: 'error', listener: (err: Error) => void): this
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this
}

/** Message a child worker sends instead of dying silently on an uncaught exception. */
export interface CrashNote {
  crash: string
}

/** Set in the environment of optimizer child processes (worker.ts reads it to find its parent). */
export const CHILD_WORKER_ENV = 'UNPLUGIN_RODIN_OPTIMIZER_CHILD'

/**
 * glibc keeps the memory that libvips' threads free in per-thread arenas (up to 8 per core) and a long run of
 * textures grows the process: with the optimizer on threads of the build, a 100-model cold build peaked at
 * 1.64× the 8-model one (bench/results/scale.md). An allocator is chosen when a process starts, which is why the
 * optimizer runs in a child process of its own, with two arenas (1.11–1.26×). A user's own setting wins.
 */
const ALLOCATOR_ENV = { MALLOC_ARENA_MAX: '2' }

/**
 * A cold optimize of the bench's 69 MB spent ~2 of its 12 s of CPU in the kernel, most of it in ~180k page
 * faults: libvips and the codecs write texel buffers of 4-16 MB into memory that glibc has just mapped (or given
 * back and mapped again), one 4 KiB page at a time. Huge pages where the kernel allows them (transparent_hugepage
 * `madvise` or `always`) fault 2 MiB at a time, and a fixed mmap threshold of 32 MiB serves those buffers from the
 * arenas, which keep up to 16 MiB free before they give it back. Interleaved runs: 0.91× the wall time, 0.4× the
 * page faults. Keeping 64 MiB free was no faster and raised the 100-model peak by ~60 MB (scale.md).
 * Other libcs ignore the variable; tunables the user sets come after these, so theirs win.
 */
const ALLOCATOR_TUNABLES = [
  'glibc.malloc.hugetlb=1',
  `glibc.malloc.mmap_threshold=${32 << 20}`,
  `glibc.malloc.trim_threshold=${16 << 20}`,
].join(':')

/** @internal The environment of an optimizer child process, from the build's own. */
export function optimizerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const tunables = env.GLIBC_TUNABLES ? `${ALLOCATOR_TUNABLES}:${env.GLIBC_TUNABLES}` : ALLOCATOR_TUNABLES
  return { ...ALLOCATOR_ENV, ...env, GLIBC_TUNABLES: tunables, [CHILD_WORKER_ENV]: '1' }
}

/**
 * Starts `url` in a child process that speaks the worker protocol over IPC (V8 serialization, so model bytes
 * travel as Uint8Array). A TypeScript worker (the tests run src/) is started with tsx's loader.
 */
export function forkWorker(url: URL, { execArgv, maxHeapMb }: { execArgv: string[]; maxHeapMb: number }): PoolWorker {
  const script = fileURLToPath(url)
  const loader = script.endsWith('.ts') ? tsxLoader() : []
  const child = fork(script, [], {
    execArgv: [...execArgv, ...loader, `--max-old-space-size=${maxHeapMb}`],
    env: optimizerEnv(process.env),
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new ChildWorker(child)
}

class ChildWorker implements PoolWorker {
  private readonly events = new EventEmitter()
  private readonly exited: Promise<void>

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise(resolve => child.once('exit', () => resolve()))
    child.on('message', (message: unknown) => {
      if (message && typeof message === 'object' && 'crash' in message)
        this.events.emit('error', new Error(String((message as CrashNote).crash)))
      else this.events.emit('message', message)
    })
    // A failed spawn emits 'error' and no 'exit': report it as the worker's crash and its end.
    child.on('error', err => {
      this.events.emit('error', err)
      if (child.exitCode === null && child.signalCode === null && child.pid === undefined)
        this.events.emit('exit', 1, null)
    })
    child.on('exit', (code, signal) => this.events.emit('exit', code, signal))
  }

  on(event: 'message', listener: (message: unknown) => void): this
  on(event: 'error', listener: (err: Error) => void): this
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this
  on(event: string, listener: (...args: never[]) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void)
    return this
  }

  postMessage(message: unknown): void {
    // A child that just died cannot take the message; its 'exit' hands the job back to the pool.
    if (this.child.connected) this.child.send(message as object, error => error && undefined)
  }

  async terminate(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.ref() // an unref'd child would let the process end before close() settles
      this.child.kill('SIGKILL')
    }
    await this.exited
  }

  // An idle child must not keep the build alive: neither the process handle nor its IPC channel.
  ref(): void {
    this.child.ref()
    this.child.channel?.ref()
  }

  unref(): void {
    this.child.unref()
    this.child.channel?.unref()
  }
}

// Without tsx (only a checkout runs .ts, and tsx is a devDependency there) Node refuses the script, and the
// job fails with the worker's exit.
function tsxLoader(): string[] {
  try {
    return ['--import', import.meta.resolve('tsx')]
  } catch {
    return []
  }
}
