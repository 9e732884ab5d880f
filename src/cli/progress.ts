import type { CliIO } from './context.js'

export interface Progress {
  done: (alias: string, what: string) => void
  stop: () => void
}

/**
 * A progress bar on a TTY (cli-progress), plain "[3/12] alias fetched" lines otherwise, so CI logs stay
 * readable.
 */
export async function createProgress(io: CliIO, total: number): Promise<Progress> {
  let finished = 0
  if (!io.isTTY) {
    return {
      done(alias, what) {
        finished++
        io.out(`[${finished}/${total}] ${alias} ${what}`)
      },
      stop() {},
    }
  }
  const { SingleBar, Presets } = (await import('cli-progress')).default
  const bar = new SingleBar(
    { format: '{bar} {value}/{total} {last}', hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  )
  bar.start(total, 0, { last: '' })
  return {
    done(alias, what) {
      bar.increment({ last: `${alias} ${what}` })
    },
    stop() {
      bar.stop()
    },
  }
}
