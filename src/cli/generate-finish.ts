import { relative } from 'node:path'
import { errors } from '../catalogue/index.js'
import type { ApiClient } from '../http/index.js'
import type { Pipeline } from '../pipeline/pipeline.js'
import { formatBytes } from '../util/format.js'
import { loadGeneration } from '../providers/index.js'
import type { CreatedTask } from '../providers/index.js'
import type { CliIO } from './context.js'

type Created = CreatedTask & { alias: string }

/**
 * Waits on `/status` for every new task (a progress bar of jobs done out of total, with the elapsed time),
 * then at once downloads, optimizes and locks each one the way `pull` does: the result URLs expire.
 */
export async function finishGenerated(
  pipeline: Pipeline,
  api: ApiClient,
  created: Created[],
  io: CliIO,
  opts: { timeoutMs: number },
): Promise<void> {
  const { jobStatuses } = await loadGeneration()
  const started = Date.now()
  const interval = pipeline.options.wait.intervalMs
  const bar = await jobsBar(io)
  const open = new Map(created.map(c => [c.alias, c]))
  const counts = new Map<string, { done: number; total: number }>()
  let last = ''
  try {
    for (;;) {
      for (const c of [...open.values()]) {
        const statuses = await jobStatuses(api, c.subscriptionKey, { asset: c.alias, provider: 'rodin', task: c.task })
        const bad = statuses.find(s => s === 'Failed' || s === 'Canceled')
        if (bad)
          throw errors.E_TASK_FAILED('generatedJob', {
            asset: c.alias,
            task: c.task,
            state: bad,
            jobs: statuses.join(', '),
          })
        const done = statuses.filter(s => s === 'Done').length
        counts.set(c.alias, { done, total: statuses.length })
        if (done === statuses.length) open.delete(c.alias)
      }
      const done = [...counts.values()].reduce((n, c) => n + c.done, 0)
      const total = [...counts.values()].reduce((n, c) => n + c.total, 0)
      const state = `${done}/${total} jobs done`
      bar.update(done, total, started)
      if (!io.isTTY && state !== last) io.out(`waiting: ${state} (${seconds(started)})`)
      last = state
      if (open.size === 0) break
      if (Date.now() - started + interval > opts.timeoutMs)
        throw errors.E_TASK_PENDING('generated', {
          asset: [...open.keys()][0]!,
          provider: 'rodin',
          aliases: [...open.keys()].map(a => `"${a}"`).join(', '),
          count: open.size,
          waited: `${Math.round(opts.timeoutMs / 1000)} s`,
          state,
        })
      await new Promise(r => setTimeout(r, interval))
    }
  } finally {
    bar.stop()
  }
  pipeline.invalidate()
  const manifest = await pipeline.getManifest()
  for (const c of created) {
    const record = await pipeline.asset(manifest.byAlias.get(c.alias)!)
    const src = record.files[record.primary]!.bytes
    const out = record.optimized?.file.bytes ?? src
    const lockfile = pipeline.options.lockfilePath
    io.out(
      `${c.alias}: ${record.primary} ${formatBytes(src)}${record.optimized ? ` → ${formatBytes(out)} optimized` : ''}${lockfile ? `, locked in ${relative(pipeline.options.root, lockfile) || lockfile}` : ''} (${seconds(started)})`,
    )
    io.out(`  import model from 'rodin:${c.alias}'`)
  }
}

function seconds(since: number): string {
  return `${Math.round((Date.now() - since) / 1000)} s`
}

interface JobsBar {
  update: (done: number, total: number, started: number) => void
  stop: () => void
}

/** cli-progress on a TTY; nothing otherwise (the caller prints a line per change, readable in CI logs). */
async function jobsBar(io: CliIO): Promise<JobsBar> {
  if (!io.isTTY) return { update() {}, stop() {} }
  const { SingleBar, Presets } = (await import('cli-progress')).default
  const bar = new SingleBar(
    { format: '{bar} {value}/{total} jobs done | {elapsed}', hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  )
  let running = false
  return {
    update(done, total, started) {
      if (!running) bar.start(total, done, { elapsed: seconds(started) })
      running = true
      bar.setTotal(total)
      bar.update(done, { elapsed: seconds(started) })
    },
    stop() {
      if (running) bar.stop()
    },
  }
}
