import type { EmulatorFault, FaultRoute } from './types.js'

const ROUTES: readonly FaultRoute[] = [
  'rodin.status',
  'rodin.download',
  'rodin.generate',
  'rodin.texture',
  'rodin.balance',
  'file',
  'modelslab.fetch',
  'getty.token',
  'getty.download',
]

const KINDS = new Set([
  'status',
  'rate-limit',
  'reset',
  'lost-answer',
  'reset-mid-body',
  'truncate',
  'hang',
  'stall',
  'delay',
  'empty-list',
  'partial-list',
  'expire',
  'corrupt',
  'odd-names',
  'redirect',
  'endless',
  'error-field',
  'different-bytes',
  'modelslab-error',
  'revoke-token',
])

/** Kinds that only make sense on one route; elsewhere they would silently never fire. */
const ONLY_ON: Record<string, FaultRoute> = { 'modelslab-error': 'modelslab.fetch', 'revoke-token': 'getty.download' }

interface Armed {
  fault: EmulatorFault
  /** Matching requests seen so far (counts toward `after`). */
  seen: number
  /** Requests this fault was applied to (counts toward `times`). */
  applied: number
}

export interface FaultTarget {
  route: FaultRoute
  task?: string
  file?: string
}

/** Throws a TypeError naming the problem, so a typo in a test script fails loudly instead of never firing. */
function checkFault(fault: EmulatorFault): void {
  if (!fault || typeof fault !== 'object') throw new TypeError('emulator fault: expected an object')
  if (!ROUTES.includes(fault.route))
    throw new TypeError(`emulator fault: unknown route ${JSON.stringify(fault.route)} (one of ${ROUTES.join(', ')})`)
  if (!KINDS.has(fault.kind)) throw new TypeError(`emulator fault: unknown kind ${JSON.stringify(fault.kind)}`)
  const count = (n: unknown, name: string): void => {
    if (n !== undefined && !(typeof n === 'number' && n >= 0 && (Number.isInteger(n) || n === Infinity)))
      throw new TypeError(`emulator fault: ${name} must be a whole number >= 0 (or Infinity)`)
  }
  count(fault.after, 'after')
  count(fault.times, 'times')
  if (fault.kind === 'status' && !(Number.isInteger(fault.status) && fault.status >= 100 && fault.status <= 599))
    throw new TypeError('emulator fault: status needs an HTTP status code')
  if (fault.kind === 'delay' && !(typeof fault.ms === 'number' && fault.ms >= 0))
    throw new TypeError('emulator fault: delay needs ms >= 0')
  if (fault.kind === 'odd-names' && !Array.isArray(fault.names))
    throw new TypeError('emulator fault: odd-names needs names: string[]')
  if (fault.kind === 'different-bytes' && !(fault.bytes instanceof Uint8Array))
    throw new TypeError('emulator fault: different-bytes needs bytes: Uint8Array')
  const only = ONLY_ON[fault.kind]
  if (only && fault.route !== only) throw new TypeError(`emulator fault: ${fault.kind} applies to route ${only} only`)
  if (fault.kind === 'modelslab-error') {
    if (fault.status !== undefined && !(Number.isInteger(fault.status) && fault.status >= 100 && fault.status <= 599))
      throw new TypeError('emulator fault: modelslab-error status must be an HTTP status code')
    if (fault.retryAfter !== undefined && !(typeof fault.retryAfter === 'number' && fault.retryAfter >= 0))
      throw new TypeError('emulator fault: modelslab-error retryAfter must be seconds >= 0')
  }
}

/**
 * The scripted faults of one emulator. Every fault counts every request it matches, so `after` means
 * "skip the first N matching requests" whatever other faults did to them; only the fault actually applied
 * uses up one of its `times`, so faults added one after another fire one after another.
 */
export class FaultBook {
  private readonly armed: Armed[] = []

  add(fault: EmulatorFault): void {
    checkFault(fault)
    this.armed.push({ fault, seen: 0, applied: 0 })
  }

  /** The fault to apply to this request, if any. Call exactly once per request. */
  take(target: FaultTarget): EmulatorFault | undefined {
    let chosen: Armed | undefined
    for (const a of this.armed) {
      if (!matches(a.fault, target)) continue
      const index = a.seen++
      if (chosen || index < (a.fault.after ?? 0) || a.applied >= (a.fault.times ?? 1)) continue
      chosen = a
    }
    if (chosen) chosen.applied++
    return chosen?.fault
  }
}

function matches(fault: EmulatorFault, target: FaultTarget): boolean {
  return (
    fault.route === target.route &&
    (fault.task === undefined || fault.task === target.task) &&
    (fault.file === undefined || fault.file === target.file)
  )
}
