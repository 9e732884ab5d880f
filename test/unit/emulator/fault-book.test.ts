import { describe, expect, it } from 'vitest'
import { FaultBook } from '../../../src/emulator/faults.js'
import type { EmulatorFault } from '../../../src/emulator/index.js'

const file = { route: 'file' as const, task: 't1', file: 'a.glb' }

function kinds(book: FaultBook, target: Parameters<FaultBook['take']>[0], n: number): (string | undefined)[] {
  return Array.from({ length: n }, () => book.take(target)?.kind)
}

describe('emulator: fault matching', () => {
  it('applies once by default', () => {
    const book = new FaultBook()
    book.add({ route: 'file', kind: 'reset' })
    expect(kinds(book, file, 3)).toEqual(['reset', undefined, undefined])
  })

  it('skips the first `after` matches and applies to the next `times`', () => {
    const book = new FaultBook()
    book.add({ route: 'file', kind: 'corrupt', after: 2, times: 2 })
    expect(kinds(book, file, 6)).toEqual([undefined, undefined, 'corrupt', 'corrupt', undefined, undefined])
  })

  it('allows times: Infinity', () => {
    const book = new FaultBook()
    book.add({ route: 'rodin.status', kind: 'rate-limit', times: Infinity })
    expect(kinds(book, { route: 'rodin.status' }, 50).every(k => k === 'rate-limit')).toBe(true)
  })

  it('matches on route, task and file', () => {
    const book = new FaultBook()
    book.add({ route: 'file', task: 't1', file: 'b.glb', kind: 'expire', times: Infinity })
    book.add({ route: 'rodin.download', task: 't2', kind: 'empty-list', times: Infinity })
    expect(book.take(file)).toBeUndefined()
    expect(book.take({ ...file, file: 'b.glb' })?.kind).toBe('expire')
    expect(book.take({ ...file, task: 't9', file: 'b.glb' })).toBeUndefined()
    expect(book.take({ route: 'rodin.download', task: 't1' })).toBeUndefined()
    expect(book.take({ route: 'rodin.download', task: 't2' })?.kind).toBe('empty-list')
    expect(book.take({ route: 'rodin.download' })).toBeUndefined()
  })

  it('fires faults added one after another in turn, first added first', () => {
    const book = new FaultBook()
    book.add({ route: 'file', kind: 'reset' })
    book.add({ route: 'file', kind: 'truncate', times: 2 })
    book.add({ route: 'file', kind: 'corrupt' })
    expect(kinds(book, file, 5)).toEqual(['reset', 'truncate', 'truncate', 'corrupt', undefined])
  })

  it('counts `after` over all matching requests, whatever another fault did to them', () => {
    const book = new FaultBook()
    book.add({ route: 'file', kind: 'reset', times: 2 })
    book.add({ route: 'file', kind: 'expire', after: 1 })
    expect(kinds(book, file, 4)).toEqual(['reset', 'reset', 'expire', undefined])
  })

  it('rejects malformed faults loudly', () => {
    const book = new FaultBook()
    const bad = [
      { route: 'files', kind: 'reset' },
      { route: 'file', kind: 'explode' },
      { route: 'file', kind: 'reset', times: -1 },
      { route: 'file', kind: 'reset', after: 1.5 },
      { route: 'file', kind: 'status', status: 99 },
      { route: 'file', kind: 'delay' },
      { route: 'file', kind: 'odd-names' },
      { route: 'file', kind: 'different-bytes', bytes: 'abc' },
    ]
    for (const f of bad) expect(() => book.add(f as unknown as EmulatorFault), JSON.stringify(f)).toThrow(TypeError)
  })
})
