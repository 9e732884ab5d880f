// Runs a script (argv[2], with the arguments after it) in this process and, when the process exits, writes
// its peak resident set size in bytes to the file named by RSS_FILE. Worker threads share the process, so
// their memory counts too. A process killed by a signal writes nothing.
import { writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const [script, ...rest] = process.argv.slice(2)
process.argv = [process.argv[0], script, ...rest]
process.on('exit', () => {
  if (process.env.RSS_FILE) writeFileSync(process.env.RSS_FILE, String(process.resourceUsage().maxRSS * 1024))
})
await import(pathToFileURL(script).href)
