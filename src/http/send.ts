import type { Dispatcher } from 'undici'
import { request as undiciRequest } from 'undici'
import type { RodinError } from '../errors.js'
import { discard } from './body.js'
import { networkFailure } from './failure.js'
import type { NetworkFailureInfo } from './failure.js'

export interface SendOptions {
  method: string
  headers: Record<string, string>
  body?: string
  signal: AbortSignal
  dispatcher: Dispatcher
  http: { headersTimeoutMs: number; stallTimeoutMs: number }
}

/** One request, with transport errors turned into our retryable / final failures. Redirects are not followed. */
export async function send(url: URL, o: SendOptions, failure: NetworkFailureInfo): Promise<Dispatcher.ResponseData> {
  try {
    return await undiciRequest(url, {
      method: o.method as Dispatcher.HttpMethod,
      headers: o.headers,
      body: o.body,
      signal: o.signal,
      dispatcher: o.dispatcher,
      headersTimeout: o.http.headersTimeoutMs,
      bodyTimeout: o.http.stallTimeoutMs,
    })
  } catch (err) {
    throw networkFailure(err, failure)
  }
}

/**
 * The `Location` of a redirect answer (its body released), or `undefined` for any other answer. Callers follow
 * redirects by hand so that every hop is re-checked; `tooMany` is thrown once `hops` reaches `maxRedirects`.
 */
export function redirectLocation(
  res: Dispatcher.ResponseData,
  hops: number,
  maxRedirects: number,
  tooMany: () => RodinError,
): string | undefined {
  const location = res.headers.location
  if (res.statusCode < 300 || res.statusCode >= 400 || typeof location !== 'string') return undefined
  discard(res.body)
  if (hops >= maxRedirects) throw tooMany()
  return location
}
