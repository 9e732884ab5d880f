import { errors } from '../catalogue/index.js'
import { cac } from 'cac'
import { OPTIONS_DEFAULTS } from '../options.js'
import type { Mode } from '../options.js'
import type { CliIO, GlobalFlags } from './context.js'

const io: CliIO = {
  out: line => console.log(line),
  err: line => console.error(line),
  isTTY: !!process.stdout.isTTY,
}

/** Entry of the `rodin-assets` binary. Exit code 0 on success; otherwise 1 and a one-line reason on stderr. */
export async function run(argv: string[]): Promise<void> {
  const cli = cac('rodin-assets')
  const withGlobals = <T extends ReturnType<typeof cli.command>>(cmd: T): T =>
    cmd
      .option('--root <dir>', 'Project root', { default: process.cwd() })
      .option('--manifest <file>', 'Manifest path', { default: OPTIONS_DEFAULTS.manifest })
      .option('--lockfile <file>', 'Lockfile path (--no-lockfile to ignore it)', { default: OPTIONS_DEFAULTS.lockfile })
      .option('--cache-dir <dir>', `Cache directory (env RODIN_CACHE_DIR; default ${OPTIONS_DEFAULTS.cacheDir})`)
      .option('--mode <mode>', 'auto | frozen | offline (env RODIN_MODE; frozen when CI is set)')
      .option('--concurrency <n>', 'Parallel downloads', { default: OPTIONS_DEFAULTS.concurrency })

  const go =
    (fn: (flags: GlobalFlags, opts: Record<string, unknown>) => Promise<void>) =>
    async (...args: unknown[]) => {
      const opts = args.at(-1) as Record<string, unknown>
      const flags: GlobalFlags = {
        root: opts.root as string,
        manifest: opts.manifest as string,
        lockfile: opts.lockfile === false ? false : (opts.lockfile as string),
        cacheDir: opts.cacheDir as string | undefined,
        mode: opts.mode as Mode | undefined,
        concurrency: Number(opts.concurrency),
      }
      await fn(flags, { ...opts, args: args.slice(0, -1) })
    }

  withGlobals(cli.command('pull', 'Fetch and optimize every asset of the manifest (progress and a summary)')).action(
    go(async flags => (await import('./commands/pull.js')).pull(flags, io)),
  )
  withGlobals(cli.command('lock', 'Write or refresh the lockfile'))
    .option('--update <alias>', "Accept the provider's current bytes for this asset (repeatable)")
    .action(go(async (flags, o) => (await import('./commands/lock.js')).lock(flags, io, toList(o.update))))
  withGlobals(cli.command('status', 'Table of provider state, cache and lock per asset')).action(
    go(async flags => (await import('./commands/status.js')).status(flags, io)),
  )
  withGlobals(cli.command('verify', 'Re-hash the cache against the lockfile')).action(
    go(async flags => (await import('./commands/verify.js')).verify(flags, io)),
  )
  withGlobals(cli.command('push', 'Upload every pinned blob the team store (RODIN_REMOTE) lacks')).action(
    go(async flags => (await import('./commands/push.js')).push(flags, io)),
  )
  withGlobals(cli.command('gc', 'Delete cache entries the manifest no longer needs'))
    .option('--dry-run', 'Only report what would be removed')
    .action(go(async (flags, o) => (await import('./commands/gc.js')).gc(flags, io, !!o.dryRun)))
  withGlobals(
    cli.command('generate [alias]', 'Generate a Rodin model (costs credits), pin it in the manifest, then pull it'),
  )
    .option('--prompt <text>', 'Text prompt')
    .option('--image <file>', 'Image file (repeat for up to 5; the first is the material reference)')
    .option('--tier <tier>', 'Gen-2 | Regular | Detail | Smooth | Sketch (default Regular)')
    .option('--quality <quality>', 'high | medium | low | extra-low')
    .option('--material <material>', 'PBR | Shaded | All')
    .option('--format <format>', 'glb | usdz | fbx | obj | stl (default glb)')
    .option('--mesh-mode <mode>', 'Quad | Raw')
    .option('--seed <n>', 'Seed, 0–65535')
    .option('--addons <name>', 'HighPack (+1 credit)')
    .option('--texture-from <alias>', "Texture this asset's locked model instead (POST /rodin_texture_only)")
    .option('--max-credits <n>', 'Refuse when the cost is above this', { default: 1 })
    .option('--dry-run', 'Print the cost, the balance and the request; send nothing billable (exit code 2)')
    .option('--yes', 'Do not ask for confirmation (needed without a terminal)')
    .option('--no-wait', 'Only submit and pin the task; "pull" fetches it later')
    .option('--all', 'Generate every recipe of the manifest that has no task yet')
    .option('--resubmit', 'Send again although the journal holds an unanswered request for the alias')
    .option('--timeout <seconds>', 'How long to wait for the task', { default: 900 })
    .action(go(async (flags, o) => (await import('./commands/generate.js')).generate(flags, io, o)))
  withGlobals(cli.command('balance', 'Print the Rodin credits left')).action(
    go(async flags => (await import('./commands/balance.js')).balance(flags, io)),
  )
  cli
    .command('emulator', 'Serve the local API emulator (Rodin, ModelsLab, Getty)')
    .option('--port <port>', 'Port (0 = random)', { default: 8787 })
    .option('--api-key <key>', 'Key the emulator accepts', { default: 'emulator-key' })
    .action(async (o: { port: number; apiKey: string }) =>
      (await import('./commands/emulator.js')).emulator(io, Number(o.port), String(o.apiKey)),
    )

  cli.help()
  cli.version(await version())
  try {
    cli.parse(argv, { run: false })
    if (!cli.matchedCommand) {
      if (cli.options.help || cli.options.version) return
      cli.outputHelp()
      if (cli.args.length > 0) throw errors.E_CONFIG('unknownCommand', { command: String(cli.args[0]) })
      process.exitCode = 1
      return
    }
    await cli.runMatchedCommand()
  } catch (err) {
    const message = (err as Error).message
      .replace(/^\[unplugin-rodin\] /, '')
      .split('\n')
      .map(s => s.trim())
      .filter(Boolean)
      .join(' ')
    console.error(`rodin-assets: ${message}`)
    if (process.env.DEBUG) console.error(err)
    process.exitCode = 1
  }
}

function toList(value: unknown): string[] {
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String)
}

async function version(): Promise<string> {
  const { createRequire } = await import('node:module')
  // By the package's own name: the bundled CLI's place in dist/ differs from this file's in src/.
  return (createRequire(import.meta.url)('unplugin-rodin/package.json') as { version: string }).version
}
