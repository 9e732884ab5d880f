import { isRodinError } from '../../errors.js'
import type { LockEntry } from '../../manifest/lockfile.js'
import type { AssetEntry } from '../../manifest/manifest.js'
import type { BudgetMeasure } from '../../pipeline/budget.js'
import { formatMeasure } from '../../pipeline/budget.js'
import type { AssetState } from '../../pipeline/inventory.js'
import type { Pipeline } from '../../pipeline/pipeline.js'
import { providerSpec } from '../../providers/index.js'
import { Journal, describeJournalEntry } from '../journal.js'
import { createPipeline, table } from '../context.js'
import type { CliIO, GlobalFlags } from '../context.js'

/** One row per asset: what the provider says (unless offline), whether the cache has it, whether it is pinned. */
export async function status(flags: GlobalFlags, io: CliIO): Promise<void> {
  const pipeline = createPipeline(flags, io, { logLevel: 'silent' })
  try {
    const states = await pipeline.status()
    const rows: string[][] = []
    // The budget column appears once some asset has a budget (it reads the cache, never the network).
    const withBudgets = states.some(s => s.entry.budget)
    for (const state of states) {
      const { entry, files, missing } = state
      const cached = !files ? 'no' : missing.length === 0 ? 'yes' : `partial (${missing.length} missing)`
      rows.push([
        entry.alias,
        entry.provider,
        entry.task || '-',
        await providerState(pipeline, entry),
        cached,
        state.locked,
        await remoteState(pipeline, state.pin),
        ...(withBudgets ? [await budgetCell(pipeline, state)] : []),
      ])
    }
    const columns = ['asset', 'provider', 'task', 'provider state', 'cached', 'locked', 'remote']
    io.out(table(withBudgets ? [...columns, 'budget'] : columns, rows))
    const journal = new Journal(pipeline.options.cacheDir)
    for (const e of await journal.list()) io.out(`warning: ${describeJournalEntry(e, journal)}`)
  } finally {
    await pipeline.close()
  }
}

/** Whether the team store has every blob the asset's lock entry pins (a HEAD each; bytes are verified on read). */
async function remoteState(pipeline: Pipeline, pinned: LockEntry | undefined): Promise<string> {
  if (!pipeline.options.remote) return 'none'
  if (!pipeline.remote) return 'not checked (offline)'
  if (!pinned) return 'not pinned'
  const pins = [...Object.values(pinned.files), ...(pinned.optimized ? [pinned.optimized] : [])]
  try {
    const store = await pipeline.remote.store()
    let missing = 0
    for (const pin of pins) if (!(await store.has(pin))) missing++
    return missing === 0 ? 'yes' : missing === pins.length ? 'no' : `partial (${missing} missing)`
  } catch (err) {
    if (!isRodinError(err)) throw err
    return `error (${err.code})`
  }
}

async function providerState(pipeline: Pipeline, entry: AssetEntry): Promise<string> {
  if (entry.notGenerated) return 'not generated (recipe)'
  if (pipeline.options.mode === 'offline') return 'not checked (offline)'
  const unchecked = providerSpec(entry.provider)?.statusUnchecked
  if (unchecked) return `not checked (${unchecked})`
  try {
    const files = await pipeline.listRemote(entry, { timeoutMs: 0 })
    return `ready (${files.length} file${files.length === 1 ? '' : 's'})`
  } catch (err) {
    if (!isRodinError(err)) throw err
    if (err.code === 'E_TASK_PENDING') return 'pending'
    if (err.code === 'E_TASK_FAILED') return 'failed'
    if (err.code === 'E_AUTH') return 'no API key / rejected'
    return `error (${err.code})`
  }
}

/**
 * The asset against its budget, e.g. `bytes 1.20 MiB/1.00 MiB OVER, triangles 9,000/10,000 ok`, from what the
 * cache already holds (status never downloads or optimizes): "not built" until a build or `pull` ran.
 */
async function budgetCell(pipeline: Pipeline, state: AssetState): Promise<string> {
  const budget = state.entry.budget
  if (!budget) return '-'
  const cached = await pipeline.cached(state)
  if (!cached) return 'not built'
  const measured = await pipeline.measure(cached)
  const cells: string[] = []
  for (const measure of Object.keys(budget) as BudgetMeasure[]) {
    const limit = budget[measure]!
    const value = measured[measure]
    if (value === undefined) {
      cells.push(`${measure} n/a`)
      continue
    }
    const verdict = value > limit ? 'OVER' : 'ok'
    cells.push(`${measure} ${formatMeasure(measure, value)}/${formatMeasure(measure, limit)} ${verdict}`)
  }
  return cells.join(', ')
}
