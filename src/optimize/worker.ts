/**
 * Optimizer worker for {@link createOptimizerPool}: a child process (see child-worker.ts) that runs the jobs it
 * is sent over IPC, several at once. Every failure is posted back as data (code + message) so the pool can
 * rebuild a RodinError with the same code; only a real crash (native abort, out of memory, process.exit) ends
 * the worker, and the pool reruns or fails its jobs. An uncaught exception is reported before it exits, and the
 * worker ends with its parent: a build killed mid-job leaves no optimizer behind.
 */
import type { ILogger } from '@gltf-transform/core'
import type { VouchedFile } from '../store/store.js'
import type { WorkerRequest, WorkerResponse } from './pool.js'
import { open } from 'node:fs/promises'
import { CHILD_WORKER_ENV, type CrashNote } from './child-worker.js'
import { errors } from '../catalogue/index.js'
import { isRodinError } from '../errors.js'
import { failpoint } from '../util/failpoint.js'
import { fileIdentity } from '../store/verified.js'
import { inspectGlb, optimizeGlb } from './optimize.js'
import { modelPlaceholder } from './placeholder.js'

const send = process.send?.bind(process)
if (!send || !process.env[CHILD_WORKER_ENV]) throw errors.E_OPTIMIZE('notWorker', {})

process.on('disconnect', () => process.exit(0))
process.on('uncaughtException', err => {
  send({ crash: err instanceof Error ? err.message : String(err) } satisfies CrashNote, () => process.exit(1))
})
process.on('message', (request: WorkerRequest) => {
  // The bytes arrive as a view at any offset into the IPC message, and glTF readers need aligned buffers (a
  // Buffer's slice() is a view too, so the constructor copies).
  if (request.bytes && request.bytes.byteOffset % 8 !== 0) request.bytes = new Uint8Array(request.bytes)
  void handle(request).then(response => send(response))
})

async function handle(request: WorkerRequest): Promise<WorkerResponse> {
  // Debug lines travel back with the job's answer, so they stay together per model in the build log.
  const log: string[] | undefined = request.kind === 'optimize' && request.debug ? [] : undefined
  try {
    if (request.kind === 'inspect') {
      return { id: request.id, ok: true, stats: await inspectGlb(request.bytes) }
    }
    const logger = log && collectInto(log)
    const source = request.file ? await readVouched(request.file) : request.bytes
    if (!source) throw errors.E_BAD_GLB('notBytes', { got: 'undefined' })
    const { bytes, stats } = await optimizeGlb(source, request.opts, { logger })
    // The same function on the same bytes as the build's own fallback, so the URI cannot depend on who made it.
    const placeholder = request.placeholder ? await modelPlaceholder(bytes).catch(() => undefined) : undefined
    // crash tests: the whole build dies with a job in flight (the worker then ends with it)
    failpoint('mid-optimize', process.ppid)
    return { id: request.id, ok: true, stats, bytes, log, ...(placeholder ? { placeholder } : {}) }
  } catch (err) {
    const error = isRodinError(err)
      ? { code: err.code, message: err.message }
      : { message: err instanceof Error ? err.message : String(err) }
    return { id: request.id, ok: false, error, log }
  }
}

/**
 * The source file, if it is still the file the build process vouched for (same size, times, inode and device:
 * the bytes it hashed); else `E_INTEGRITY`, and the build reads the source another way.
 */
async function readVouched(file: VouchedFile): Promise<Uint8Array> {
  const fh = await open(file.path, 'r').catch(() => undefined)
  try {
    const st = await fh?.stat()
    if (fh && st && fileIdentity(st) === file.identity && st.size === file.bytes) {
      // Read straight into one buffer of the vouched size: readFile() and a copy to an aligned array touched
      // every source page twice on the worker's main thread (~0.3 s for the bench's 69 MB).
      const bytes = new Uint8Array(file.bytes)
      let at = 0
      while (at < bytes.byteLength) {
        const { bytesRead } = await fh.read(bytes, at, bytes.byteLength - at, at)
        if (bytesRead === 0) break
        at += bytesRead
      }
      if (at === bytes.byteLength) return bytes
    }
  } finally {
    await fh?.close()
  }
  throw errors.E_INTEGRITY('hostFile', { file: file.path, expected: file.sha256 })
}

function collectInto(lines: string[]): ILogger {
  return {
    debug: text => lines.push(text),
    info: text => lines.push(text),
    warn: text => lines.push(`warning: ${text}`),
    error: text => lines.push(`error: ${text}`),
  }
}
