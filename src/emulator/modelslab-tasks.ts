import type { EmulatorFile, EmulatorModelslabTask } from './types.js'

export interface ModelslabTaskState {
  /** As given (number or string): echoed in answers the way the real API does. */
  id: number | string
  files: EmulatorFile[]
  statuses: string[]
  eta: number
  error: NonNullable<EmulatorModelslabTask['error']>
  emptyOutput: boolean
  futureLinks: '404' | 'partial'
  /** `/3d/fetch` calls answered so far (fault-replaced answers do not count). */
  fetches: number
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/

/** ModelsLab tasks by id (string form, so `123` and `"123"` are the same task). */
export class ModelslabTaskStore {
  private readonly byId = new Map<string, ModelslabTaskState>()
  private next = 100_001

  add(task: EmulatorModelslabTask): { id: number | string } {
    if (!task || !Array.isArray(task.files)) throw new TypeError('emulator modelslab task: files must be an array')
    for (const f of task.files) {
      if (typeof f?.name !== 'string' || !(f.bytes instanceof Uint8Array))
        throw new TypeError('emulator modelslab task: every file needs a name and bytes (Uint8Array)')
    }
    const statuses = task.statuses ?? ['success']
    if (!Array.isArray(statuses) || statuses.length === 0 || statuses.some(s => typeof s !== 'string'))
      throw new TypeError('emulator modelslab task: statuses needs at least one status string')
    if (task.eta !== undefined && !(typeof task.eta === 'number' && task.eta >= 0))
      throw new TypeError('emulator modelslab task: eta must be a number of seconds >= 0')
    if (
      task.id !== undefined &&
      !(Number.isSafeInteger(task.id) && Number(task.id) >= 0) &&
      !(typeof task.id === 'string' && ID_RE.test(task.id))
    )
      throw new TypeError(
        'emulator modelslab task: id must be an integer >= 0 or a string of letters, digits, "_" or "-"',
      )
    let id = task.id
    if (id === undefined) {
      while (this.byId.has(String(this.next))) this.next++
      id = this.next++
    }
    this.byId.set(String(id), {
      id,
      files: task.files.map(f => ({ ...f })),
      statuses: [...statuses],
      eta: task.eta ?? 0,
      error: { ...task.error },
      emptyOutput: task.emptyOutput ?? false,
      futureLinks: task.futureLinks ?? '404',
      fetches: 0,
    })
    return { id }
  }

  get(id: string): ModelslabTaskState | undefined {
    return this.byId.get(id)
  }
}

/** The status the task reports now: before the first fetch it is in its first state. */
export function currentStatus(task: ModelslabTaskState): string {
  return task.statuses[Math.min(Math.max(0, task.fetches - 1), task.statuses.length - 1)]!
}

/** Answers one `/3d/fetch` call: moves the task one step, then reports. */
export function advance(task: ModelslabTaskState): string {
  task.fetches++
  return currentStatus(task)
}
