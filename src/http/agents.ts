import { Agent } from 'undici'
import type { HttpOptions } from './options.js'

export const USER_AGENT = 'unplugin-rodin (+https://www.npmjs.com/package/unplugin-rodin)'

/**
 * A connection pool with our timeouts. Headers and body timeouts are also passed per request, so only the
 * connect timeout is baked in here.
 */
export function createAgent(options: Required<HttpOptions>): Agent {
  return new Agent({
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.stallTimeoutMs,
    // A few parallel downloads per CDN host is plenty and keeps us polite to rate limiters.
    connections: 6,
  })
}

// Keyed by connect timeout, the only setting that cannot be given per request.
const fileAgents = new Map<number, Agent>()

/**
 * The process-wide file agent: it never carries credentials (no default headers exist on it at all), so
 * sharing it between assets and providers is safe and keeps CDN connections warm.
 */
export function sharedFileAgent(options: Required<HttpOptions>): Agent {
  let agent = fileAgents.get(options.connectTimeoutMs)
  if (!agent || agent.closed || agent.destroyed) {
    agent = createAgent(options)
    fileAgents.set(options.connectTimeoutMs, agent)
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
