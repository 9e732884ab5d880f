import { defaultModelslabTasks, defaultRodinTasks } from './default-tasks.js'
import { FaultBook } from './faults.js'
import { GettyGenerationStore, GettyTokenBook } from './getty-state.js'
import { ModelslabTaskStore } from './modelslab-tasks.js'
import { defaultGettyGenerations } from './provider-defaults.js'
import { TaskStore } from './rodin-tasks.js'
import { EmulatorServer } from './server.js'
import { UrlSigner } from './signed-urls.js'
import type {
  Emulator,
  EmulatorFault,
  EmulatorGettyGeneration,
  EmulatorModelslabTask,
  EmulatorOptions,
  EmulatorRodinTask,
  GenerationRequest,
  RequestLogEntry,
} from './types.js'

export {
  DEFAULT_MODELSLAB_TASK_ID,
  DEFAULT_SUBSCRIPTION_KEYS,
  DEFAULT_TASK_IDS,
  type DefaultTaskAlias,
  defaultModelslabTasks,
  defaultRodinTasks,
} from './default-tasks.js'
export { DEFAULT_GETTY_GENERATION_ID, defaultGettyGenerations } from './provider-defaults.js'
export type {
  Emulator,
  EmulatorFault,
  EmulatorFaultKind,
  EmulatorFile,
  EmulatorGettyGeneration,
  EmulatorGettyImage,
  EmulatorModelslabTask,
  EmulatorOptions,
  EmulatorRodinTask,
  FaultRoute,
  GenerationRequest,
  LogRoute,
  RequestLogEntry,
} from './types.js'

export const DEFAULT_EMULATOR_API_KEY = 'emulator-key'
export const DEFAULT_GETTY_CLIENT_ID = 'emulator-client'
export const DEFAULT_GETTY_CLIENT_SECRET = 'emulator-client-secret'

/**
 * Starts a loopback (127.0.0.1) server that speaks the Rodin, ModelsLab 3D and Getty AI APIs (with the Getty
 * token endpoint) and their file hosts, with scripted task lifecycles and faults. Point
 * `providers.rodin.baseURL` at `rodinBaseURL`, `providers.modelslab.baseURL` at `modelslabBaseURL`, and
 * `providers.getty` at `gettyBaseURL` / `gettyTokenURL` with `gettyClientId` / `gettyClientSecret`; `apiKey`
 * is every provider's key.
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

  const clientId = options.gettyClientId ?? DEFAULT_GETTY_CLIENT_ID
  const clientSecret = options.gettyClientSecret ?? DEFAULT_GETTY_CLIENT_SECRET
  const tokenTtl = options.gettyTokenTtlSeconds ?? 1800
  if (!(tokenTtl > 0)) throw new TypeError('emulator: gettyTokenTtlSeconds must be > 0')

  const tasks = new TaskStore()
  const modelslabTasks = new ModelslabTaskStore()
  const generations = new GettyGenerationStore()
  const faults = new FaultBook()
  for (const task of options.assets ?? (await defaultRodinTasks())) tasks.add(task)
  for (const task of options.modelslabTasks ?? (await defaultModelslabTasks())) modelslabTasks.add(task)
  for (const gen of options.gettyGenerations ?? (await defaultGettyGenerations())) generations.add(gen)
  for (const fault of options.faults ?? []) faults.add(fault)
  const account = { balance: options.balance ?? 10 }
  if (!(account.balance >= 0)) throw new TypeError('emulator: balance must be >= 0')
  const submissions: GenerationRequest[] = []
  const generate = {
    tasks,
    apiKey,
    account,
    submissions,
    jobs: options.generatedJobs ?? [
      ['Waiting', 'Generating', 'Done'],
      ['Generating', 'Done'],
    ],
  }

  const requests: RequestLogEntry[] = []
  const now = options.now ?? Date.now
  const signer = new UrlSigner(urlTtlMs, now)
  const site = { origin: '' }
  const rodin = { tasks, apiKey, signer }
  const modelslab = { tasks: modelslabTasks, apiKey, site }
  const tokens = new GettyTokenBook(tokenTtl, now)
  const getty = { generations, tokens, apiKey, clientId, clientSecret, site }
  const control = {
    requests,
    account,
    submissions,
    clearLog: () => {
      requests.length = 0
    },
    addFault: (fault: EmulatorFault) => faults.add(fault),
    addTask: (task: EmulatorRodinTask) => tasks.add(task),
    addModelslabTask: (task: EmulatorModelslabTask) => modelslabTasks.add(task),
    addGettyGeneration: (gen: EmulatorGettyGeneration) => generations.add(gen),
  }
  const server = new EmulatorServer({ rodin, generate, modelslab, getty, faults, log: requests, control })
  const port = await server.listen(options.port ?? 0)
  const url = `http://127.0.0.1:${port}`
  signer.origin = url
  site.origin = url

  return {
    url,
    rodinBaseURL: `${url}/rodin/api/v2`,
    modelslabBaseURL: `${url}/modelslab/api/v6`,
    gettyBaseURL: `${url}/getty`,
    gettyTokenURL: `${url}/getty/oauth2/token`,
    apiKey,
    gettyClientId: clientId,
    gettyClientSecret: clientSecret,
    get gettyTokensIssued() {
      return tokens.issued
    },
    addTask: control.addTask,
    addModelslabTask: control.addModelslabTask,
    addGettyGeneration: control.addGettyGeneration,
    addFault: control.addFault,
    get balance() {
      return account.balance
    },
    set balance(credits: number) {
      account.balance = credits
    },
    submissions,
    requests,
    clearLog: control.clearLog,
    close: () => server.close(),
  }
}
