// Runs a child process and measures its wall time and peak RSS. Peak RSS comes from GNU time (the kernel's
// ru_maxrss for the child, worker threads included, since they share the process); where /usr/bin/time
// is missing, /proc/<pid>/status VmHWM is sampled instead (which can miss a short final spike).
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'

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
    const sampler = HAVE_GNU_TIME
      ? undefined
      : setInterval(() => {
          sampledKB = Math.max(sampledKB, vmHwmKB(child.pid))
        }, 20)
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', code => {
      const ms = performance.now() - started
      clearTimeout(timer)
      if (sampler) clearInterval(sampler)
      let peakKB = sampledKB
      let cpuMs
      const match = /__PEAK_KB__=(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr)
      if (match) {
        peakKB = Number(match[1])
        cpuMs = (Number(match[2]) + Number(match[3])) * 1000
        stderr = stderr.slice(0, match.index)
      }
      resolve({ code, ms, cpuMs, peakMB: peakKB / 1024, stdout, stderr })
    })
  })
}

function vmHwmKB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

export const peakMethod = HAVE_GNU_TIME
  ? 'GNU time %M (ru_maxrss of the child process, threads included)'
  : '/proc/<pid>/status VmHWM, sampled every 20 ms'
