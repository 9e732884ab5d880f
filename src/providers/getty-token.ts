import { createHash } from 'node:crypto'
import { errors } from '../catalogue/index.js'
import { describeAsset } from '../errors.js'
import type { ApiClient, RequestContext } from '../http/index.js'
import { registerSecret } from '../redact.js'
import { objectBody, said, secondsToMs } from './messages.js'

export interface GettyClientCredentials {
  clientId: string
  clientSecret: string
  /** Full URL of the OAuth token endpoint. */
  tokenURL: string
}

interface Token {
  value: string
  expiresAt: number
}

/** The vendor's stated lifetime; used when a token answer has no usable `expires_in`. */
const DEFAULT_LIFETIME_MS = 30 * 60_000
/** The .NET SDK renews 5 minutes early; short-lived tokens renew after three quarters of their life. */
const MAX_MARGIN_MS = 5 * 60_000

// Per process: token calls count against Getty's rate limit, so every asset and build in this process shares
// one token per client. The secret is part of the key (hashed) so a rotated secret never gets an old token.
const tokens = new Map<string, Promise<Token>>()

function cacheKey(c: GettyClientCredentials): string {
  return `${c.tokenURL}\n${c.clientId}\n${createHash('sha256').update(c.clientSecret).digest('hex')}`
}

export interface TokenRequest {
  client: ApiClient
  credentials: GettyClientCredentials
  ctx: RequestContext
  now: () => number
  /** A token the API just refused (401): replace it unless another caller already did. */
  rejected?: string
}

/** A bearer token for the client credentials: the cached one while it has time left, else a fresh one. */
export async function gettyToken(req: TokenRequest): Promise<string> {
  const key = cacheKey(req.credentials)
  const cached = tokens.get(key)
  if (cached) {
    const token = await cached.catch(() => undefined)
    if (token && token.value !== req.rejected && req.now() < token.expiresAt) return token.value
    // Only the caller that still sees the stale entry replaces it; the others await the replacement.
    if (tokens.get(key) !== cached) return gettyToken(req)
  }
  const fresh = requestToken(req)
  tokens.set(key, fresh)
  fresh.catch(() => {
    if (tokens.get(key) === fresh) tokens.delete(key) // a failure is never cached
  })
  return (await fresh).value
}

async function requestToken(req: TokenRequest): Promise<Token> {
  const { clientId, clientSecret, tokenURL } = req.credentials
  const started = req.now()
  const res = await req.client.request({
    method: 'POST',
    path: tokenURL,
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
    ctx: req.ctx,
    // OAuth answers bad credentials with 400 invalid_client as often as with 401.
    acceptStatus: status => status === 400 || status === 401 || status === 403,
  })
  const body = objectBody(res.body)
  const label = `${describeAsset(req.ctx) || 'getty'}: the Getty token endpoint`
  if (res.status >= 400) {
    throw errors.E_AUTH('gettyToken', { ...req.ctx, subject: label, status: res.status, said: said(res.body) })
  }
  const value = body?.access_token
  if (typeof value !== 'string' || value.trim() === '') {
    throw errors.E_AUTH('gettyNoToken', { ...req.ctx, subject: label, status: res.status })
  }
  registerSecret(value)
  const lifetime = secondsToMs(body?.expires_in) || DEFAULT_LIFETIME_MS
  const margin = Math.min(MAX_MARGIN_MS, lifetime / 4)
  return { value, expiresAt: started + lifetime - margin }
}
