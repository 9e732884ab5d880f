import { Agent } from 'undici'
import type { FileHostPolicy, Lookup } from './address-policy.js'
import { guardedLookup } from './address-policy.js'
import type { ResolvedHttpOptions } from './options.js'

export const USER_AGENT = 'unplugin-rodin (+https://www.npmjs.com/package/unplugin-rodin)'

/**
 * A connection pool with our timeouts. Headers and body timeouts are also passed per request, so only the
 * connect timeout is baked in here.
 */
export function createAgent(options: ResolvedHttpOptions): Agent {
  return new Agent({
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.stallTimeoutMs,
    // A few parallel downloads per CDN host is plenty and keeps us polite to rate limiters.
    connections: 6,
  })
}

/**
 * A pool for file hosts: every connection it opens resolves its host through {@link guardedLookup}, so the
 * address policy holds for the socket actually opened. `resolve` is a test seam for DNS answers.
 */
export function createFileAgent(options: ResolvedHttpOptions, policy: FileHostPolicy, resolve?: Lookup): Agent {
  return new Agent({
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.stallTimeoutMs,
    connections: 6,
    connect: { lookup: guardedLookup(policy, resolve), ...(options.ca ? { ca: options.ca } : {}) },
  })
}

// Keyed by what cannot be given per request: the connect timeout, the address policy and the test CA.
const fileAgents = new Map<string, Agent>()

/**
 * The process-wide file agent for one policy: it never carries credentials (no default headers exist on it
 * at all), so sharing it between assets and providers is safe and keeps CDN connections warm.
 */
export function sharedFileAgent(options: ResolvedHttpOptions, policy: FileHostPolicy): Agent {
  const key = `${options.connectTimeoutMs}|${policy.allowLoopback}|${options.ca ?? ''}`
  let agent = fileAgents.get(key)
  if (!agent || agent.closed || agent.destroyed) {
    agent = createFileAgent(options, policy)
    fileAgents.set(key, agent)
  }
  return agent
}

/**
 * Closes the shared file agents (idle sockets are unref'd, so this is only needed for a tidy shutdown, e.g.
 * at the end of the CLI or a test file). A later download creates a fresh agent.
 */
export async function closeFileAgents(): Promise<void> {
  const agents = [...fileAgents.values()]
  fileAgents.clear()
  await Promise.all(agents.map(agent => agent.close()))
}
