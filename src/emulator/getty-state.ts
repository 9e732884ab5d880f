import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import type { EmulatorGettyGeneration, EmulatorGettyImage } from './types.js'

export interface GettyGenerationState {
  id: string
  images: EmulatorGettyImage[]
  pendingPolls: number
  gone: boolean
  sizes: string[]
  requireProjectCode: boolean
  contentType?: string
}

/** One download request of one image: 202s still to answer, then `done` once a 200 was served. */
export interface DownloadState {
  remaining: number
  size: string
  done: boolean
}

const ID_RE = /^[A-Za-z0-9_-]{1,128}$/

/** Generations by id (case-insensitive, as GUIDs are), and the download requests made of their images. */
export class GettyGenerationStore {
  private readonly byId = new Map<string, GettyGenerationState>()
  private readonly downloads = new Map<string, DownloadState>()

  add(gen: EmulatorGettyGeneration): { id: string } {
    if (!gen || !Array.isArray(gen.images) || gen.images.length === 0)
      throw new TypeError('emulator getty generation: images must be a non-empty array')
    for (const f of gen.images) {
      if (typeof f?.name !== 'string' || !(f.bytes instanceof Uint8Array))
        throw new TypeError('emulator getty generation: every image needs a name and bytes (Uint8Array)')
    }
    if (gen.pendingPolls !== undefined && !(Number.isInteger(gen.pendingPolls) && gen.pendingPolls >= 0))
      throw new TypeError('emulator getty generation: pendingPolls must be a whole number >= 0')
    if (gen.id !== undefined && !(typeof gen.id === 'string' && ID_RE.test(gen.id)))
      throw new TypeError('emulator getty generation: id must be letters, digits, "_" or "-"')
    const id = gen.id ?? randomUUID().toUpperCase()
    this.byId.set(id.toLowerCase(), {
      id,
      images: gen.images.map(f => ({ ...f })),
      pendingPolls: gen.pendingPolls ?? 0,
      gone: gen.gone ?? false,
      sizes: gen.sizes ?? ['1k', '4k'],
      requireProjectCode: gen.requireProjectCode ?? false,
      ...(gen.contentType === undefined ? {} : { contentType: gen.contentType }),
    })
    for (const key of [...this.downloads.keys()]) if (key.startsWith(`${id.toLowerCase()}/`)) this.downloads.delete(key)
    return { id }
  }

  get(id: string): GettyGenerationState | undefined {
    return this.byId.get(id.toLowerCase())
  }

  download(gen: GettyGenerationState, index: number): DownloadState | undefined {
    return this.downloads.get(`${gen.id.toLowerCase()}/${index}`)
  }

  startDownload(gen: GettyGenerationState, index: number, size: string): DownloadState {
    const state: DownloadState = { remaining: Math.max(0, gen.pendingPolls - 1), size, done: gen.pendingPolls === 0 }
    this.downloads.set(`${gen.id.toLowerCase()}/${index}`, state)
    return state
  }
}

/** Issued OAuth tokens with their expiry. Only their count leaves this class. */
export class GettyTokenBook {
  private readonly tokens = new Map<string, number>()
  issued = 0

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): { access_token: string; token_type: 'Bearer'; expires_in: number } {
    const token = `emu-getty-${randomBytes(18).toString('base64url')}`
    this.tokens.set(token, this.now() + this.ttlSeconds * 1000)
    this.issued++
    return { access_token: token, token_type: 'Bearer', expires_in: this.ttlSeconds }
  }

  /** True for a `Bearer <token>` header naming a live token. */
  valid(header: string | undefined): boolean {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1]
    const expires = token === undefined ? undefined : this.tokens.get(token)
    return expires !== undefined && this.now() < expires
  }

  revokeAll(): void {
    this.tokens.clear()
  }
}

export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
