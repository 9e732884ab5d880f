import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import { errors } from '../catalogue/index.js'
import { displayURL } from '../redact.js'
import type { FileHostPolicy } from './address-policy.js'
import { sharedFileAgent, USER_AGENT } from './agents.js'
import { collect } from './body.js'
import { exchange } from './exchange.js'
import type { HttpInternals, HttpOptions, RequestContext } from './options.js'
import { resolveHttpOptions } from './options.js'
import { assertFileHostURL } from './url-policy.js'

export interface DownloadOptions {
  http?: HttpOptions
  /** `file` is the server-side file name, for messages only. */
  ctx: RequestContext & { file?: string }
  /** Where file hosts may live; `allowLoopback` only when the provider's base URL is loopback (the emulator). */
  policy: FileHostPolicy
  /** Size cap for this file; defaults to `http.maxBytes`. */
  maxBytes?: number
  signal?: AbortSignal
  /** @internal */
  internal?: HttpInternals
}

export interface DownloadResult {
  bytes: Uint8Array
  contentType?: string
  /** Where the bytes came from after redirects. It may carry a signature: never log or store it. */
  finalURL: string
}

export interface Downloaded<T> {
  value: T
  contentType?: string
  /** Where the bytes came from after redirects. It may carry a signature: never log or store it. */
  finalURL: string
}

// Signed-URL hosts answer these when the signature expired or was revoked; only fresh URLs help.
const EXPIRED = new Set([401, 403, 410])

/**
 * Fetches a (signed) file URL and hands its body, as a bounded stream, to `sink` (which must read it to the
 * end or throw; on a retry it is called again with a fresh body). Deliberately credential-free: no
 * credentials exist on this path at all, the shared file agent carries no headers, and every hop is
 * re-checked against the file-host policy. 401/403/410 are thrown at once (with `details.status`) so the
 * caller can ask for fresh URLs.
 */
export async function download<T>(
  url: string,
  opts: DownloadOptions,
  sink: (body: Readable) => Promise<T>,
): Promise<Downloaded<T>> {
  const http = resolveHttpOptions(opts.http)
  const ctx = opts.ctx
  const start = assertFileHostURL(url, { ...ctx, what: 'file URL' }, opts.policy)
  const dispatcher: Dispatcher = opts.internal?.dispatcher ?? sharedFileAgent(http, opts.policy)
  const fileName = ctx.file ? `file "${ctx.file}"` : 'file'
  const maxBytes = opts.maxBytes ?? http.maxBytes
  const res = await exchange({
    url: start,
    method: 'GET',
    headers: { 'user-agent': USER_AGENT, accept: '*/*', 'accept-encoding': 'identity' },
    target: { kind: 'file', policy: opts.policy },
    maxBytes,
    http,
    dispatcher,
    ctx,
    describe: (_method, at) => `download of ${fileName} from ${displayURL(at)}`,
    nextStep: 'the file host is unreachable or failing; run the build again later',
    redirectHint: 'the file host is misconfigured; raise http.maxRedirects only if the chain is legitimate',
    tooLargeHint: 'raise http.maxBytes if the file is legitimate',
    meaning: (status, said, what, details) =>
      errors.E_HTTP('fileStatus', { ...details, request: what, status, said, expired: EXPIRED.has(status) }),
    read: body => sink(body),
    signal: opts.signal,
    internal: opts.internal,
  })
  const type = res.headers['content-type']
  const contentType = Array.isArray(type) ? type[0] : type
  return { value: res.value, ...(contentType === undefined ? {} : { contentType }), finalURL: res.url.href }
}

/** {@link download} into memory, for small files and tests; the pipeline streams to the store instead. */
export async function downloadFile(url: string, opts: DownloadOptions): Promise<DownloadResult> {
  const { value, ...rest } = await download(url, opts, collect)
  return { bytes: value, ...rest }
}
