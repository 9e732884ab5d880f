import { errors } from '../../catalogue/index.js'
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
    }
    const pinned = await pipeline.lock({
      accept: update,
      onChange: ({ alias, change, primary }) =>
        io.out(
          change === 'locked'
            ? `locked ${alias}`
            : change === 'updated'
              ? `updated ${alias} (${primary})`
              : `removed ${alias} (no longer in the manifest)`,
        ),
    })
    io.out(`${lockfilePath}: ${pinned} asset(s) pinned`)
  } finally {
    await pipeline.close()
  }
}
