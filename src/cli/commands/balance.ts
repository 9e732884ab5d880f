import { errors } from '../../catalogue/index.js'
import { formatCredits } from '../../manifest/recipe.js'
import { loadGeneration, providerSpec } from '../../providers/index.js'
import { createPipeline } from '../context.js'
import type { CliIO, GlobalFlags } from '../context.js'

/** Prints the Rodin credits left (`GET /check_balance`, free). */
export async function balance(flags: GlobalFlags, io: CliIO): Promise<void> {
  const { options } = createPipeline(flags, io, { mode: 'auto', logLevel: 'silent' })
  const { apiKey, baseURL } = options.providers.rodin
  if (!apiKey) throw errors.E_AUTH('rodinKeyNeeded', { what: 'the balance', provider: 'rodin' })
  const { createApiClient } = await import('../../http/index.js')
  const api = createApiClient({
    baseURL,
    headers: { Authorization: `Bearer ${apiKey}` },
    http: options.http,
    provider: 'rodin',
    authHint: providerSpec('rodin')?.authHint,
  })
  try {
    const { checkBalance } = await loadGeneration()
    io.out(`balance: ${formatCredits(await checkBalance(api, { provider: 'rodin' }))}`)
  } finally {
    await api.close()
  }
}
