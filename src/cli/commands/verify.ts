import { configuredFiles, errors } from '../../catalogue/index.js'
import { createPipeline, table } from '../context.js'
import type { CliIO, GlobalFlags } from '../context.js'

/**
 * Re-hashes every cache entry the lockfile pins. Damaged entries are removed (the next build refetches them).
 * With a team store (and not in mode offline), a missing or damaged entry is restored from it, verified.
 */
export async function verify(flags: GlobalFlags, io: CliIO): Promise<void> {
  const pipeline = createPipeline(flags, io, { mode: 'offline' })
  const team = await teamLink(flags, io)
  const pins = await pipeline.pins()
  if (!pins) throw errors.E_LOCK_MISSING('noLockfile', { lockfile: String(pipeline.options.lockfilePath) })
  const rows: string[][] = []
  let bad = 0
  const states = await pipeline.store.verify(pins)
  for (const [i, f] of pins.entries()) {
    const { alias, name } = f
    let state = { ok: 'ok', missing: 'missing', corrupt: 'CORRUPT (removed)' }[states[i]!]
    if (state !== 'ok' && team && (await team.fetch(f, `${name} of asset "${alias}"`)))
      state = `${states[i] === 'missing' ? 'missing' : 'CORRUPT'}, restored from the team store`
    if (state !== 'ok' && !state.endsWith('team store')) bad++
    rows.push([alias, name, f.sha256.slice(0, 16), state])
  }
  await team?.close()
  io.out(table(['asset', 'file', 'sha256', 'state'], rows))
  if (bad > 0) throw errors.E_INTEGRITY('verifyFailed', { bad, lockfile: configuredFiles(pipeline.options).lockfile })
  io.out(`all ${rows.length} pinned file(s) match the lockfile`)
}

/** The team store for repairs, unless none is configured or the user's mode is offline (it is never contacted then). */
async function teamLink(flags: GlobalFlags, io: CliIO) {
  const p = createPipeline(flags, { ...io, out: () => {} })
  return p.remote
}
