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
