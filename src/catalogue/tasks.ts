import { define, type Who, who } from './define.js'

/** `E_TASK_FAILED`: the provider says the task failed, was canceled or aged out. */
export const E_TASK_FAILED = define('E_TASK_FAILED', {
  rodinJob: (d: Who & { state: string; jobs: string }) =>
    `${who({ ...d, provider: 'rodin' })}: a generation job is ${d.state} (jobs: ${d.jobs}). Generate the model again and put the new task UUID in the manifest.`,
  generatedJob: (d: Who & { state: string; jobs: string }) =>
    `${who({ ...d, provider: 'rodin' })}: a generation job is ${d.state} (jobs: ${d.jobs}). The credits are spent; generate again under a new alias.`,
  gettyExpired: (d: { subject: string; said: string; manifest?: string }) =>
    `${d.subject}: the generation has aged out at Getty (HTTP 410${d.said}; generated images are kept about 6 months). Generate the image again and put the new generationRequestId in ${d.manifest ?? 'the manifest'}.`,
  modelslab: (d: { subject: string; failed: boolean; where: string; text: string; manifest?: string }) =>
    `${d.subject}: ModelsLab reports the generation ${d.failed ? 'failed' : 'ended with an error'} (${d.where}${d.text ? `: "${d.text}"` : ', no message'}). Generate the model again and put the new id in ${d.manifest ?? 'the manifest'}.`,
})

/** `E_TASK_PENDING`: the task did not finish within the `wait` budget. */
export const E_TASK_PENDING = define('E_TASK_PENDING', {
  rodin: (d: Who & { waited: string; state: string; subscriptionKey: boolean }) => {
    const message = `${who({ ...d, provider: 'rodin' })} is not finished after ${d.waited} (${d.state}). Build again later or raise wait.timeoutMs.`
    if (d.subscriptionKey) return message
    return { message, hint: 'Add its "subscriptionKey" to the manifest entry so the build can follow the job status.' }
  },
  modelslab: (d: { subject: string; waited: string; state: string; eta: string }) =>
    `${d.subject} is not finished after ${d.waited} (status "${d.state || 'none'}"${d.eta}). Build again later or raise wait.timeoutMs.`,
  getty: (d: { subject: string; waited: string; status: number; polls: number }) => ({
    message: `${d.subject}: Getty is still preparing the download after ${d.waited} (HTTP ${d.status}, ${d.polls} poll${d.polls === 1 ? '' : 's'}).`,
    hint: 'Build again later (Getty says up to a minute) or raise wait.timeoutMs.',
  }),
  generated: (d: { asset: string; aliases: string; count: number; waited: string; state: string }) =>
    `${d.aliases} not finished after ${d.waited} (${d.state}). The manifest holds the task${d.count > 1 ? 's' : ''}: run "rodin-assets pull" later to download, optimize and lock.`,
})

