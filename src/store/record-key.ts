import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { link, lstat, mkdir, open, readFile, unlink } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * The secret that authenticates the store's own index records. It lives outside the cache directory (in
 * the user's config folder), so a cache restored from elsewhere (a CI cache, a tarball, a shared volume)
 * carries records this key did not sign, and those are ignored. `RODIN_STATE_DIR` overrides the folder.
 */
export function recordKeyDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RODIN_STATE_DIR) return env.RODIN_STATE_DIR
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'unplugin-rodin')
}

const KEY_FILE = 'record-key'
const KEY_RE = /^[0-9a-f]{64}$/

/**
 * Reads the key, creating it (0600, in a 0700 folder) on first use. Two processes creating it at once
 * agree: the file appears whole via link(), and the loser reads the winner's. When the folder cannot be
 * written, the key lives in memory only: this process then trusts just the records it writes itself.
 */
export async function loadRecordKey(dir: string): Promise<Buffer> {
  const path = join(dir, KEY_FILE)
  const existing = await readKey(path)
  if (existing) return existing
  const key = randomBytes(32)
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const tmp = join(dir, `.${KEY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
    const fh = await open(tmp, 'wx', 0o600)
    try {
      await fh.writeFile(`${key.toString('hex')}\n`)
      await fh.sync()
    } finally {
      await fh.close()
    }
    try {
      await link(tmp, path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    } finally {
      await unlink(tmp).catch(() => {})
    }
    return (await readKey(path)) ?? key
  } catch {
    return key
  }
}

async function readKey(path: string): Promise<Buffer | null> {
  const st = await lstat(path).catch(() => null)
  if (!st?.isFile()) return null // a link could point at a file somebody else controls
  const text = (await readFile(path, 'utf8').catch(() => '')).trim()
  return KEY_RE.test(text) ? Buffer.from(text, 'hex') : null
}

/** The MAC of a record: bound to its kind and key, so a signed record cannot be moved to another name. */
export function recordMac(key: Buffer, kind: string, name: string, value: unknown): string {
  return createHmac('sha256', key)
    .update(`${kind}\n${name}\n${canonical(value)}`)
    .digest('hex')
}

export function macMatches(expected: string, actual: unknown): boolean {
  if (typeof actual !== 'string' || !KEY_RE.test(actual)) return false
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(actual, 'hex'))
}

/** JSON with sorted keys: the MAC must not depend on key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map(k => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(value) ?? 'null'
}
