// Preloaded into a child process (node --import): prints the peak resident set size when it exits.
process.on('exit', () => {
  process.stderr.write(`\nMAXRSS_KB=${process.resourceUsage().maxRSS}\n`)
})
