import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { CLI_SOURCE, FROM_SOURCE } from './source.js'

export interface ProcessResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

const BUILD_CHILD = fileURLToPath(new URL('./build-child.js', import.meta.url))
const CLI = CLI_SOURCE

/** Environment for a child: nothing of the parent's RODIN_* / CI leaks in unless given. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(?:RODIN_|HYPER3D_|CI$)/.test(k)))
  return { ...base, ...env }
}

export interface RunOptions {
  onSpawn?: (kill: () => void) => void
  timeoutMs?: number
  /**
   * Runs the child in its own mount namespace where this directory is a read-only bind mount. Root ignores file
   * modes, so this is how a root test makes a directory that the child truly cannot write (EROFS), without
   * dropping to another user who may not be able to read the checkout.
   */
  readOnlyDir?: string
}

/** `unshare -m` gives the child a private mount namespace; the read-only bind mount never reaches the host. */
function readOnlyMount(dir: string, args: string[]): [string, string[]] {
  const script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
  return [
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, process.execPath, ...FROM_SOURCE, ...args],
  ]
}

/**
 * Makes `dir` unwritable for the children run with the returned options, whoever runs the tests. Root ignores
 * file modes, so as root the child gets a read-only bind mount in its own mount namespace; anyone else loses the
 * write bits until `restore()`. The child runs from the checkout as the same user either way, so it does not
 * matter where the repository lives (an unprivileged user may not be able to read it at all).
 */
export function cannotWrite(dir: string): { opts: RunOptions; restore: () => void } {
  if (process.getuid?.() === 0) return { opts: { readOnlyDir: dir }, restore: () => {} }
  spawnSync('chmod', ['-R', 'a-w', dir])
  return { opts: {}, restore: () => void spawnSync('chmod', ['-R', 'u+w', dir]) }
}

/** Fails the test unless a child run with `opts` really cannot create a file in `dir`. */
export async function expectUnwritable(dir: string, opts: RunOptions): Promise<void> {
  const probe = await run(['-e', `require('node:fs').writeFileSync(${JSON.stringify(`${dir}/probe`)}, '')`], {}, opts)
  if (probe.code === 0 || !/EROFS|EACCES/.test(probe.stderr))
    throw new Error(`the child could write ${dir}; the read-only test would prove nothing`)
}

export function run(
  args: string[],
  env: Record<string, string | undefined>,
  opts: RunOptions = {},
): Promise<ProcessResult> {
  const [command, argv] = opts.readOnlyDir
    ? readOnlyMount(opts.readOnlyDir, args)
    : [process.execPath, [...FROM_SOURCE, ...args]]
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => {
      stdout += d
    })
    child.stderr.on('data', d => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000)
    opts.onSpawn?.(() => child.kill('SIGKILL'))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

export const viteBuildProcess = (
  root: string,
  outDir: string,
  env: Record<string, string | undefined>,
  opts?: Parameters<typeof run>[2],
) => run([BUILD_CHILD, root, outDir], env, opts)

/** {@link viteBuildProcess} that also prints `aws-sdk-loaded=<bool>` after the build. */
export const viteBuildProbe = (root: string, outDir: string, env: Record<string, string | undefined>) =>
  run([fileURLToPath(new URL('./build-child-probe.js', import.meta.url)), root, outDir], env)

export const cli = (args: string[], env: Record<string, string | undefined>, opts?: Parameters<typeof run>[2]) =>
  run([CLI, ...args], env, opts)

const RSS_CHILD = fileURLToPath(new URL('./rss-child.js', import.meta.url))

/** The CLI in a child that records its peak RSS (bytes) in `rssFile` when it exits on its own. */
export const cliWithPeakRss = (
  args: string[],
  env: Record<string, string | undefined>,
  rssFile: string,
  opts?: Parameters<typeof run>[2],
) => run([RSS_CHILD, CLI, ...args], { ...env, RSS_FILE: rssFile }, opts)
