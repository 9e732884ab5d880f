import { resolve } from 'node:path'
import { resolveOptions } from '../options.js'
import type { Mode, RodinOptions } from '../options.js'
import { Pipeline } from '../pipeline/pipeline.js'
import type { PipelineLogger } from '../pipeline/pipeline.js'

/** Flags every command shares; each maps onto a plugin option of the same meaning and default. */
export interface GlobalFlags {
  root?: string
  manifest?: string
  lockfile?: string | false
  cacheDir?: string
  mode?: Mode
  concurrency?: number
}

export interface CliIO {
  out: (line: string) => void
  err: (line: string) => void
  isTTY: boolean
}

export function createPipeline(flags: GlobalFlags, io: CliIO, overrides: Partial<RodinOptions> = {}): Pipeline {
  const root = resolve(flags.root ?? process.cwd())
  const options = resolveOptions(
    {
      manifest: flags.manifest,
      lockfile: flags.lockfile,
      cacheDir: flags.cacheDir,
      mode: flags.mode,
      concurrency: flags.concurrency,
      ...overrides,
    },
    root,
  )
  const log: PipelineLogger = { info: io.out, warn: m => io.err(`warning: ${m}`) }
  return new Pipeline(options, log)
}

/** Renders rows as an aligned plain-text table (no colours: it may go to a CI log). */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [line(head), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n')
}
