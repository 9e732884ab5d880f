/**
 * The error catalogue: one constructor per code, and every message of unplugin-rodin. Callers pass
 * structured details (asset, provider, task, status, the configured file paths…); the catalogue writes the
 * words, so a wording change is one diff here and one in its snapshot.
 */
import { RodinError, type RodinErrorCode } from '../errors.js'
import { E_AUTH, E_HTTP, E_TIMEOUT, E_TOO_LARGE, E_UNSAFE_URL } from './network.js'
import { E_CONFIG } from './config.js'
import { E_INTEGRITY, E_LOCK_MISSING, E_OFFLINE_MISS, E_REMOTE } from './cache.js'
import { E_BAD_FILE, E_BAD_GLB, E_BUDGET, E_OPTIMIZE } from './model.js'
import {
  E_NO_FILE,
  E_NOT_GENERATED,
  E_NOT_IN_MANIFEST,
  E_REFUSED,
  E_SUBMIT_LOST,
  E_TASK_FAILED,
  E_TASK_PENDING,
} from './tasks.js'
import type { Constructor, Templates } from './define.js'

export const errors = {
  E_CONFIG,
  E_AUTH,
  E_HTTP,
  E_TIMEOUT,
  E_TOO_LARGE,
  E_UNSAFE_URL,
  E_INTEGRITY,
  E_OFFLINE_MISS,
  E_LOCK_MISSING,
  E_TASK_FAILED,
  E_TASK_PENDING,
  E_NO_FILE,
  E_NOT_IN_MANIFEST,
  E_BAD_GLB,
  E_OPTIMIZE,
  E_NOT_GENERATED,
  E_REFUSED,
  E_SUBMIT_LOST,
  E_BAD_FILE,
  E_REMOTE,
  E_BUDGET,
} satisfies Record<RodinErrorCode, Constructor<Templates>>

/**
 * A catalogue error that crossed a boundary as plain data (an optimizer worker's `{ code, message }`): its words
 * were written by the catalogue on the other side, so only a subject is put in front.
 */
export function relayed(code: RodinErrorCode, message: string, subject?: string): RodinError {
  return new RodinError(code, subject ? `${subject}: ${message}` : message)
}

/**
 * The last line of a command that failed on several items, each already reported: it carries the code of the
 * first failure, so scripts that match on `err.code` see the kind of problem.
 */
export function failedSummary(code: RodinErrorCode, failed: number, total: number, items: string): RodinError {
  return new RodinError(code, `${failed} of ${total} ${items} failed (see above)`)
}

/**
 * Plain errors that are never shown as they are: they are the `cause` of a catalogue error, or carry a
 * system-style `code` that the HTTP layer maps (e.g. `E_STALL`, `E_ENCODING`).
 */
export function causeError(message: string, code?: string): Error & { code?: string } {
  const err: Error & { code?: string } = new Error(message)
  if (code !== undefined) err.code = code
  return err
}

export { configuredFiles } from './define.js'
export type { Text } from './define.js'
