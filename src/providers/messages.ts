import { redact } from '../redact.js'

/** A JSON object body, or `undefined` for anything else (an HTML page, an empty 202, an array). */
export function objectBody(body: unknown): Record<string, unknown> | undefined {
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined
}

/**
 * What the server said, in one short line for an error message. Providers name the field differently
 * (ModelsLab's legacy `messege` typo, Getty's `ErrorMessage`, OAuth's `error_description`), and a server may
 * echo parts of our request, so the text is redacted before it is cut.
 */
export function serverMessage(body: unknown, max = 200): string {
  const o = objectBody(body)
  let text = ''
  if (o) {
    const first = (fields: string[]): string => {
      for (const field of fields) {
        const value = o[field]
        if (typeof value === 'string' && value.trim() !== '') return value
      }
      return ''
    }
    // A stable code (GenerationRequestGone, invalid_client) says as much as the prose: keep both.
    const code = first(['ErrorCode', 'error_code', 'error'])
    const prose = first(['message', 'messege', 'ErrorMessage', 'error_description', 'detail'])
    text = code && prose && !prose.includes(code) ? `${code}: ${prose}` : prose || code
  } else if (typeof body === 'string') {
    text = body
  }
  const line = redact(text).replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max)}…` : line
}

/** `: "what the server said"` or nothing, to append to a message. */
export function said(body: unknown): string {
  const text = serverMessage(body)
  return text ? `: "${text}"` : ''
}

/** Seconds (number or numeric string) as milliseconds; `undefined` when absent or not a number ≥ 0. */
export function secondsToMs(value: unknown): number | undefined {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : undefined
}

/** "80 ms", "12 s", "3 min": a wait budget as people read it. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`
  return `${Math.round(ms / 60_000)} min`
}
