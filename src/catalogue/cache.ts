import { define, type Who, who } from './define.js'

const lockfileOf = (d: { lockfile?: string }): string => d.lockfile ?? 'the lockfile'
const acceptChange = (asset: string) => `If the change is expected, run "rodin-assets lock --update ${asset}".`

/** `E_INTEGRITY`: bytes that do not match the lockfile or their own content address. */
export const E_INTEGRITY = define('E_INTEGRITY', {
  sourceMismatch: (
    d: Who & { file: string; lockfile?: string; expected: string; bytes: number; actual: string; actualBytes: number },
  ) => ({
    message: `${d.file} of ${who(d)} does not match ${lockfileOf(d)}: expected sha256 ${d.expected} (${d.bytes} bytes), got ${d.actual} (${d.actualBytes} bytes). Nothing was stored or emitted.`,
    hint: acceptChange(d.asset),
  }),
  outputMismatch: (d: Who & { lockfile?: string; expected: string; actual: string }) => ({
    message: `the optimized output of asset "${d.asset}" does not match ${lockfileOf(d)}: expected sha256 ${d.expected}, got ${d.actual}. Nothing was emitted.`,
    hint: acceptChange(d.asset),
  }),
  lodMismatch: (d: Who & { level: number; lockfile?: string; expected: string; actual: string }) => ({
    message: `LOD level ${d.level} of asset "${d.asset}" does not match ${lockfileOf(d)}: expected sha256 ${d.expected}, got ${d.actual}. Nothing was emitted.`,
    hint: acceptChange(d.asset),
  }),
  unreadable: (d: Who & { file: string; cacheDir: string }) =>
    `${d.file} of asset "${d.asset}" was downloaded but cannot be read back from the cache ${d.cacheDir}. Check that the cache directory is writable and not shared with a process that deletes it.`,
  outputUnstable: (d: Who & { expected: string; actual: string }) =>
    `the optimized output of asset "${d.asset}" was lost from the cache and recomputing it gave other bytes (expected ${d.expected}, got ${d.actual}). Delete the cache directory and build again.`,
  damagedEntry: (d: { file: string; expected: string; cacheDir: string }) =>
    `cache entry ${d.expected.slice(0, 12)}… for ${d.file} is damaged and could not be recovered. Delete ${d.cacheDir} and build again.`,
  hostFile: (d: { file: string; expected?: string }) =>
    `cache file ${d.file} ${d.expected ? 'does not match its hash (it changed after it was written)' : 'was not produced by this build'}. Delete the cache directory and build again.`,
  remoteBlob: (d: {
    remote: string
    file: string
    what: string
    expected: string
    bytes: number
    actual?: string
    actualBytes: string
  }) => ({
    message: `the team store ${d.remote} holds ${d.file} for ${d.what}, but its bytes do not match the pin (expected sha256 ${d.expected}, ${d.bytes} bytes; got ${d.actual ?? 'a longer object'}, ${d.actualBytes} bytes). It was not used.`,
    hint: 'Delete that object from the remote, then run "rodin-assets push" from a machine whose cache verifies ("rodin-assets verify").',
  }),
  remoteSize: (d: { file: string; size: number; bytes: number }) =>
    `the team store holds ${d.file} with ${d.size} bytes instead of ${d.bytes}; it is never overwritten: delete that object, then push again`,
  notDigest: (d: { got: string }) => `not a sha256 hex digest: ${JSON.stringify(d.got)}`,
  verifyFailed: (d: { bad: number; lockfile?: string }) =>
    `${d.bad} cache entr${d.bad === 1 ? 'y does' : 'ies do'} not match ${lockfileOf(d)}; run "rodin-assets pull" to refetch`,
})

/** `E_OFFLINE_MISS`: mode "offline" and something is not in the cache. */
export const E_OFFLINE_MISS = define('E_OFFLINE_MISS', {
  cacheLacks: (d: { asset?: string; cacheDir: string; missing: string }) =>
    `mode "offline": the cache ${d.cacheDir} lacks ${d.missing}. Run a build in mode "auto" (or "npx rodin-assets pull") with network access first, or restore the cache.`,
  asset: (d: Who & { cacheDir: string }) =>
    `mode "offline": ${who(d)} is not in the cache ${d.cacheDir}. Run a build in mode "auto" with network access first, or restore the cache.`,
  pushMissing: (d: { cacheDir: string }) =>
    `not in the local cache ${d.cacheDir}; run "rodin-assets pull" on a machine that can fetch it, then push`,
})

/** `E_LOCK_MISSING`: mode "frozen" and the lockfile does not cover what the build needs. */
export const E_LOCK_MISSING = define('E_LOCK_MISSING', {
  assets: (d: { asset?: string; lockfile: string; missing: string }) =>
    `mode "frozen": ${d.lockfile} does not pin ${d.missing}. Run "npx rodin-assets lock" (or a local build in mode "auto") and commit the lockfile.`,
  asset: (d: Who & { lockfile?: string }) =>
    `mode "frozen": ${lockfileOf(d)} does not pin asset "${d.asset}". Run "npx rodin-assets lock" and commit the lockfile.`,
  file: (d: Who & { file: string; lockfile?: string }) =>
    `mode "frozen": ${lockfileOf(d)} does not pin ${d.file} of asset "${d.asset}". Run "npx rodin-assets lock" after importing it in a local build, and commit the lockfile.`,
  output: (d: Who) =>
    `mode "frozen": the optimized output of asset "${d.asset}" is pinned for other optimize settings or tool versions. Run "npx rodin-assets lock" and commit the lockfile.`,
  lod: (d: Who & { level: number }) =>
    `mode "frozen": LOD level ${d.level} of asset "${d.asset}" is not pinned for the current optimize settings. Run "npx rodin-assets lock" and commit the lockfile.`,
  noLockfile: (d: { lockfile: string }) => `no lockfile at ${d.lockfile}; run "rodin-assets lock" first`,
})

/** `E_REMOTE`: the team asset store failed. */
export const E_REMOTE = define('E_REMOTE', {
  failed: (d: { remote: string; what: string; fix: string }) => `team store ${d.remote}: ${d.what}; ${d.fix}.`,
  s3: (d: { remote: string; why: string; status?: number }) => `team store ${d.remote}: ${d.why}.`,
  s3Client: (d: { remote: string; reason: string }) => ({
    message: `team store ${d.remote} needs the package @aws-sdk/client-s3, which could not be loaded (${d.reason}).`,
    hint: 'Install it next to unplugin-rodin: npm install --save-dev @aws-sdk/client-s3 (or set remote: false).',
  }),
  upload: (d: { remote: string; reason: string }) => `${d.remote}: ${d.reason}`,
  noFallback: (d: Who & { missing: string; reason: string }) =>
    `asset "${d.asset}" is not in the cache, the team store failed, and there is no provider key to fall back on; the cache lacks ${d.missing}. ${d.reason}`,
  pushFailed: (d: { failed: number; total: number }) => `${d.failed} of ${d.total} blob(s) were not pushed (see above)`,
})
