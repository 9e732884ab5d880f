import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** A complete answer, built before anything is written so faults can mangle how it is delivered. */
export interface Reply {
  status: number
  headers: Record<string, string>
  body: Uint8Array
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(value)),
  }
}

/** The error document S3-style object stores send for denied, expired or missing objects. */
export function s3ErrorReply(status: number, code: string, message: string, extra: Record<string, string> = {}): Reply {
  const fields = Object.entries({
    Code: code,
    Message: message,
    ...extra,
    RequestId: randomBytes(8).toString('hex').toUpperCase(),
  })
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join('')
  return {
    status,
    headers: { 'content-type': 'application/xml' },
    body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}</Error>`),
  }
}

export function redirectReply(location: string): Reply {
  return {
    status: 302,
    headers: { location, 'content-type': 'text/plain' },
    body: Buffer.from(`Found. Redirecting to ${location}`),
  }
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, c => `&#${c.charCodeAt(0)};`)
}

const TYPES: Record<string, string> = {
  glb: 'model/gltf-binary',
  gltf: 'model/gltf+json',
  bin: 'application/octet-stream',
  webp: 'image/webp',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  usdz: 'model/vnd.usdz+zip',
  fbx: 'application/octet-stream',
  obj: 'model/obj',
  mtl: 'model/mtl',
  stl: 'model/stl',
  zip: 'application/zip',
  json: 'application/json',
}

export function contentTypeFor(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase()
  return (ext && TYPES[ext]) || 'application/octet-stream'
}

// Generation requests carry up to 5 images, or a model of up to 10 MB (`/rodin_texture_only`).
const MAX_BODY = 32 << 20

/** Reads a request body; a body over 32 MiB is cut off (no real client of these APIs sends one). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) break
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * Parses a JSON object or an `application/x-www-form-urlencoded` body (the vendor's Python client sends
 * forms). Returns undefined for anything else.
 */
export function parseFields(body: Buffer, contentType: string | undefined): Record<string, unknown> | undefined {
  const text = body.toString('utf8')
  if (contentType?.toLowerCase().includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text))
  try {
    const value: unknown = JSON.parse(text)
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
