import { access, writeFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { errors } from '../../catalogue/index.js'
import { isRodinError } from '../../errors.js'
import type { ApiClient } from '../../http/index.js'
import { writeManifestAsset } from '../../manifest/edit.js'
import { formatCredits } from '../../manifest/recipe.js'
import type { Pipeline } from '../../pipeline/pipeline.js'
import { formatBytes } from '../../util/format.js'
import { loadGeneration, providerSpec } from '../../providers/index.js'
import type { CreatedTask } from '../../providers/index.js'
import { displayURL } from '../../redact.js'
import { createPipeline } from '../context.js'
import type { CliIO, GlobalFlags } from '../context.js'
import { finishGenerated } from '../generate-finish.js'
import { manifestEntries, plan, refused, summary } from '../generate-plan.js'
import type { GenerateFlags, Plan } from '../generate-plan.js'
import { Journal } from '../journal.js'

export type { GenerateFlags } from '../generate-plan.js'

/**
 * Submits generation requests behind a cost guard (estimate, balance, `--max-credits`, confirmation), each
 * exactly once with a journal entry written first; pins the new tasks in the manifest; then waits, downloads,
 * optimizes and locks them like `pull`.
 */
export async function generate(flags: GlobalFlags, io: CliIO, o: GenerateFlags): Promise<void> {
  if (flags.mode === 'frozen' || flags.mode === 'offline')
    throw errors.E_CONFIG('commandMode', {
      command: 'generate',
      mode: String(flags.mode),
      writes: 'the manifest and the lockfile',
    })
  const maxCredits = Number(o.maxCredits ?? 1)
  if (!Number.isFinite(maxCredits) || maxCredits < 0)
    throw errors.E_CONFIG('badFlag', { flag: '--max-credits', want: 'a number of credits ≥ 0', got: o.maxCredits })
  const timeoutS = Number(o.timeout ?? 900)
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw errors.E_CONFIG('badFlag', { flag: '--timeout', want: 'a number of seconds > 0', got: o.timeout })
  const pipeline = createPipeline(flags, io, { mode: 'auto', logLevel: 'silent' })
  const journal = new Journal(pipeline.options.cacheDir)
  const { apiKey, baseURL } = pipeline.options.providers.rodin
  let api: ApiClient | undefined
  try {
    const entries = await manifestEntries(pipeline)
    const plans = await plan(pipeline, entries, journal, o)
    const total = plans.reduce((sum, p) => sum + p.cost, 0)
    for (const p of plans) io.out(`${p.alias}: POST ${p.parts.route} (${summary(p.recipe)}): ${formatCredits(p.cost)}`)
    if (plans.length > 1) io.out(`total: ${formatCredits(total)} for ${plans.length} assets`)
    if (!apiKey) throw errors.E_AUTH('rodinKeyNeeded', { what: 'generating', provider: 'rodin' })
    const http = await import('../../http/index.js')
    api = http.createApiClient({
      baseURL,
      headers: { Authorization: `Bearer ${apiKey}` },
      http: pipeline.options.http,
      provider: 'rodin',
      authHint: providerSpec('rodin')?.authHint,
    })
    const balance = await (await loadGeneration()).checkBalance(api, { provider: 'rodin' })
    io.out(`balance: ${formatCredits(balance)}`)
    if (o.dryRun) for (const p of plans) printRequest(io, baseURL, p)
    if (total > maxCredits)
      throw refused('overMax', { cost: formatCredits(total), max: maxCredits, total, provider: 'rodin' })
    if (balance < total)
      throw refused('overBalance', { balance: formatCredits(balance), cost: formatCredits(total), provider: 'rodin' })
    if (o.dryRun) {
      io.err('rodin-assets: dry run: nothing was sent. Run again without --dry-run (with --yes) to submit.')
      process.exitCode = 2
      return
    }
    if (!o.yes && !(await confirm(io, total)))
      throw refused('notConfirmed', { terminal: !!(process.stdin.isTTY && io.isTTY), provider: 'rodin' })
    const created: (CreatedTask & { alias: string })[] = []
    for (const p of plans) {
      const task = await submitOne(pipeline, journal, { baseURL, apiKey }, p)
      created.push({ alias: p.alias, ...task })
      io.out(
        `${p.alias}: created task ${task.task} (${formatCredits(p.cost)}); ${rel(pipeline, pipeline.options.manifestPath)} updated`,
      )
    }
    if (o.wait === false) {
      io.out('not waiting (--no-wait): run "rodin-assets pull" later to download, optimize and lock.')
      return
    }
    await finishGenerated(pipeline, api, created, io, { timeoutMs: timeoutS * 1000 })
  } finally {
    await api?.close()
    await pipeline.close()
  }
}

function printRequest(io: CliIO, baseURL: string, p: Plan): void {
  io.out(`dry run: would POST ${displayURL(`${baseURL}${p.parts.route}`)} (multipart/form-data) for "${p.alias}":`)
  for (const [name, value] of p.parts.fields) io.out(`  ${name}: ${JSON.stringify(value)}`)
  for (const f of p.parts.files) io.out(`  ${f.field}: file ${f.name} (${formatBytes(f.bytes.byteLength)}, ${f.type})`)
}

async function confirm(io: CliIO, total: number): Promise<boolean> {
  if (!process.stdin.isTTY || !io.isTTY) return false
  const { createInterface } = await import('node:readline/promises')
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    return /^y(es)?$/i.test((await rl.question(`Spend ${formatCredits(total)}? [y/N] `)).trim())
  } finally {
    rl.close()
  }
}

/** Journal first, then exactly one POST; the manifest is written as soon as the task exists. */
async function submitOne(
  pipeline: Pipeline,
  journal: Journal,
  conf: { baseURL: string; apiKey: string },
  p: Plan,
): Promise<CreatedTask> {
  const { partsHash, submitGeneration } = await loadGeneration()
  const base = {
    alias: p.alias,
    route: p.parts.route,
    formSha256: partsHash(p.parts),
    cost: p.cost,
    time: new Date().toISOString(),
  }
  await journal.write({ ...base, state: 'sending' })
  let task: CreatedTask
  try {
    task = await submitGeneration({ ...conf, http: pipeline.options.http }, p.parts, {
      asset: p.alias,
      provider: 'rodin',
    })
  } catch (err) {
    if (isRodinError(err, 'E_SUBMIT_LOST'))
      await journal.write({ ...base, state: 'lost', reason: err.message.match(/answer was lost \(([^)]*)\)/)?.[1] })
    else await journal.remove(p.alias)
    throw err
  }
  await journal.write({ ...base, state: 'created', task: task.task })
  const path = pipeline.options.manifestPath
  if (
    !(await access(path).then(
      () => true,
      () => false,
    ))
  )
    await writeFile(path, '{\n  "assets": {}\n}\n', { flag: 'wx' })
  // A recipe-only entry keeps its own "file" and "optimize".
  await writeManifestAsset(path, p.alias, old => {
    const { file, optimize } = (old && typeof old === 'object' ? old : {}) as { file?: unknown; optimize?: unknown }
    return {
      task: task.task,
      subscriptionKey: task.subscriptionKey,
      ...(file !== undefined ? { file } : {}),
      ...(optimize !== undefined ? { optimize } : {}),
      generate: p.recipe,
    }
  })
  await journal.remove(p.alias)
  return task
}

function rel(pipeline: Pipeline, path: string): string {
  return relative(pipeline.options.root, path) || path
}
