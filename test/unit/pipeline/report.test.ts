import { stripVTControlCharacters } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createReporter } from '../../../src/pipeline/report.js'

// Reporter unit tests: no mode or CI involved.
afterEach(() => {
  vi.restoreAllMocks()
})

describe('createReporter', () => {
  it("prints debug lines only at logLevel 'debug'", () => {
    const printed: string[] = []
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      printed.push(a.map(String).join(' '))
    })
    const debug = createReporter('debug').logger
    expect(debug.debug).toBeTypeOf('function')
    debug.debug!('model "fox": compressGeometry: meshopt')
    expect(printed).toHaveLength(1)
    expect(printed[0]).toMatch(/\[rodin\] debug:.* model "fox": compressGeometry: meshopt$/)
    // Without a debug function the pool is created without `debug`, so workers collect nothing.
    expect(createReporter('info').logger.debug).toBeUndefined()
    expect(createReporter('silent').logger.debug).toBeUndefined()
  })
})

describe('createReporter sinks', () => {
  it('sends every line to the sink it was given, and still hides info lines at silent', () => {
    const lines: string[] = []
    const sink = { info: (l: string) => lines.push(`info ${l}`), warn: (l: string) => lines.push(`warn ${l}`) }
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const info = createReporter('info')
    info.useSink(sink)
    info.logger.info('m01 hit')
    info.logger.warn('cold cache')
    const silent = createReporter('silent')
    silent.useSink(sink)
    silent.logger.info('not shown')
    silent.logger.warn('shown')
    expect(lines.map(l => stripVTControlCharacters(l))).toEqual([
      'info [rodin] m01 hit',
      'warn [rodin] warning: cold cache',
      'warn [rodin] warning: shown',
    ])
    expect(log).not.toHaveBeenCalled()
  })
})
