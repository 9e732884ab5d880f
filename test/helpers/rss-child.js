// Runs a script (argv[2], with the arguments after it) in this process and, when the process exits, writes
// its peak resident set size in bytes to the file named by RSS_FILE: the larger of this process's own peak and
// the highest sum over it and its child processes (the optimizer's workers), sampled every 20 ms from /proc.
// A process killed by a signal writes nothing.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const [script, ...rest] = process.argv.slice(2)
process.argv = [process.argv[0], script, ...rest]
let treePeak = 0
const sampler = setInterval(() => {
  treePeak = Math.max(treePeak, treeRss(process.pid))
}, 20)
sampler.unref()
process.on('exit', () => {
  const own = process.resourceUsage().maxRSS * 1024
  if (process.env.RSS_FILE) writeFileSync(process.env.RSS_FILE, String(Math.max(own, treePeak)))
})
await import(pathToFileURL(script).href)

function treeRss(pid) {
  try {
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024
    let children = 0
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const ids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
      for (const child of ids ? ids.split(' ') : []) children += treeRss(Number(child))
    }
    return rss + children
  } catch {
    return 0 // gone between the listing and the read, or not Linux
  }
}
