import { errors } from '../catalogue/index.js'
import type { RodinError } from '../errors.js'
import type { AssetEntry } from '../manifest/manifest.js'
import { hasWantedFile, sanitizeFiles } from './listing.js'
import type { Provider, ProviderContext, ProviderFile, ProviderSpec } from './types.js'

/** How many times an empty or partial `/download` list is asked again right after `Done` (documented API behaviour). */
const LIST_REASKS = 5

interface StatusBody {
  error?: string | null
  jobs?: { uuid?: string; status?: string }[]
}

interface DownloadBody {
  error?: string | null
  list?: { url?: unknown; name?: unknown }[]
}

/**
 * Hyper3D Rodin. With a `subscriptionKey` the task's jobs are polled on `/status` until every one is `Done`
 * (never calling `/download` before); without it, `/download` is asked directly and a list without the
 * wanted file counts as "not finished yet".
 */
export const rodinProvider: Provider = {
  async listFiles(entry, pc) {
    if (entry.subscriptionKey) await waitForJobs(entry, pc)
    return downloadList(entry, pc, !entry.subscriptionKey)
  },
  async refreshFiles(entry, pc) {
    return downloadList(entry, pc, false)
  },
}

export const rodinSpec: ProviderSpec = {
  name: 'rodin',
  settings: {
    apiKey: { env: ['RODIN_API_KEY', 'HYPER3D_API_KEY'], secret: true },
    baseURL: { env: ['RODIN_BASE_URL'], default: 'https://api.hyper3d.com/api/v2', url: true },
  },
  credentials: 'RODIN_API_KEY (or providers.rodin.apiKey)',
  authHint: 'set RODIN_API_KEY (or HYPER3D_API_KEY), or providers.rodin.apiKey, to a valid Hyper3D key',
  async connect(conf, { http, options }) {
    const client = http.createApiClient({
      baseURL: conf.baseURL,
      headers: { Authorization: `Bearer ${conf.apiKey}` },
      http: options,
      provider: 'rodin',
      authHint: rodinSpec.authHint,
    })
    return { client, provider: rodinProvider }
  },
}

async function waitForJobs(entry: AssetEntry, pc: ProviderContext): Promise<void> {
  const deadline = pc.now() + pc.wait.timeoutMs
  let last = 'unknown'
  for (;;) {
    const res = await pc.api.request({
      method: 'POST',
      path: '/status',
      json: { subscription_key: entry.subscriptionKey },
      ctx: pc.ctx,
    })
    const body = res.body as StatusBody
    const jobs = Array.isArray(body?.jobs) ? body.jobs : []
    if (jobs.length === 0) {
      throw errors.E_HTTP('noJobs', {
        ...pc.ctx,
        asset: entry.alias,
        said: apiError(body),
        checkKey: true,
        status: res.status,
      })
    }
    const statuses = jobs.map(j => String(j.status ?? 'unknown'))
    last = statuses.join(', ')
    const bad = statuses.find(s => s === 'Failed' || s === 'Canceled')
    if (bad) {
      throw errors.E_TASK_FAILED('rodinJob', {
        ...pc.ctx,
        asset: entry.alias,
        task: entry.task,
        state: bad,
        jobs: last,
      })
    }
    if (statuses.every(s => s === 'Done')) return
    if (pc.now() + pc.wait.intervalMs > deadline) throw pending(entry, pc, `jobs: ${last}`)
    await pc.sleep(pc.wait.intervalMs)
  }
}

async function downloadList(entry: AssetEntry, pc: ProviderContext, mayBeUnfinished: boolean): Promise<ProviderFile[]> {
  const deadline = pc.now() + pc.wait.timeoutMs
  const label = `asset "${entry.alias}" (rodin task ${entry.task})`
  for (let attempt = 1; ; attempt++) {
    const res = await pc.api.request({
      method: 'POST',
      path: '/download',
      json: { task_uuid: entry.task },
      ctx: pc.ctx,
    })
    const body = res.body as DownloadBody
    if (!Array.isArray(body?.list)) {
      throw errors.E_HTTP('noFileList', { ...pc.ctx, subject: label, said: apiError(body), status: res.status })
    }
    const raw = body.list.map(f => ({ name: String(f?.name ?? ''), url: String(f?.url ?? '') }))
    const files = sanitizeFiles(raw, pc.warn, label)
    if (
      hasWantedFile(
        entry,
        files.map(f => f.name),
      )
    )
      return files
    // Right after `Done` the list may be empty or partial; without a subscription key this is also how an
    // unfinished task looks, so keep asking within the wait budget.
    const budgetLeft = pc.now() + pc.wait.intervalMs <= deadline
    if (!(budgetLeft && (mayBeUnfinished || attempt < LIST_REASKS))) {
      const names = files.map(f => f.name).join(', ') || 'nothing'
      if (!mayBeUnfinished) {
        throw errors.E_NO_FILE('listed', { ...pc.ctx, subject: label, names, file: entry.file })
      }
      throw pending(entry, pc, `/download lists ${names}`)
    }
    await pc.sleep(mayBeUnfinished ? pc.wait.intervalMs : Math.min(pc.wait.intervalMs, 1_000))
  }
}

function pending(entry: AssetEntry, pc: ProviderContext, state: string): RodinError {
  const waited = `${Math.round(pc.wait.timeoutMs / 1000)} s`
  const subscriptionKey = !!entry.subscriptionKey
  return errors.E_TASK_PENDING('rodin', {
    ...pc.ctx,
    asset: entry.alias,
    task: entry.task,
    waited,
    state,
    subscriptionKey,
  })
}

function apiError(body: { error?: string | null } | undefined): string {
  return body?.error && body.error !== 'OK' ? ` (server says: ${String(body.error).slice(0, 200)})` : ''
}
