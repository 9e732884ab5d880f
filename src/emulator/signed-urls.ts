import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Signed file URLs in the shape of presigned object-store links: `/files/rodin/<token>/<name>`, where the
 * token carries the task, the expiry and an HMAC over (task, name, expiry, alias flag). Nothing is stored,
 * so a URL stays valid across `/download` calls until it expires, like the real ones.
 */
export interface SignedFile {
  task: string
  name: string
  /** Expiry, ms since the epoch. */
  expires: number
  /** The name is an alias issued by the odd-names fault: serve the task's first file. */
  alias: boolean
}

export class UrlSigner {
  private readonly secret = randomBytes(32)
  /** `http://127.0.0.1:PORT`, set once the server listens. */
  origin = ''

  constructor(
    private readonly ttlMs: number,
    readonly now: () => number = Date.now,
  ) {}

  url(task: string, name: string, alias = false): string {
    const expires = this.now() + this.ttlMs
    const head = `${Buffer.from(task).toString('base64url')}.${expires.toString(36)}.${alias ? 'a' : 'f'}`
    return `${this.origin}/files/rodin/${head}.${this.sign(task, name, expires, alias)}/${encodeURIComponent(name)}`
  }

  /** Reads a token; undefined when it is malformed or its signature does not match the name. */
  verify(token: string, name: string): SignedFile | undefined {
    const [taskPart, expPart, flag, sig, ...rest] = token.split('.')
    if (!taskPart || !expPart || (flag !== 'a' && flag !== 'f') || !sig || rest.length) return undefined
    const task = Buffer.from(taskPart, 'base64url').toString('utf8')
    const expires = Number.parseInt(expPart, 36)
    if (!Number.isSafeInteger(expires)) return undefined
    const expected = Buffer.from(this.sign(task, name, expires, flag === 'a'))
    const given = Buffer.from(sig)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    return { task, name, expires, alias: flag === 'a' }
  }

  /** The task named by a token, even an expired or forged one (for the request log and fault matching). */
  peekTask(token: string): string | undefined {
    const taskPart = token.split('.')[0]
    const task = taskPart ? Buffer.from(taskPart, 'base64url').toString('utf8') : ''
    // A mangled token decodes to noise; keep that out of the log rather than record a bogus task.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse control characters
    return /^[^\u0000-\u001f\u007f]+$/.test(task) && Buffer.from(task).toString('base64url') === taskPart
      ? task
      : undefined
  }

  private sign(task: string, name: string, expires: number, alias: boolean): string {
    return createHmac('sha256', this.secret)
      .update(JSON.stringify([task, name, expires, alias]))
      .digest('base64url')
      .slice(0, 32)
  }
}
