import { DEFAULT_TASKS } from './default-tasks.js'
import { FaultBook } from './faults.js'
import { TaskStore } from './rodin-tasks.js'
import { EmulatorServer } from './server.js'
import { UrlSigner } from './signed-urls.js'
import type { Emulator, EmulatorFault, EmulatorOptions, EmulatorRodinTask, RequestLogEntry } from './types.js'

export { DEFAULT_SUBSCRIPTION_KEYS, DEFAULT_TASK_IDS, DEFAULT_TASKS, type DefaultTaskAlias } from './default-tasks.js'
export type {
  Emulator,
  EmulatorFault,
  EmulatorFaultKind,
  EmulatorFile,
  EmulatorOptions,
  EmulatorRodinTask,
  FaultRoute,
  LogRoute,
  RequestLogEntry,
} from './types.js'

export const DEFAULT_EMULATOR_API_KEY = 'emulator-key'

/**
 * Starts a loopback (127.0.0.1) server that speaks the Rodin API and its signed-URL file host, with
 * scripted task lifecycles and faults. Point `providers.rodin.baseURL` at `rodinBaseURL`.
 *
 * ```ts
 * const emu = await startEmulator({ faults: [{ route: 'file', kind: 'reset' }] })
 * // ... run a build against emu.rodinBaseURL with apiKey emu.apiKey ...
 * expect(emu.requests.filter(r => r.route === 'file').every(r => !r.authorization)).toBe(true)
 * await emu.close()
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const apiKey = options.apiKey ?? DEFAULT_EMULATOR_API_KEY
  if (!apiKey || /\s/.test(apiKey)) throw new TypeError('emulator: apiKey must be a non-empty string without spaces')
  const urlTtlMs = options.urlTtlMs ?? 600_000
  if (!(urlTtlMs >= 0)) throw new TypeError('emulator: urlTtlMs must be >= 0')

  const tasks = new TaskStore()
  const faults = new FaultBook()
  for (const task of options.assets ?? DEFAULT_TASKS) tasks.add(task)
  for (const fault of options.faults ?? []) faults.add(fault)

  const requests: RequestLogEntry[] = []
  const signer = new UrlSigner(urlTtlMs)
  const rodin = { tasks, apiKey, signer }
  const control = {
    requests,
    clearLog: () => { requests.length = 0 },
    addFault: (fault: EmulatorFault) => faults.add(fault),
    addTask: (task: EmulatorRodinTask) => tasks.add(task),
  }
  const server = new EmulatorServer({ rodin, faults, log: requests, control })
  const port = await server.listen(options.port ?? 0)
  const url = `http://127.0.0.1:${port}`
  signer.origin = url

  return {
    url,
    rodinBaseURL: `${url}/rodin/api/v2`,
    modelslabBaseURL: `${url}/modelslab/api/v6`,
    gettyBaseURL: `${url}/getty`,
    gettyTokenURL: `${url}/getty/oauth2/token`,
    apiKey,
    addTask: control.addTask,
    addFault: control.addFault,
    requests,
    clearLog: control.clearLog,
    close: () => server.close(),
  }
}
