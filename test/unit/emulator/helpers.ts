import { connect } from 'node:net'
import { type Emulator, type EmulatorRodinTask, startEmulator } from '../../../src/emulator/index.js'
import type { EmulatorOptions } from '../../../src/emulator/types.js'

const running: Emulator[] = []

/** Starts an emulator that `closeAll()` (wired to afterEach by each file) shuts down. */
export async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emu = await startEmulator({ assets: [], ...options })
  running.push(emu)
  return emu
}

export async function closeAll(): Promise<void> {
  await Promise.all(running.splice(0).map(e => e.close()))
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

/** A small task with a model and a preview, like a Rodin PBR result. */
export function task(overrides: Partial<EmulatorRodinTask> = {}): EmulatorRodinTask {
  return {
    files: [
      { name: 'base_basic_pbr.glb', bytes: bytes('glTF-model-bytes-0123456789') },
      { name: 'preview.webp', bytes: bytes('RIFF-preview-bytes') },
    ],
    ...overrides,
  }
}

export interface Answer {
  status: number
  headers: Headers
  json: any
  text: string
}

/** Reads a response as text and, when it parses, as JSON. */
export async function answer(res: Response): Promise<Answer> {
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: res.status, headers: res.headers, json, text }
}

/** POSTs to a Rodin route the way the real clients do (JSON, Bearer key). */
export async function api(
  emu: Emulator,
  route: 'status' | 'download',
  body: Record<string, string>,
  key: string | null = emu.apiKey,
): Promise<Answer> {
  return answer(
    await fetch(`${emu.rodinBaseURL}/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
      body: JSON.stringify(body),
    }),
  )
}

export async function status(emu: Emulator, subscriptionKey: string): Promise<string[]> {
  const a = await api(emu, 'status', { subscription_key: subscriptionKey })
  return a.json.jobs.map((j: { status: string }) => j.status)
}

export async function download(emu: Emulator, uuid: string): Promise<{ url: string; name: string }[]> {
  const a = await api(emu, 'download', { task_uuid: uuid })
  if (a.status !== 201) throw new Error(`download answered ${a.status}: ${a.text}`)
  return a.json.list
}

export async function fileURL(emu: Emulator, uuid: string, name = 'base_basic_pbr.glb'): Promise<string> {
  const entry = (await download(emu, uuid)).find(f => f.name === name)
  if (!entry) throw new Error(`no ${name} in the list`)
  return entry.url
}

export interface RawAnswer {
  status?: number
  headers: Record<string, string>
  body: Buffer
  /**
   * How the connection finished: clean EOF, reset/error, or still open after `idleMs` of silence following the
   * last byte (or `firstByteMs` when nothing came at all).
   */
  outcome: 'end' | 'error' | 'idle'
  error?: NodeJS.ErrnoException
}

/**
 * One HTTP/1.1 request over a bare TCP socket, so a test sees exactly what the server sent and how it
 * hung up, without a client library's retries or error wrapping in between.
 */
export function raw(
  url: string,
  options: {
    method?: string
    headers?: Record<string, string>
    body?: string
    idleMs?: number
    /**
     * How long to wait for the first byte. Generous by default, so a busy machine never turns a slow answer
     * into "silence"; only a test that expects silence shortens it.
     */
    firstByteMs?: number
  } = {},
): Promise<RawAnswer> {
  const u = new URL(url)
  const body = options.body ?? ''
  const head = [
    `${options.method ?? 'GET'} ${u.pathname}${u.search} HTTP/1.1`,
    `host: ${u.host}`,
    'connection: keep-alive',
    ...Object.entries({
      ...options.headers,
      ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
    }).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n')
  return new Promise(resolve => {
    const socket = connect(Number(u.port), u.hostname)
    const chunks: Buffer[] = []
    let timer: NodeJS.Timeout | undefined
    let done = false
    const finish = (outcome: RawAnswer['outcome'], error?: NodeJS.ErrnoException) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ ...parse(Buffer.concat(chunks)), outcome, ...(error ? { error } : {}) })
    }
    const arm = (ms: number) => {
      clearTimeout(timer)
      timer = setTimeout(() => finish('idle'), ms)
    }
    socket.on('connect', () => {
      socket.write(`${head}\r\n\r\n${body}`)
      arm(options.firstByteMs ?? 10_000)
    })
    socket.on('data', c => {
      chunks.push(c)
      arm(options.idleMs ?? 400)
    })
    socket.on('end', () => finish('end'))
    socket.on('error', e => finish('error', e))
  })
}

function parse(data: Buffer): Pick<RawAnswer, 'status' | 'headers' | 'body'> {
  const split = data.indexOf('\r\n\r\n')
  if (split < 0) return { headers: {}, body: Buffer.alloc(0) }
  const [statusLine = '', ...lines] = data.subarray(0, split).toString('latin1').split('\r\n')
  const headers = Object.fromEntries(
    lines.map(l => {
      const i = l.indexOf(':')
      return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()]
    }),
  )
  return { status: Number(statusLine.split(' ')[1]), headers, body: data.subarray(split + 4) }
}
