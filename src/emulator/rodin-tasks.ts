import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { EmulatorFile, EmulatorRodinTask } from './types.js'

export interface TaskState {
  uuid: string
  subscriptionKey: string
  files: EmulatorFile[]
  jobs: { uuid: string; statuses: string[] }[]
  /** `/status` calls answered so far. */
  polls: number
}

/** Rodin tasks by uuid and by subscription key, with their scripted job timelines. */
export class TaskStore {
  private readonly byUuid = new Map<string, TaskState>()
  private readonly bySubscription = new Map<string, string>()

  add(task: EmulatorRodinTask): { uuid: string; subscriptionKey: string } {
    if (!task || !Array.isArray(task.files)) throw new TypeError('emulator task: files must be an array')
    for (const f of task.files) {
      if (typeof f?.name !== 'string' || !(f.bytes instanceof Uint8Array))
        throw new TypeError('emulator task: every file needs a name and bytes (Uint8Array)')
    }
    const jobs = task.jobs ?? [['Done']]
    if (!jobs.length || jobs.some(j => !Array.isArray(j) || !j.length))
      throw new TypeError('emulator task: jobs needs at least one job, each with at least one status')
    const uuid = task.uuid ?? randomUUID()
    const subscriptionKey = task.subscriptionKey ?? `sub-${randomBytes(12).toString('hex')}`
    const old = this.byUuid.get(uuid)
    if (old) this.bySubscription.delete(old.subscriptionKey)
    this.byUuid.set(uuid, {
      uuid,
      subscriptionKey,
      files: task.files.map(f => ({ ...f })),
      jobs: jobs.map((statuses, i) => ({ uuid: jobUuid(uuid, i), statuses: [...statuses] })),
      polls: 0,
    })
    this.bySubscription.set(subscriptionKey, uuid)
    return { uuid, subscriptionKey }
  }

  get(uuid: string): TaskState | undefined {
    return this.byUuid.get(uuid)
  }

  bySubscriptionKey(key: string): TaskState | undefined {
    const uuid = this.bySubscription.get(key)
    return uuid === undefined ? undefined : this.byUuid.get(uuid)
  }
}

/**
 * What each job reports now. Before the first poll a task is in its first state, so a task scripted as
 * `[['Done']]` can be downloaded without ever polling (manifests may hold only the task uuid).
 */
function currentStatuses(task: TaskState): { uuid: string; status: string }[] {
  const step = Math.max(0, task.polls - 1)
  return task.jobs.map(j => ({ uuid: j.uuid, status: j.statuses[Math.min(step, j.statuses.length - 1)]! }))
}

/** Answers one `/status` call: moves every job one step, then reports. */
export function poll(task: TaskState): { uuid: string; status: string }[] {
  task.polls++
  return currentStatuses(task)
}

export function allDone(task: TaskState): boolean {
  return currentStatuses(task).every(j => j.status === 'Done')
}

/** Job uuids derived from the task uuid, so fixed tasks report the same job ids on every run. */
function jobUuid(task: string, index: number): string {
  const h = createHash('sha256').update(`${task}#job${index}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Number.parseInt(h[16]!, 16) & 3]}${h.slice(17, 20)}-${h.slice(20, 32)}`
}
