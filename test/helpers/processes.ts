import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export interface ProcessResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

const BUILD_CHILD = fileURLToPath(new URL('./build-child.js', import.meta.url))
const CLI = fileURLToPath(new URL('../../bin/rodin-assets.js', import.meta.url))

/** Environment for a child: nothing of the parent's RODIN_* / CI leaks in unless given. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(?:RODIN_|HYPER3D_|CI$)/.test(k)))
  return { ...base, ...env }
}

export interface RunOptions {
  onSpawn?: (kill: () => void) => void
  timeoutMs?: number
  uid?: number
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
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, process.execPath, ...args]]
}

export function run(
  args: string[],
  env: Record<string, string | undefined>,
  opts: RunOptions = {},
): Promise<ProcessResult> {
  const [command, argv] = opts.readOnlyDir ? readOnlyMount(opts.readOnlyDir, args) : [process.execPath, args]
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid }),
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
