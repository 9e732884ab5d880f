/**
 * One place that scrubs secrets from every string that leaves the process: error messages, log lines,
 * request logs. Keys are registered when options are resolved, so even a key that ends up inside a URL
 * or a server's echo of our request is replaced.
 */
const secrets = new Set<string>()

/** Remembers a secret so that {@link redact} replaces it from now on. Short strings are ignored (too many false hits). */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 6) secrets.add(secret)
}

const PATTERNS: [RegExp, string][] = [
  [/(authorization\s*[:=]\s*)(bearer\s+)?[^\s,;"']+/gi, '$1$2[redacted]'],
  [/(bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi, '$1[redacted]'],
  [/(api[-_]?key\s*[:=]\s*"?)[^\s,;"'&]+/gi, '$1[redacted]'],
  [/([?&](?:key|api_key|apikey|token|access_token|client_secret|subscription_key)=)[^&#\s"']+/gi, '$1[redacted]'],
  [
    /("(?:key|api_key|apiKey|client_secret|access_token|subscription_key|subscriptionKey)"\s*:\s*")[^"]*"/g,
    '$1[redacted]"',
  ],
]

/** Returns `text` with every registered secret and every credential-shaped substring replaced by `[redacted]`. */
export function redact(text: string): string {
  let out = text
  for (const secret of secrets) out = out.split(secret).join('[redacted]')
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement)
  return out
}

/** Removes the query string and fragment of a URL for display: signed URLs carry credentials there. */
export function displayURL(url: string | URL): string {
  try {
    const u = new URL(String(url))
    // `origin` is "null" for schemes without one (file:, data:, s3:): show the scheme and host instead.
    if (u.origin !== 'null') return redact(`${u.origin}${u.pathname}`)
    const slashes = u.host || u.protocol === 'file:' ? '//' : ''
    return redact(`${u.protocol}${slashes}${u.host}${u.pathname}`).slice(0, 200)
  } catch {
    return redact(String(url)).slice(0, 200)
  }
}
