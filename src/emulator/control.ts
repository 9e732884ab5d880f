import { type Reply, jsonReply, parseFields } from './reply.js'
import type {
  EmulatorFault,
  EmulatorFile,
  EmulatorGettyGeneration,
  EmulatorModelslabTask,
  EmulatorRodinTask,
  GenerationRequest,
  RequestLogEntry,
} from './types.js'

/**
 * `/__emu/*`: lets a test harness in another process (e.g. `rodin-assets emulator` in someone's CI) read the
 * request log and script the emulator over HTTP. Bytes travel as base64; `times` may be `null` or
 * `"Infinity"` since JSON has no Infinity.
 *
 * - `GET /__emu/log` → the request log; `DELETE /__emu/log` clears it
 * - `POST /__emu/faults` `{...fault}` or `[...]`; `different-bytes` takes `bytes` as base64
 * - `POST /__emu/tasks` `{ uuid?, subscriptionKey?, jobs?, files: [{ name, base64, contentType? }] }`
 * - `POST /__emu/modelslab-tasks` `{ id?, statuses?, eta?, error?, emptyOutput?, futureLinks?, files: [...] }`
 * - `GET /__emu/balance` → `{ balance }`; `PUT /__emu/balance` `{ balance }` sets the Rodin credits
 * - `GET /__emu/submissions` → every generation request (file bytes as sha256 and size only)
 * - `POST /__emu/getty-generations` `{ id?, pendingPolls?, gone?, sizes?, requireProjectCode?, contentType?,
 *   images: [{ name, base64, contentType?, blocked? }] }`
 */
export interface ControlTarget {
  requests: RequestLogEntry[]
  account: { balance: number }
  submissions: GenerationRequest[]
  clearLog(): void
  addFault(fault: EmulatorFault): void
  addTask(task: EmulatorRodinTask): { uuid: string; subscriptionKey: string }
  addModelslabTask(task: EmulatorModelslabTask): { id: number | string }
  addGettyGeneration(generation: EmulatorGettyGeneration): { id: string }
}

export function handleControl(emu: ControlTarget, method: string, sub: string, body: Buffer): Reply {
  try {
    if (sub === 'log' && method === 'GET') return jsonReply(200, emu.requests)
    if (sub === 'log' && method === 'DELETE') {
      emu.clearLog()
      return { status: 204, headers: {}, body: new Uint8Array() }
    }
    if (sub === 'balance' && method === 'GET') return jsonReply(200, { balance: emu.account.balance })
    if (sub === 'balance' && method === 'PUT') {
      const balance = parseFields(body, 'application/json')?.balance
      if (typeof balance !== 'number' || !(balance >= 0)) throw new TypeError('balance must be a number >= 0')
      emu.account.balance = balance
      return jsonReply(200, { balance })
    }
    if (sub === 'submissions' && method === 'GET')
      return jsonReply(
        200,
        emu.submissions.map(s => ({ ...s, files: s.files.map(({ bytes: _, ...f }) => f) })),
      )
    if (sub === 'faults' && method === 'POST') {
      const value: unknown = JSON.parse(body.toString('utf8'))
      const faults = (Array.isArray(value) ? value : [value]).map(faultFromJson)
      for (const f of faults) emu.addFault(f)
      return jsonReply(201, { added: faults.length })
    }
    if (sub === 'tasks' && method === 'POST') {
      const fields = parseFields(body, 'application/json')
      if (!fields) throw new TypeError('expected a JSON object')
      return jsonReply(201, emu.addTask(taskFromJson(fields)))
    }
    if ((sub === 'modelslab-tasks' || sub === 'getty-generations') && method === 'POST') {
      const fields = parseFields(body, 'application/json')
      if (!fields) throw new TypeError('expected a JSON object')
      if (sub === 'modelslab-tasks') {
        if (!Array.isArray(fields.files)) throw new TypeError('files must be an array of { name, base64 }')
        return jsonReply(
          201,
          emu.addModelslabTask({ ...fields, files: fields.files.map(fileFromJson) } as EmulatorModelslabTask),
        )
      }
      if (!Array.isArray(fields.images)) throw new TypeError('images must be an array of { name, base64 }')
      const images = fields.images.map((f: Record<string, unknown>) => ({
        ...fileFromJson(f),
        ...(f?.blocked === true ? { blocked: true } : {}),
      }))
      return jsonReply(201, emu.addGettyGeneration({ ...fields, images } as EmulatorGettyGeneration))
    }
  } catch (err) {
    return jsonReply(400, { error: err instanceof Error ? err.message : String(err) })
  }
  return jsonReply(404, { error: `No control route ${method} /__emu/${sub}` })
}

function faultFromJson(raw: unknown): EmulatorFault {
  if (!raw || typeof raw !== 'object') throw new TypeError('a fault must be an object')
  const f = { ...raw } as Record<string, unknown>
  if (f.times === null || f.times === 'Infinity') f.times = Infinity
  if (f.kind === 'different-bytes') f.bytes = fromBase64(f.bytes, 'bytes')
  return f as unknown as EmulatorFault
}

function taskFromJson(raw: Record<string, unknown>): EmulatorRodinTask {
  if (!Array.isArray(raw.files)) throw new TypeError('files must be an array of { name, base64 }')
  const files = raw.files.map(fileFromJson)
  return {
    files,
    ...(typeof raw.uuid === 'string' ? { uuid: raw.uuid } : {}),
    ...(typeof raw.subscriptionKey === 'string' ? { subscriptionKey: raw.subscriptionKey } : {}),
    ...(Array.isArray(raw.jobs) ? { jobs: raw.jobs as string[][] } : {}),
  }
}

function fileFromJson(f: Record<string, unknown>): EmulatorFile {
  return {
    name: String(f?.name),
    bytes: fromBase64(f?.base64, 'base64'),
    ...(typeof f?.contentType === 'string' ? { contentType: f.contentType } : {}),
  }
}

function fromBase64(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string') throw new TypeError(`${field} must be a base64 string`)
  return new Uint8Array(Buffer.from(value, 'base64'))
}