/** `E_NO_FILE`: the task has no file that matches the request. */
export const E_NO_FILE = define('E_NO_FILE', {
  named: (d: Who & { file: string; has: string }) =>
    `asset "${d.asset}": the task has no file "${d.file}" (it has: ${d.has || 'nothing'}). Fix "file" in the manifest.`,
  noModel: (d: Who & { has: string }) =>
    `asset "${d.asset}": the task lists no model or image file (it has: ${d.has || 'nothing'}). Set "file" in the manifest to the file you want.`,
  imported: (d: Who & { file: string; has: string }) =>
    `rodin:${d.asset}/${d.file}: the task has no file "${d.file}" (it has: ${d.has}). Import one of those names.`,
  importedMany: (d: Who & { file: string; names: string; has: string }) =>
    `${who(d)}: the task has no file ${d.names} (it has: ${d.has || 'nothing'}). Import one of those names.`,
  unpinned: (d: Who & { absent: string; lockfile?: string }) => ({
    message: `${who(d)}: the provider no longer lists ${d.absent}, which ${d.lockfile ?? 'the lockfile'} pins.`,
    hint: `Run "rodin-assets lock --update ${d.asset}" to accept the task's current files.`,
  }),
  noOutput: (d: { asset: string }) => `asset "${d.asset}" has no optimized output`,
  noLod: (d: { asset: string; level: number }) => `asset "${d.asset}" has no LOD level ${d.level}`,
  stored: (d: { asset: string; file: string; has: string }) =>
    `asset "${d.asset}" has no file "${d.file}" (it has: ${d.has})`,
  listed: (d: { subject: string; names: string; file?: string; formats?: string; regenerate?: string }) =>
    `${d.subject}: the finished task lists ${d.names}, but no ${d.file ? `"${d.file}"` : d.formats ? `model file (${d.formats})` : 'model file'}. ${
      d.file || !d.regenerate
        ? 'Set "file" in the manifest to one of the listed names.'
        : `Generate it again with ${d.regenerate}.`
    }`,
  getty: (d: { subject: string; status: number; why: string }) =>
    `${d.subject}: Getty answered HTTP ${d.status} with ${d.why}. Choose another "index" of the generation, or generate again.`,
})

/** `E_NOT_IN_MANIFEST`: an import names an asset the manifest does not list. */
export const E_NOT_IN_MANIFEST = define('E_NOT_IN_MANIFEST', {
  import: (d: { source: string; manifest: string; known: string }) =>
    `import "${d.source}" is not in ${d.manifest}. Add it under "assets", e.g. "my-model": "<rodin task uuid>", then import "rodin:my-model". Known: ${d.known || 'none'}.`,
})

/** `E_NOT_GENERATED`: a recipe without a task; builds never generate. */
export const E_NOT_GENERATED = define('E_NOT_GENERATED', {
  recipe: (d: Who & { command: string; cost: string; manifest?: string; lockfile?: string }) =>
    `asset "${d.asset}" is a recipe without a task, and a build never generates. Run "${d.command}"${d.cost} once, then commit ${[d.manifest ?? 'the manifest', d.lockfile].filter(Boolean).join(' and ')}.`,
})

/** `E_REFUSED`: `rodin-assets generate` refused to spend. */
export const E_REFUSED = define('E_REFUSED', {
  nothingToGenerate: (_: object) => 'every asset of the manifest already has a task; nothing to generate.',
  aliasTaken: (d: { alias: string; provider: string; task: string }) =>
    `asset "${d.alias}" already has ${d.provider} task ${d.task}; generating again would bill a new task. Pick a new alias (e.g. "${d.alias}-2"), or remove "${d.alias}" from the manifest first.`,
  journal: (d: { entry: string }) => d.entry,
  overMax: (d: { cost: string; max: number; total: number }) =>
    `the cost, ${d.cost}, is above --max-credits ${d.max}. Nothing was sent; pass --max-credits ${d.total} to allow it.`,
  overBalance: (d: { balance: string; cost: string }) =>
    `the balance, ${d.balance}, is below the cost, ${d.cost}. Nothing was sent; top up your Hyper3D credits first.`,
  notConfirmed: (d: { terminal: boolean }) =>
    d.terminal
      ? 'not confirmed; nothing was sent.'
      : 'no terminal to confirm the cost on; nothing was sent. Pass --yes to submit.',
})

/** `E_SUBMIT_LOST`: a generation request was sent but its answer was lost. */
export const E_SUBMIT_LOST = define('E_SUBMIT_LOST', {
  lost: (d: Who & { what: string; why: string }) => ({
    message: `asset "${d.asset}": ${d.what} was sent but its answer was lost (${d.why}). A task may exist and may have been billed; it was NOT retried.`,
    hint: `Check your tasks and credits in the Hyper3D dashboard before generating "${d.asset}" again ("rodin-assets status" lists this submission).`,
  }),
})
