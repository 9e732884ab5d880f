import type { Readable } from 'node:stream'
import { pipeline, Transform } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import type { Dispatcher } from 'undici'
import { causeError } from '../catalogue/index.js'

type Body = Dispatcher.ResponseData['body']

export interface ReadLimits {
  /** Largest accepted body; one byte more and `tooLarge` is thrown. */
  maxBytes: number
  /** No byte for this long destroys the body with an `E_STALL` error. */
  stallTimeoutMs: number
  /** Builds the (final) error for an oversized body; `bytes` is what was seen so far. */
  tooLarge: (bytes: number) => Error
  /** The `Content-Length` announced; a body that ends at another count fails with `cutShort`. */
  declared?: number
  cutShort: (bytes: number, declared: number) => Error
  /** `Content-Encoding` of the response. */
  encoding: string | string[] | undefined
}

/** The declared length, or `undefined` when absent or malformed (then only our own count matters). */
export function contentLength(headers: Record<string, string | string[] | undefined>): number | undefined {
  const value = headers['content-length']
  if (typeof value !== 'string' || !/^\d+$/.test(value.trim())) return undefined
  const n = Number(value.trim())
  return Number.isSafeInteger(n) ? n : undefined
}

/** Frees the connection of a response we will not read (undici stalls the socket otherwise). */
export function discard(body: Body): void {
  // dump() reads a bounded amount and then destroys; errors here are irrelevant to the caller.
  body.dump({ limit: 64 * 1024 }).catch(() => {})
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

function counter(
  max: number,
  tooLarge: (bytes: number) => Error,
  onChunk?: (bytes: number) => void,
  declared?: number,
  cutShort?: ReadLimits['cutShort'],
): Transform {
  let total = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.byteLength
      onChunk?.(chunk.byteLength)
      if (total > max) return callback(tooLarge(total))
      callback(null, chunk)
    },
    flush(callback) {
      if (declared !== undefined && cutShort && total !== declared) return callback(cutShort(total, declared))
      callback()
    },
  })
}

/**
 * The body as a stream that never holds more than a chunk: bytes are counted by us (undici's own checks
 * depend on the protocol, a lying Content-Length is not a cap, and its bodyTimeout is silent under
 * back-pressure), a watchdog restarts on every chunk, and one layer of `Content-Encoding` is undone with the
 * decoded size capped too (we ask for identity, but some servers compress anyway). Stacked or unknown
 * encodings are refused rather than guessed at (CVE-2026-22036 was an unbounded `gzip, gzip, …` chain).
 * Any failure destroys the response, which releases its socket.
 */
export function boundedBody(body: Body, limits: ReadLimits): Readable {
  const value = (Array.isArray(limits.encoding) ? limits.encoding.join(',') : (limits.encoding ?? ''))
    .trim()
    .toLowerCase()
  const decoder =
    value === '' || value === 'identity'
      ? undefined
      : value === 'gzip' || value === 'x-gzip'
        ? createGunzip()
        : value === 'deflate'
          ? createInflate()
          : value === 'br'
            ? createBrotliDecompress()
            : null
  if (decoder === null) {
    body.destroy()
    throw causeError(`unsupported content-encoding "${value.slice(0, 40)}"`, 'E_ENCODING')
  }
  let timer: NodeJS.Timeout | undefined
  let seen = 0
  const arm = (): void => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      const err = causeError(`no data for ${limits.stallTimeoutMs} ms after ${seen} bytes`, 'E_STALL')
      body.destroy(err)
    }, limits.stallTimeoutMs)
    timer.unref()
  }
  arm()
  const raw = counter(
    limits.maxBytes,
    limits.tooLarge,
    n => {
      seen += n
      arm()
    },
    limits.declared,
    limits.cutShort,
  )
  const stages: NodeJS.ReadWriteStream[] = decoder ? [raw, decoder, counter(limits.maxBytes, limits.tooLarge)] : [raw]
  // pipeline() destroys every stage (the response included) with the first error, which the last stage emits.
  const out = (pipeline as unknown as (...args: unknown[]) => Readable)(body, ...stages, () => clearTimeout(timer))
  return out
}

/** Reads a bounded stream into memory (API answers only; files go to disk). */
export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
