import pc from 'picocolors'
import { formatBytes } from '../util/format.js'
import type { AssetRecord, PipelineLogger } from './pipeline.js'

/** Where the reporter's lines go: the console, or the bundler's logger (which applies its own log level). */
export interface ReportSink {
  info(line: string): void
  warn(line: string): void
}

const CONSOLE: ReportSink = { info: line => console.log(line), warn: line => console.warn(line) }

/** One line per asset (source → emitted bytes, time, hit/miss) and a summary at the end of the build. */
export function createReporter(level: 'debug' | 'info' | 'silent') {
  let records: AssetRecord[] = []
  let sink = CONSOLE
  const logger: PipelineLogger = {
    info: m => {
      if (level !== 'silent') sink.info(`${pc.cyan('[rodin]')} ${m}`)
    },
    warn: m => sink.warn(`${pc.yellow('[rodin] warning:')} ${m}`),
    debug: level === 'debug' ? m => sink.info(`${pc.dim('[rodin] debug:')} ${m}`) : undefined,
  }
  return {
    logger,
    /** Sends every later line to `to` instead of the console. */
    useSink(to: ReportSink) {
      sink = to
    },
    reset() {
      records = []
    },
    asset(r: AssetRecord) {
      records.push(r)
      logger.info(formatAssetLine(r))
    },
    summary() {
      if (records.length === 0) return
      const hits = records.filter(r => r.hit).length
      const src = records.reduce((a, r) => a + (r.files[r.primary]?.bytes ?? 0), 0)
      const out = records.reduce((a, r) => a + (r.optimized?.file.bytes ?? r.files[r.primary]?.bytes ?? 0), 0)
      logger.info(
        `${records.length} asset(s): ${hits} cache hit(s), ${records.length - hits} miss(es); ${formatBytes(src)} → ${formatBytes(out)}`,
      )
    },
  }
}

function formatAssetLine(r: AssetRecord): string {
  const src = r.files[r.primary]?.bytes ?? 0
  const out = r.optimized?.file.bytes ?? src
  const pct = src > 0 ? ` (${Math.round((out / src) * 100)}%)` : ''
  return `${r.entry.alias.padEnd(20)} ${formatBytes(src).padStart(9)} → ${formatBytes(out).padStart(9)}${pct}  ${(r.ms / 1000).toFixed(2)} s  ${r.hit ? pc.green('hit') : pc.yellow('miss')}`
}
