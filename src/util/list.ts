/**
 * `"a", "b" and 9980 more`: a one-line message names the first `max` items of a long list and counts the
 * rest, so 10,000 missing assets give one readable line rather than 250 kB.
 */
export function listSome(items: readonly string[], max = 20): string {
  if (items.length <= max) return items.join(', ')
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`
}
