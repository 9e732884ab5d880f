import { errors } from '../../catalogue/index.js'
import { canonicalJson, updateLockfile } from '../../manifest/lockfile.js'
import { createPipeline } from '../context.js'
import type { CliIO, GlobalFlags } from '../context.js'

/**
 * Writes or refreshes the lockfile: pins every manifest asset (fetching what the cache lacks), drops pins of
 * assets no longer in the manifest, and with `--update <alias>` accepts the provider's current bytes.
 */
export async function lock(flags: GlobalFlags, io: CliIO, update: string[]): Promise<void> {
  if (flags.mode === 'frozen')
    throw errors.E_CONFIG('commandMode', { command: 'lock', mode: 'frozen', writes: 'the lockfile' })
  const pipeline = createPipeline(flags, io, {
    mode: flags.mode === 'offline' ? 'offline' : 'auto',
    logLevel: 'silent',
  })
  try {
    const lockfilePath = pipeline.options.lockfilePath
    if (!lockfilePath) throw errors.E_CONFIG('lockNeedsPath', {})
    const manifest = await pipeline.getManifest()
    for (const alias of update) {
      if (!manifest.byAlias.has(alias))
        throw errors.E_CONFIG('updateUnknown', {
          alias,
          manifest: manifest.path,
          known: [...manifest.byAlias.keys()].join(', '),
        })
      pipeline.acceptChanges.add(alias)
    }
    const before = structuredClone((await pipeline.getLockfile())?.assets ?? {})
    for (const entry of manifest.entries) {
      const r = await pipeline.asset(entry)
      if (!before[entry.alias]) io.out(`locked ${entry.alias}`)
      else if (
        canonicalJson(before[entry.alias]) !== canonicalJson((await pipeline.getLockfile())?.assets[entry.alias])
      )
        io.out(`updated ${entry.alias} (${r.primary})`)
    }
    const stale = Object.keys(before).filter(alias => !manifest.byAlias.has(alias))
    const written = await updateLockfile(lockfilePath, l => {
      for (const alias of Object.keys(l.assets)) if (!manifest.byAlias.has(alias)) delete l.assets[alias]
    })
    for (const alias of stale) io.out(`removed ${alias} (no longer in the manifest)`)
    io.out(`${lockfilePath}: ${Object.keys(written.assets).length} asset(s) pinned`)
  } finally {
    await pipeline.close()
  }
}
