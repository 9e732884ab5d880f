// A stand-in optimizer worker for pool tests: it speaks the pool's message protocol, and the job label
// scripts what happens ("sleep:<ms>", "crash", "throw", "bad-glb", "plain-error"). Answers carry the
// worker's threadId as `triangles`, as `materials` how many other jobs it was running at the start, and as
// `gpuBytes` the size of the ArrayBuffer the job's bytes arrived in.
import { parentPort, threadId } from 'node:worker_threads'

let inFlight = 0

parentPort.on('message', async request => {
  inFlight++
  const alongside = inFlight - 1 // jobs this worker was already running when this one arrived
  const { id, label, bytes } = request
  if (label === 'crash') process.exit(3)
  if (label === 'throw') {
    setImmediate(() => {
      throw new Error('kaboom in the worker')
    })
    return
  }
  if (label === 'bad-glb') {
    parentPort.postMessage({
      id,
      ok: false,
      error: { code: 'E_BAD_GLB', message: '[unplugin-rodin] E_BAD_GLB: not a valid GLB: fake reason' },
    })
    return
  }
  if (label === 'plain-error') {
    parentPort.postMessage({ id, ok: false, error: { message: 'something odd' } })
    return
  }
  const ms = Number(/^sleep:(\d+)$/.exec(label)?.[1] ?? 0)
  const started = Date.now()
  await new Promise(resolve => setTimeout(resolve, ms))
  inFlight--
  const stats = {
    triangles: threadId,
    vertices: bytes.byteLength,
    bounds: { min: [started, 0, 0], max: [Date.now(), 0, 0] },
    nodes: [],
    // how many jobs ran alongside this one, as that many placeholder names
    materials: Array.from({ length: alongside }, () => 'm'),
    animations: [],
    extensionsRequired: [],
    decoders: { meshopt: false, draco: false, ktx2: false },
    gpuBytes: bytes.buffer.byteLength,
  }
  const out = new Uint8Array(bytes.byteLength)
  out.set(bytes)
  out.reverse()
  parentPort.postMessage(
    { id, ok: true, stats, bytes: request.kind === 'optimize' ? out : undefined },
    request.kind === 'optimize' ? [out.buffer] : [],
  )
})
