/**
 * Optimizer worker thread for {@link createOptimizerPool}: runs the jobs it is sent, several at once. Every failure is posted
 * back as data (code + message) so the pool can rebuild a RodinError with the same code; only a real crash
 * (native abort, out of memory, process.exit) kills the thread.
 */
import type { ILogger } from '@gltf-transform/core'
import type { WorkerRequest, WorkerResponse } from './pool.js'
import { parentPort } from 'node:worker_threads'
import { errors } from '../catalogue/index.js'
import { isRodinError } from '../errors.js'
import { failpoint } from '../util/failpoint.js'
import { inspectGlb, optimizeGlb } from './optimize.js'

const port = parentPort
if (!port) throw errors.E_OPTIMIZE('notWorker', {})

port.on('message', (request: WorkerRequest) => {
  void handle(request).then(({ response, transfer }) => port.postMessage(response, transfer))
})

async function handle(request: WorkerRequest): Promise<{ response: WorkerResponse; transfer: ArrayBuffer[] }> {
  // Debug lines travel back with the job's answer, so they stay together per model in the build log.
  const log: string[] | undefined = request.kind === 'optimize' && request.debug ? [] : undefined
  try {
    if (request.kind === 'inspect') {
      return { response: { id: request.id, ok: true, stats: await inspectGlb(request.bytes) }, transfer: [] }
    }
    const logger = log && collectInto(log)
    const { bytes, stats } = await optimizeGlb(request.bytes, request.opts, { logger })
    failpoint('mid-optimize') // crash tests: the whole build process dies with a job in flight
    // Transfer only a buffer that holds exactly these bytes (a view into a larger buffer would move it all).
    const own =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
        ? bytes
        : bytes.slice()
    return { response: { id: request.id, ok: true, stats, bytes: own, log }, transfer: [own.buffer as ArrayBuffer] }
  } catch (err) {
    const error = isRodinError(err)
      ? { code: err.code, message: err.message }
      : { message: err instanceof Error ? err.message : String(err) }
    return { response: { id: request.id, ok: false, error, log }, transfer: [] }
  }
}

function collectInto(lines: string[]): ILogger {
  return {
    debug: text => lines.push(text),
    info: text => lines.push(text),
    warn: text => lines.push(`warning: ${text}`),
    error: text => lines.push(`error: ${text}`),
  }
}
