import { isIP, isIPv4 } from 'node:net'
import { errors } from '../catalogue/index.js'
import { displayURL } from '../redact.js'
import type { FileHostPolicy } from './address-policy.js'
import { forbiddenAddressReason } from './address-policy.js'
import { contextDetails } from './failure.js'
import type { RequestContext } from './options.js'

/**
 * True for hosts that can only be this machine: `localhost`, 127.0.0.0/8 and `::1`. The WHATWG parser has
 * already folded numeric tricks (`http://2130706433/`, `0x7f.1`) into dotted IPv4 and lower-cased names.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  if (host === 'localhost') return true
  if (host === '[::1]' || host === '::1') return true
  return isIPv4(host) && host.startsWith('127.')
}

const FIX =
  'use an https:// URL; plain http:// is only allowed for loopback hosts such as 127.0.0.1 or localhost (the local emulator)'

/**
 * Accepts a URL we may connect to and returns it parsed, or throws `E_UNSAFE_URL` before any socket is
 * opened. Applied to base URLs, file URLs and every redirect hop: a server-provided URL must not point us at
 * local files, plain-text hosts or credentials embedded in the URL.
 */
export function assertSafeURL(url: string | URL, ctx: RequestContext & { what: string }): URL {
  const fail = (reason: string, shown: string, fix = FIX): never => {
    throw errors.E_UNSAFE_URL('refused', { ...contextDetails(ctx), what: ctx.what, url: shown, reason, fix })
  }
  let parsed: URL
  try {
    parsed = new URL(String(url))
  } catch {
    // Never echo a raw unparsable URL in full: it may still carry a signature.
    return fail(
      'it is not a valid absolute URL',
      JSON.stringify(displayURL(String(url).split(/[?#]/)[0] ?? '').slice(0, 80)),
      'check the configured base URL or report the provider response',
    )
  }
  const shown = displayURL(parsed)
  if (parsed.username !== '' || parsed.password !== '') {
    return fail(
      'it embeds credentials (user:password@)',
      shown,
      'remove the credentials from the URL; API keys belong in the provider apiKey option or its environment variable',
    )
  }
  if (parsed.protocol === 'https:') return parsed
  if (parsed.protocol === 'http:') {
    if (isLoopbackHost(parsed.hostname)) return parsed
    return fail(`plain http to ${parsed.hostname} is not encrypted`, shown)
  }
  return fail(`the ${parsed.protocol.replace(/:$/, '')}: scheme is not supported`, shown)
}

/** An unparsable Location is handed to assertSafeURL as is, which rejects it with a clear message. */
export function resolveLocation(location: string, from: URL): string {
  try {
    return new URL(location, from).href
  } catch {
    return location
  }
}

/**
 * The URL policy for file hosts and every redirect hop they answer with: {@link assertSafeURL}, plus no
 * downgrade from an https page to plain http, and no IP literal that {@link forbiddenAddressReason} refuses.
 * Names are judged again after DNS resolution by the file agent's guarded lookup.
 */
export function assertFileHostURL(
  url: string | URL,
  ctx: RequestContext & { what: string },
  policy: FileHostPolicy,
  from?: URL,
): URL {
  const parsed = assertSafeURL(url, ctx)
  const shown = displayURL(parsed)
  const fail = (reason: string, fix: string): never => {
    throw errors.E_UNSAFE_URL('refused', { ...contextDetails(ctx), what: ctx.what, url: shown, reason, fix })
  }
  if (from?.protocol === 'https:' && parsed.protocol === 'http:') {
    return fail(
      'a redirect from https to plain http is a downgrade',
      'the file host must keep every redirect on https; report the provider response',
    )
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host) !== 0) {
    const reason = forbiddenAddressReason(host, policy)
    if (reason) return fail(reason, NO_INTERNAL)
  } else if (host === 'localhost' && !policy.allowLoopback) {
    return fail('localhost is a loopback host', NO_INTERNAL)
  }
  return parsed
}

const NO_INTERNAL =
  'file hosts must be public; loopback is allowed only when the provider baseURL is itself loopback (the local emulator)'
