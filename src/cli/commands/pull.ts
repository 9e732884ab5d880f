import { failedSummary } from '../../catalogue/index.js'
import { isRodinError } from '../../errors.js'
import { formatBytes } from '../../util/format.js'
import type { AssetRecord } from '../../pipeline/pipeline.js'
import { createPipeline, table } from '../context.js'
import type { CliIO, GlobalFlags } from '../context.js'
import { createProgress } from '../progress.js'

/** Fetches and optimizes every manifest asset in parallel, then prints a summary table. */
export async function pull(flags: GlobalFlags, io: CliIO): Promise<void> {
  const pipeline = createPipeline(flags, io, { logLevel: 'silent' })
  // Everything pinned, sources too (from the team store when there is one): the cache then serves offline builds.
  pipeline.completeCache = true
  try {
    await pipeline.preflight()
    const { entries } = await pipeline.getManifest()
    const progress = await createProgress(io, entries.length)
    const started = Date.now()
    const results = await Promise.allSettled(
      entries.map(async entry => {
        const record = await pipeline.asset(entry)
        progress.done(entry.alias, record.hit ? 'hit' : 'fetched')
        return record
      }),
    )
    progress.stop()
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${entries[i]!.alias}: ${(r.reason as Error).message}`] : [],
    )
    const records = results.flatMap(r => (r.status === 'fulfilled' ? [r.value] : []))
    io.out(summary(records))
    io.out(
      `${records.length} of ${entries.length} asset(s) ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${records.filter(r => r.hit).length} hit(s), ${records.filter(r => !r.hit).length} miss(es)`,
    )
    if (failures.length > 0) {
      for (const f of failures) io.err(f)
      const first = results.find(r => r.status === 'rejected')?.reason
      throw failedSummary(isRodinError(first) ? first.code : 'E_CONFIG', failures.length, entries.length, 'asset(s)')
    }
  } finally {
    await pipeline.close()
  }
}

function summary(records: AssetRecord[]): string {
  const rows = records.map(r => {
    const src = r.files[r.primary]!.bytes
    const out = r.optimized?.file.bytes ?? src
    return [
      r.entry.alias,
      r.entry.provider,
      r.primary,
      formatBytes(src),
      formatBytes(out),
      `${Math.round((out / src) * 100)}%`,
      r.hit ? 'hit' : 'miss',
      `${(r.ms / 1000).toFixed(2)} s`,
    ]
  })
  const src = records.reduce((a, r) => a + r.files[r.primary]!.bytes, 0)
  const out = records.reduce((a, r) => a + (r.optimized?.file.bytes ?? r.files[r.primary]!.bytes), 0)
  rows.push([
    'total',
    '',
    '',
    formatBytes(src),
    formatBytes(out),
    src ? `${Math.round((out / src) * 100)}%` : '',
    '',
    '',
  ])
  return table(['asset', 'provider', 'file', 'before', 'after', 'ratio', 'cache', 'time'], rows)
}
