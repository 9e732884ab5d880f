// A stand-in optimizer worker for pool tests: it speaks the pool's message protocol, and the job label
// scripts what happens ("sleep:<ms>", "crash", "throw", "bad-glb", "plain-error"). Answers carry the
// worker's pid as `triangles`, and, as `materials`, how many other jobs it was running at the start.
// The pool starts workers as child processes (src/optimize/child-worker.ts) and speaks to them over IPC.
process.on('disconnect', () => process.exit(0))
process.on('uncaughtException', err => process.send({ crash: err.message }, () => process.exit(1)))

let inFlight = 0

process.on('message', async request => {
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
    process.send({
      id,
      ok: false,
      error: { code: 'E_BAD_GLB', message: '[unplugin-rodin] E_BAD_GLB: not a valid GLB: fake reason' },
    })
    return
  }
  if (label === 'plain-error') {
    process.send({ id, ok: false, error: { message: 'something odd' } })
    return
  }
  const ms = Number(/^sleep:(\d+)$/.exec(label)?.[1] ?? 0)
  const started = Date.now()
  await new Promise(resolve => setTimeout(resolve, ms))
  inFlight--
  const stats = {
    triangles: process.pid,
    vertices: bytes.byteLength,
    bounds: { min: [started, 0, 0], max: [Date.now(), 0, 0] },
    nodes: [],
    // how many jobs ran alongside this one, as that many placeholder names
    materials: Array.from({ length: alongside }, () => 'm'),
    animations: [],
    extensionsRequired: [],
    decoders: { meshopt: false, draco: false, ktx2: false },
    gpuBytes: 0,
  }
  const out = new Uint8Array(bytes.byteLength)
  out.set(bytes)
  out.reverse()
  process.send({ id, ok: true, stats, bytes: request.kind === 'optimize' ? out : undefined })
})
