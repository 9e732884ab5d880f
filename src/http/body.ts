import buffer from 'node:buffer'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import type { Dispatcher } from 'undici'

type Body = Dispatcher.ResponseData['body']

export interface ReadLimits {
  /** Largest accepted body; one byte more and `tooLarge` is thrown. */
  maxBytes: number
  /** No byte for this long destroys the body with an `E_STALL` error. */
  stallTimeoutMs: number
  /** Builds the (final) error for an oversized body; `bytes` is what was seen so far. */
  tooLarge: (bytes: number) => Error
}

/** The declared length, or `undefined` when absent or malformed (then only our own count matters). */
export function contentLength(headers: Record<string, string | string[] | undefined>): number | undefined {
  const value = headers['content-length']
  if (typeof value !== 'string' || !/^\d+$/.test(value.trim())) return undefined
  const n = Number(value.trim())
  return Number.isSafeInteger(n) ? n : undefined
}

/**
 * Reads a whole body into memory, counting bytes ourselves: undici's own checks depend on the protocol
 * (HTTP/2 ignores maxResponseSize in older versions), a lying Content-Length is not a cap, and its
 * bodyTimeout is silent under back-pressure. Our watchdog restarts on every chunk.
 */
export async function readBody(body: Body, limits: ReadLimits): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  let timer: NodeJS.Timeout | undefined
  const arm = (): void => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      const err = Object.assign(new Error(`no data for ${limits.stallTimeoutMs} ms after ${total} bytes`), {
        code: 'E_STALL',
      })
      body.destroy(err)
    }, limits.stallTimeoutMs)
    timer.unref()
  }
  try {
    arm()
    for await (const chunk of body) {
      const buf = chunk as Buffer
      total += buf.byteLength
      if (total > limits.maxBytes) {
        body.destroy()
        throw limits.tooLarge(total)
      }
      chunks.push(buf)
      arm()
    }
  } finally {
    clearTimeout(timer)
  }
  return Buffer.concat(chunks, total)
}

/** Frees the connection of a response we will not read (undici stalls the socket otherwise). */
export function discard(body: Body): void {
  // dump() reads a bounded amount and then destroys; errors here are irrelevant to the caller.
  body.dump({ limit: 64 * 1024 }).catch(() => {})
}

/**
 * Undoes one layer of `Content-Encoding` (we ask for identity, but some servers compress anyway), with the
 * output capped so a small compressed body cannot expand into gigabytes. Stacked or unknown encodings are
 * refused rather than guessed at (CVE-2026-22036 was an unbounded `gzip, gzip, …` chain).
 */
export function decodeContent(
  buf: Buffer,
  encoding: string | string[] | undefined,
  maxBytes: number,
  tooLarge: (bytes: number) => Error,
): Buffer {
  const value = (Array.isArray(encoding) ? encoding.join(',') : (encoding ?? '')).trim().toLowerCase()
  if (value === '' || value === 'identity') return buf
  const opts = { maxOutputLength: Math.min(maxBytes + 1, buffer.constants.MAX_LENGTH) }
  let out: Buffer
  try {
    if (value === 'gzip' || value === 'x-gzip') out = gunzipSync(buf, opts)
    else if (value === 'deflate') out = inflateSync(buf, opts)
    else if (value === 'br') out = brotliDecompressSync(buf, opts)
    else throw Object.assign(new Error(`unsupported content-encoding "${value.slice(0, 40)}"`), { code: 'E_ENCODING' })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes + 1)
    throw err
  }
  if (out.byteLength > maxBytes) throw tooLarge(out.byteLength)
  return out
}

/** Up to `max` bytes of an error response, for the message; never throws, always releases the socket. */
export async function readExcerpt(body: Body, max = 4096): Promise<string> {
  const chunks: Buffer[] = []
  let total = 0
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer)
      total += (chunk as Buffer).byteLength
      if (total >= max) break
    }
  } catch {
    // The excerpt is a courtesy; the status already tells what happened.
  } finally {
    if (!body.destroyed) body.destroy()
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks).subarray(0, max))
}
