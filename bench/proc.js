// Runs a child process and measures its wall time and peak RSS. The optimizer runs in child processes of the
// build, so the peak is the highest sum of RSS over the whole process tree, sampled every 20 ms from /proc, or
// GNU time's ru_maxrss (the largest single process, exact even for a short final spike) when that is higher.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'

const GNU_TIME = '/usr/bin/time'
const HAVE_GNU_TIME = existsSync(GNU_TIME)

/**
 * `run(command, args, { cwd, env })` → `{ code, ms, cpuMs, peakMB, stdout, stderr }` (`cpuMs`: user + system
 * time, when GNU time is there). Never rejects for a non-zero exit: failures are data in a benchmark.
 */
export function run(command, args, { cwd, env, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const [file, argv] = HAVE_GNU_TIME ? [GNU_TIME, ['-f', '__PEAK_KB__=%M %U %S', command, ...args]] : [command, args]
    const started = performance.now()
    const child = spawn(file, argv, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let sampledKB = 0
    child.stdout.on('data', d => {
      stdout += d
    })
    child.stderr.on('data', d => {
      stderr += d
    })
    const sampler = setInterval(() => {
      sampledKB = Math.max(sampledKB, treeRssKB(child.pid))
    }, 20)
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', code => {
      const ms = performance.now() - started
      clearTimeout(timer)
      clearInterval(sampler)
      let peakKB = sampledKB
      let cpuMs
      const match = /__PEAK_KB__=(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr)
      if (match) {
        peakKB = Math.max(peakKB, Number(match[1]))
        cpuMs = (Number(match[2]) + Number(match[3])) * 1000
        stderr = stderr.slice(0, match.index)
      }
      resolve({ code, ms, cpuMs, peakMB: peakKB / 1024, stdout, stderr })
    })
  })
}

// RSS of a process and all its descendants (0 once it is gone, or where /proc is missing).
function treeRssKB(pid) {
  try {
    let kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const ids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
      for (const id of ids ? ids.split(' ') : []) kb += treeRssKB(Number(id))
    }
    return kb
  } catch {
    return 0
  }
}

export const peakMethod =
  'the highest sum of VmRSS over the process tree (sampled every 20 ms), or GNU time %M when higher'
