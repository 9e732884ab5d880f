/** A byte count as people read it in a log line or a table: `512 B`, `12.3 kB`, `4.56 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`
  return `${(n / 1024 ** 2).toFixed(2)} MB`
}
