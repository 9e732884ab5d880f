import { define, type Who, whoPrefix } from './define.js'

const LOCK_AGAIN = 'Do not edit it by hand; delete it and run "rodin-assets lock" to write a new one.'

/** `E_CONFIG`: bad options, manifest, lockfile, import or command line. */
export const E_CONFIG = define('E_CONFIG', {
  // options (src/options.ts, src/store/remote-options.ts, src/http/options.ts, src/optimize/options.ts)
  option: (d: { where?: string; problem: string }) => (d.where ? `${d.where}: ${d.problem}` : d.problem),
  httpNotObject: (_: object) => 'option "http" must be an object such as { "maxRetries": 4 }',
  httpCa: (_: object) => 'http option "ca" must be a PEM string (it is a test-only option)',
  httpUnknown: (d: { key: string; known: string }) =>
    `unknown option "${d.key}" in "http" (remove it; known options are ${d.known})`,
  httpRange: (d: { key: string; min: number; max: number; got: unknown; use: string }) =>
    `http option "${d.key}" must be an integer from ${d.min} to ${d.max}, got ${JSON.stringify(d.got) ?? String(d.got)} (use ${d.use})`,
  httpRetryDelays: (d: { min: number; max: number }) =>
    `http option "minRetryDelayMs" (${d.min}) is larger than "maxRetryDelayMs" (${d.max}) (lower minRetryDelayMs or raise maxRetryDelayMs)`,
  poolInteger: (d: { setting: string; min: number; got: unknown }) =>
    `optimizer pool ${d.setting} must be an integer of at least ${d.min} (got ${String(d.got)})`,
  poolTimeout: (_: object) => 'optimizer pool timeoutMs must be a function from model bytes to milliseconds',
  poolTimeoutResult: (d: { got: unknown }) =>
    `optimizer pool timeoutMs returned ${String(d.got)}; return a number of milliseconds > 0`,

  // manifest and lockfile
  unreadable: (d: { path: string; reason: string }) => `cannot read ${d.path}: ${d.reason}`,
  manifestMissing: (d: { path: string }) =>
    `${d.path} does not exist. Create it with {"assets": {"my-model": "<rodin task uuid>"}} or set the "manifest" option to its path.`,
  manifestSyntax: (d: { manifest: string; reason: string }) =>
    `${d.manifest} is not valid JSON (${d.reason}). Fix the syntax; comments and trailing commas are not allowed.`,
  manifestInvalid: (d: { manifest: string; problem: string }) => `${d.manifest}: ${d.problem}.`,
  manifestIssues: (d: { issues: string }) => d.issues,
  duplicateAsset: (d: { manifest: string; asset: string }) =>
    `${d.manifest}: asset "${d.asset}" is listed twice. Remove the duplicate.`,
  manifestEdit: (d: { manifest: string; why: string }) => `cannot add an asset to ${d.manifest}: ${d.why}.`,
  lockfileSyntax: (d: { lockfile: string; reason: string }) => ({
    message: `${d.lockfile} is not valid JSON (${d.reason}).`,
    hint: 'It may hold a merge conflict: resolve it, or delete the file and run "rodin-assets lock".',
  }),
  lockfileInvalid: (d: { lockfile: string; problem: string }) => ({
    message: `${d.lockfile}: ${d.problem}.`,
    hint: LOCK_AGAIN,
  }),
  lockfileMalformed: (d: { lockfile: string; where: string; why: string }) => ({
    message: `${d.lockfile} is malformed at ${d.where}: ${d.why}.`,
    hint: LOCK_AGAIN,
  }),
  frozenWithoutLockfile: (_: object) =>
    'mode "frozen" needs a lockfile, but the "lockfile" option is false. Enable it or use mode "auto".',
  providerUnsupported: (d: Who & { provider: string }) =>
    `${whoPrefix(d)}provider "${d.provider}" is not supported by this version yet.`,

  // imports and bundlers
  badImport: (d: { source: string; why: string }) => `import "${d.source}": ${d.why}.`,
  threeMissing: (d: { set: string; root: string; file: string }) =>
    `unplugin-rodin/three loads its ${d.set} decoder from the installed "three" package, but ${d.root} cannot resolve three/${d.file}. Install three (npm install three).`,

  // the cache and the team store
  gcRefused: (d: { cacheDir: string; found: string }) => ({
    message: `refusing to gc ${d.cacheDir}: it holds ${d.found}, so it is a project or another tool's folder, not a cache of unplugin-rodin's own. Nothing was deleted.`,
    hint: 'Point --cache-dir (or RODIN_CACHE_DIR, or the cacheDir option) at a folder used only by unplugin-rodin, such as node_modules/.cache/unplugin-rodin.',
  }),
  remoteUnset: (d: { command: string }) =>
    `"rodin-assets ${d.command}" needs a team store: set RODIN_REMOTE to s3://<bucket>[/<prefix>] or a shared directory (and RODIN_REMOTE_ENDPOINT for a non-AWS S3 service)`,
  remoteOffline: (d: { command: string }) =>
    `"rodin-assets ${d.command}" contacts the team store, which mode "offline" never does`,
  remoteReadOnly: (d: { remote: string }) =>
    `the team store ${d.remote} is read-only here (remote.readOnly or RODIN_REMOTE_READONLY); push writes, so unset it for this command`,

  // the command line
  unknownCommand: (d: { command: string }) => `unknown command "${d.command}". Run "rodin-assets --help" for the list.`,
  commandMode: (d: { command: string; mode: string; writes: string }) =>
    `"rodin-assets ${d.command}" writes ${d.writes}, which mode "${d.mode}" forbids.${d.command === 'lock' ? ' Run it without --mode frozen (and without CI set).' : ''}`,
  lockNeedsPath: (_: object) => '"rodin-assets lock" needs a lockfile path; remove --no-lockfile.',
  updateUnknown: (d: { alias: string; manifest: string; known: string }) =>
    `--update ${d.alias}: no such asset in ${d.manifest} (known: ${d.known})`,
  badFlag: (d: { flag: string; want: string; got: unknown }) => `${d.flag} must be ${d.want} (got ${String(d.got)})`,
  allWithAlias: (_: object) =>
    '--all generates the recipes of the manifest; give no alias and no recipe flags with it.',
  noAlias: (_: object) =>
    'name the asset: "rodin-assets generate <alias> --prompt <text>" (or --all for every recipe).',
  badAlias: (d: { alias: string }) =>
    `"${d.alias}" is not a valid alias: 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit.`,
  emptyRecipe: (d: { alias: string }) =>
    `nothing to generate for "${d.alias}": give --prompt <text> or --image <file>.`,
  badRecipe: (d: { asset: string; issues: string }) => `bad recipe for "${d.asset}": ${d.issues}. Nothing was sent.`,
  badImage: (d: { image: string; code: string; root: string }) =>
    `image "${d.image}" cannot be read (${d.code}); check the path (relative to ${d.root}).`,
  textureFromUnknown: (d: { alias: string }) =>
    `--texture-from ${d.alias}: no generated Rodin asset of that alias in the manifest.`,

  // providers
  gettyRequest: (d: { subject: string; said: string }) =>
    `${d.subject}: Getty rejected the download request (HTTP 400${d.said}). Check "size" ("1k" or "4k", one Getty offers for the product) and "projectCode" (some products require one, others reject it).`,
})
