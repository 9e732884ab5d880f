import { randomBytes } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { EmulatorOptions } from '../../src/emulator/index.js'
import { generateRodinLikeGlb } from '../../src/emulator/rodin-like.js'
import { readLockfile } from '../../src/manifest/lockfile.js'
import { emulator } from '../helpers/env.js'
import type { ProcessResult } from '../helpers/processes.js'
import { cli, viteBuildProcess } from '../helpers/processes.js'
import { CLI_SOURCE, FROM_SOURCE } from '../helpers/source.js'
import { tempDir } from '../helpers/tmp.js'
import { writeApp } from '../helpers/vite-app.js'
import { glb } from '../security/hostile-glb.js'

// Every test runs in mode "auto" (RODIN_MODE) unless it says CI=1 (frozen). The key is a sentinel: it must
// never show up in an output or a file.
const KEY = 'rk-SENTINEL-5e1d9c7a3b2f4e6d'

async function setup(options: EmulatorOptions = {}, manifest?: string) {
  const emu = await emulator({ assets: [], apiKey: KEY, generatedJobs: [['Done']], ...options })
  const glb = await generateRodinLikeGlb({ triangles: 200, textureSize: 16, material: 'shaded', seed: 3 })
  const crate = emu.addTask({ files: [{ name: 'base_basic_shaded.glb', bytes: glb }] })
  const root = await tempDir('rodin-generate-')
  // Four-space indentation and a top-level key after "assets": an edit must keep both.
  const text =
    manifest ??
    `{\n    "$schema": "./node_modules/unplugin-rodin/schema/assets.rodin.schema.json",\n    "assets": {\n        "crate": "${crate.uuid}",\n        "lamp": { "task": "${crate.uuid}", "optimize": false }\n    },\n    "optimize": "web"\n}\n`
  const manifestPath = join(root, 'assets.rodin.json')
  await writeFile(manifestPath, text)
  const env = {
    RODIN_BASE_URL: emu.rodinBaseURL,
    RODIN_API_KEY: KEY,
    RODIN_CACHE_DIR: join(root, '.cache'),
    RODIN_MODE: 'auto',
  }
  const outputs: ProcessResult[] = []
  const run = async (...args: string[]) => {
    const r = await cli([...args, '--root', root], env)
    outputs.push(r)
    return r
  }
  const posts = () => emu.requests.filter(r => r.route === 'rodin.generate' || r.route === 'rodin.texture')
  return { emu, root, env, text, manifestPath, run, posts, outputs }
}

/** Every file under `dir`, recursively, with its bytes. */
async function allFiles(dir: string): Promise<[string, Buffer][]> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true })
  return Promise.all(
    names
      .filter(d => d.isFile())
      .map(async d => [join(d.parentPath, d.name), await readFile(join(d.parentPath, d.name))] as [string, Buffer]),
  )
}

async function expectNoKey(root: string, outputs: ProcessResult[]): Promise<void> {
  for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(KEY)
  const files = await allFiles(root)
  expect(files.some(([p]) => p.endsWith('assets.rodin.lock.json'))).toBe(true)
  for (const [path, bytes] of files) expect(bytes.includes(KEY), path).toBe(false)
}

describe('rodin-assets generate (emulator, real processes)', () => {
  it('--yes makes one POST, pins the alias without touching other bytes, and a CI=1 build then makes no request', async () => {
    const { emu, root, env, text, manifestPath, run, posts, outputs } = await setup({ balance: 3 })
    expect((await run('pull')).code).toBe(0)
    const r = await run('generate', 'hero', '--prompt', 'a rusty sword', '--tier', 'Sketch', '--seed', '7', '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/hero: POST \/rodin \(prompt "a rusty sword", tier Sketch\): 0\.5 credits/)
    expect(r.stdout).toMatch(/balance: 3 credits/)
    expect(r.stdout).toMatch(/waiting: 1\/1 jobs done/)
    expect(r.stdout).toMatch(
      /hero: base_basic_pbr\.glb [\d.]+ kB → [\d.]+ kB optimized, locked in assets\.rodin\.lock\.json/,
    )
    expect(r.stdout).toContain("import model from 'rodin:hero'")
    expect(posts()).toHaveLength(1)
    expect(emu.submissions[0]!.fields).toEqual({ prompt: ['a rusty sword'], seed: ['7'], tier: ['Sketch'] })
    expect(emu.balance).toBe(2.5)

    // The manifest: exactly one run of bytes inserted after the last entry, indented like it.
    const after = await readFile(manifestPath, 'utf8')
    const at = text.indexOf('\n    },\n    "optimize"')
    expect(after.slice(0, at)).toBe(text.slice(0, at))
    expect(after.slice(after.length - (text.length - at))).toBe(text.slice(at))
    const task = emu.submissions[0]!.task!
    const inserted = after.slice(at, after.length - (text.length - at))
    expect(inserted).toMatch(
      new RegExp(
        `^,\\n        "hero": \\{\\n            "task": "${task}",\\n            "subscriptionKey": "sub-[0-9a-f]+",\\n            "generate": \\{\\n                "prompt": "a rusty sword",\\n                "tier": "Sketch",\\n                "seed": 7\\n            \\}\\n        \\}$`,
      ),
    )
    expect((await readLockfile(join(root, 'assets.rodin.lock.json')))!.assets.hero!.task).toBe(task)

    const balance = await run('balance')
    expect(balance.stdout.trim()).toBe('balance: 2.5 credits')

    // A CI build of the new alias: frozen mode, no key, and not one request.
    await writeApp(root, { hero: 'rodin:hero' })
    emu.clearLog()
    const ci = await viteBuildProcess(root, join(root, 'dist'), { CI: '1', RODIN_CACHE_DIR: env.RODIN_CACHE_DIR })
    expect(ci.code, ci.stderr).toBe(0)
    expect(emu.requests).toHaveLength(0)
    outputs.push(ci)
    await expectNoKey(root, outputs)
  })

  it('refuses with zero POSTs and one line: dry run, no TTY without --yes, cost over --max-credits, low balance, taken alias', async () => {
    const { emu, text, manifestPath, run, posts } = await setup({ balance: 1 })
    const cases: [string[], RegExp, number][] = [
      [['--prompt', 'a sword', '--dry-run'], /dry run: nothing was sent/, 2],
      [['--prompt', 'a sword'], /E_REFUSED: no terminal to confirm the cost on; nothing was sent\. Pass --yes/, 1],
      [
        ['--prompt', 'a sword', '--addons', 'HighPack', '--yes'],
        /E_REFUSED: the cost, 1\.5 credits, is above --max-credits 1\. Nothing was sent; pass --max-credits 1\.5/,
        1,
      ],
      [
        ['--prompt', 'a sword', '--addons', 'HighPack', '--max-credits', '2', '--yes'],
        /E_REFUSED: the balance, 1 credit, is below the cost, 1\.5 credits\. Nothing was sent/,
        1,
      ],
      [
        ['--prompt', 'a sword', '--tier', 'Regullar', '--yes'],
        /E_CONFIG: bad recipe for "hero": --tier: Invalid option/,
        1,
      ],
    ]
    for (const [args, reason, code] of cases) {
      const r = await run('generate', 'hero', ...args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(reason)
    }
    const dry = await run('generate', 'hero', '--prompt', 'a sword', '--seed', '9', '--dry-run')
    expect(dry.stdout).toMatch(
      /dry run: would POST http:\/\/127\.0\.0\.1:\d+\/rodin\/api\/v2\/rodin \(multipart\/form-data\)/,
    )
    expect(dry.stdout).toMatch(/ {2}prompt: "a sword"\n {2}seed: "9"/)
    const taken = await run('generate', 'crate', '--prompt', 'a crate', '--yes')
    expect(taken.code).toBe(1)
    expect(taken.stderr).toMatch(
      /E_REFUSED: asset "crate" already has rodin task [0-9a-f-]+; generating again would bill a new task\. Pick a new alias \(e\.g\. "crate-2"\)/,
    )
    expect(posts()).toHaveLength(0)
    expect(emu.balance).toBe(1)
    expect(await readFile(manifestPath, 'utf8')).toBe(text)
  })

  it('a recipe-only entry fails builds with E_NOT_GENERATED and no POST; generate --all then pins every recipe', async () => {
    const manifest = JSON.stringify(
      {
        assets: {
          hero: { generate: { prompt: 'a sword', tier: 'Sketch' } },
          shield: { generate: { prompt: 'a shield' }, optimize: 'max' },
        },
      },
      null,
      2,
    )
    const { emu, root, env, manifestPath, run, posts } = await setup({}, manifest)
    const pull = await run('pull')
    expect(pull.code).toBe(1)
    expect(pull.stderr).toMatch(
      /hero: .*E_NOT_GENERATED: asset "hero" is a recipe without a task, and a build never generates\. Run "npx rodin-assets generate hero" \(cost: 0\.5 credits\)/,
    )
    await writeApp(root, { hero: 'rodin:hero' })
    for (const mode of [{ CI: '1' }, { RODIN_MODE: 'auto' }]) {
      const build = await viteBuildProcess(root, join(root, 'dist'), { ...env, RODIN_MODE: undefined, ...mode })
      expect(build.code).not.toBe(0)
      expect(build.stderr).toMatch(/E_NOT_GENERATED: asset "(hero|shield)" is a recipe without a task/)
    }
    const status = await run('status')
    expect(status.stdout).toMatch(/hero +rodin +- +not generated \(recipe\)/)
    expect(posts()).toHaveLength(0)

    const all = await run('generate', '--all', '--yes', '--no-wait')
    expect(all.code, all.stderr).toBe(0)
    expect(all.stdout).toMatch(/total: 1 credit for 2 assets/)
    expect(posts()).toHaveLength(2)
    const assets = JSON.parse(await readFile(manifestPath, 'utf8')).assets
    expect(assets.shield).toEqual({
      task: emu.submissions[1]!.task,
      subscriptionKey: expect.any(String),
      optimize: 'max',
      generate: { prompt: 'a shield' },
    })
    expect(Object.keys(assets)).toEqual(['hero', 'shield'])
    expect((await run('pull')).code).toBe(0)
    expect((await run('generate', '--all', '--yes')).stderr).toMatch(/every asset of the manifest already has a task/)
    expect(posts()).toHaveLength(2)
  })

  it('a lost answer: one POST, no retry, a journal entry that status and the next generate report', async () => {
    const { emu, root, text, manifestPath, run, posts, outputs } = await setup({
      faults: [{ route: 'rodin.generate', kind: 'lost-answer' }],
    })
    expect((await run('pull')).code).toBe(0) // a lockfile, for the sentinel-key check at the end
    const r = await run('generate', 'hero', '--prompt', 'a sword', '--yes')
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(
      /E_SUBMIT_LOST: asset "hero": POST .*\/rodin was sent but its answer was lost \(.+\)\. A task may exist and may have been billed; it was NOT retried/,
    )
    expect(posts()).toHaveLength(1)
    expect(emu.submissions[0]!.task).toBeDefined() // the emulator did create (and bill) a task
    expect(emu.balance).toBe(9.5)
    expect(await readFile(manifestPath, 'utf8')).toBe(text)
    const journal = JSON.parse(await readFile(join(root, '.cache/v1/journal/hero.json'), 'utf8'))
    expect(journal).toMatchObject({ alias: 'hero', route: '/rodin', state: 'lost', cost: 0.5 })
    expect(journal.formSha256).toMatch(/^[0-9a-f]{64}$/)
    expect(Date.parse(journal.time)).toBeGreaterThan(Date.now() - 600_000)

    const status = await run('status')
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(
      /warning: generate "hero" \(\/rodin, 0\.5 credits\) at .* was sent but its answer was lost .*a task may exist and may have been billed/,
    )
    const again = await run('generate', 'hero', '--prompt', 'a sword', '--yes')
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/E_REFUSED: generate "hero" .* a task may exist .*--resubmit/)
    expect(posts()).toHaveLength(1)

    // A 5xx is a lost answer too, and is not retried either.
    emu.addFault({ route: 'rodin.generate', kind: 'status', status: 503 })
    const five = await run('generate', 'villain', '--prompt', 'an orc', '--yes')
    expect(five.stderr).toMatch(/E_SUBMIT_LOST: .*answer was lost \(HTTP 503/)
    expect(posts()).toHaveLength(2)
    expect((await run('status')).stdout).toMatch(/generate "villain"/)
    await expectNoKey(root, outputs)
  })

  it('sends an --image photo as a multipart file, byte for byte', async () => {
    const { emu, root, manifestPath, run, posts } = await setup()
    const photo = randomBytes(300_000)
    await writeFile(join(root, 'photo.png'), photo)
    const r = await run(
      'generate',
      'statue',
      '--image',
      join(root, 'photo.png'),
      '--prompt',
      'marble',
      '--yes',
      '--no-wait',
    )
    expect(r.code, r.stderr).toBe(0)
    expect(posts()).toHaveLength(1)
    const [file] = emu.submissions[0]!.files
    expect(file).toMatchObject({ field: 'images', name: 'photo.png', type: 'image/png', size: photo.length })
    expect(Buffer.from(file!.bytes).equals(photo)).toBe(true)
    expect(JSON.parse(await readFile(manifestPath, 'utf8')).assets.statue.generate).toEqual({
      prompt: 'marble',
      images: ['photo.png'],
    })
  })

  it('--texture-from sends the locked source model to /rodin_texture_only and pins the result as a new alias', async () => {
    const { emu, root, manifestPath, run, posts } = await setup()
    expect((await run('generate', 'hero', '--prompt', 'a sword', '--yes')).code).toBe(0)
    const r = await run('generate', 'hero-rusty', '--texture-from', 'hero', '--prompt', 'rusty', '--seed', '5', '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/hero-rusty: POST \/rodin_texture_only \(texture of hero, prompt "rusty"\): 0\.5 credits/)
    expect(posts().map(p => p.route)).toEqual(['rodin.generate', 'rodin.texture'])
    const sent = emu.submissions[1]!
    expect(sent.route).toBe('rodin_texture_only')
    expect(sent.fields).toEqual({ prompt: ['rusty'], seed: ['5'], resolution: ['Basic'] })
    const lock = (await readLockfile(join(root, 'assets.rodin.lock.json')))!
    expect(sent.files).toEqual([
      expect.objectContaining({
        field: 'model',
        name: 'base_basic_pbr.glb',
        sha256: lock.assets.hero!.files['base_basic_pbr.glb']!.sha256,
      }),
    ])
    expect(lock.assets['hero-rusty']!.task).toBe(sent.task)
    expect(JSON.parse(await readFile(manifestPath, 'utf8')).assets['hero-rusty'].generate).toEqual({
      prompt: 'rusty',
      seed: 5,
      textureFrom: 'hero',
    })
  })

  it('--texture-from refuses a source model over 10 MB before sending anything', async () => {
    const { emu, manifestPath, run, posts } = await setup()
    const big = emu.addTask({ files: [{ name: 'base_basic_pbr.glb', bytes: bigGlb(10 * 1024 * 1024 + 1) }] })
    await writeFile(manifestPath, JSON.stringify({ assets: { big: { task: big.uuid, optimize: false } } }))
    const r = await run('generate', 'big-tex', '--texture-from', 'big', '--prompt', 'rusty', '--yes')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /E_TOO_LARGE: --texture-from big: its model base_basic_pbr\.glb is [\d.]+ MB, above the 10 MB that \/rodin_texture_only accepts\. Nothing was sent/,
    )
    expect(posts()).toHaveLength(0)
  })

  it('--help lists the flags of the contract; balance and generate need a key', async () => {
    const help = await cli(['generate', '--help'], {})
    expect(help.code).toBe(0)
    for (const flag of [
      '--prompt <text>',
      '--image <file>',
      '--tier',
      '--quality',
      '--material',
      '--format',
      '--mesh-mode',
      '--seed',
      '--addons',
      '--max-credits',
      '--dry-run',
      '--yes',
      '--no-wait',
      '--all',
      '--texture-from',
    ])
      expect(help.stdout).toContain(flag)
    expect((await cli(['balance', '--help'], {})).stdout).toContain('rodin-assets balance')
    const root = await tempDir()
    const noKey = await cli(['balance', '--root', root], {})
    expect(noKey.code).toBe(1)
    expect(noKey.stderr).toMatch(/E_AUTH: the balance needs a Hyper3D key: set RODIN_API_KEY/)
  })

  it('asks on a terminal: "y" submits, anything else refuses', async () => {
    const { root, env, posts } = await setup()
    const { spawn } = await import('node:child_process')
    const onTty = (alias: string, answer: string) =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const command = `${[process.execPath, ...FROM_SOURCE, CLI_SOURCE].join(' ')} generate ${alias} --prompt crate --no-wait --root ${root}`
        // util-linux script(1) runs the command on a pseudo-terminal.
        const child = spawn('script', ['-qec', command, '/dev/null'], {
          env: { ...process.env, ...env },
          stdio: ['pipe', 'pipe', 'pipe'],
        })
        let out = ''
        child.stdout.on('data', d => {
          out += d
          if (out.includes('[y/N]') && !child.stdin.writableEnded) child.stdin.end(`${answer}\n`)
        })
        child.on('error', reject)
        child.on('close', code => resolve({ code, out }))
      })
    const no = await onTty('hero', 'n')
    expect(no.out).toMatch(/Spend 0\.5 credits\? \[y\/N\]/)
    expect(no.out).toMatch(/E_REFUSED: not confirmed; nothing was sent/)
    expect(no.code).not.toBe(0)
    expect(posts()).toHaveLength(0)
    const yes = await onTty('hero', 'y')
    expect(yes.out).toMatch(/hero: created task [0-9a-f-]{36}/)
    expect(yes.code).toBe(0)
    expect(posts()).toHaveLength(1)
  })

  it('waits with jobs done out of total; a failed job is E_TASK_FAILED and the task stays pinned', async () => {
    const { root, manifestPath, run } = await setup({
      generatedJobs: [
        ['Waiting', 'Generating', 'Done'],
        ['Generating', 'Done'],
      ],
    })
    const r = await run('generate', 'hero', '--prompt', 'a sword', '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(
      /waiting: 0\/2 jobs done \(\d+ s\)\nwaiting: 1\/2 jobs done \(\d+ s\)\nwaiting: 2\/2 jobs done/,
    )
    const failing = await emulator({ assets: [], apiKey: KEY, generatedJobs: [['Generating', 'Failed']] })
    const bad = await cli(['generate', 'villain', '--prompt', 'an orc', '--yes', '--root', root], {
      RODIN_BASE_URL: failing.rodinBaseURL,
      RODIN_API_KEY: KEY,
      RODIN_CACHE_DIR: join(root, '.cache'),
      RODIN_MODE: 'auto',
    })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/E_TASK_FAILED: asset "villain" \(rodin task [0-9a-f-]+\): a generation job is Failed/)
    expect(JSON.parse(await readFile(manifestPath, 'utf8')).assets.villain.task).toBe(failing.submissions[0]!.task)
  })

  it('creates the manifest when the project has none', async () => {
    const { root, manifestPath, run } = await setup()
    const { rm } = await import('node:fs/promises')
    await rm(manifestPath)
    const r = await run('generate', 'hero', '--prompt', 'a sword', '--yes', '--no-wait')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(await readFile(join(root, 'assets.rodin.json'), 'utf8'))).toEqual({
      assets: {
        hero: { task: expect.any(String), subscriptionKey: expect.any(String), generate: { prompt: 'a sword' } },
      },
    })
  })

  it('the emulator banner says how to try generate against it', async () => {
    const { spawn } = await import('node:child_process')
    const child = spawn(process.execPath, [...FROM_SOURCE, CLI_SOURCE, 'emulator', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    await new Promise<void>(resolve =>
      child.stdout.on('data', d => {
        out += d
        if (out.includes('Press Ctrl+C')) resolve()
      }),
    )
    const base = /RODIN_BASE_URL=(\S+)/.exec(out)![1]!
    const balance = await fetch(`${base}/check_balance`, { headers: { authorization: 'Bearer emulator-key' } })
    expect(await balance.json()).toEqual({ balance: 10 })
    child.kill('SIGTERM')
    expect(await new Promise(r => child.on('close', r))).toBe(0)
    expect(out).toMatch(
      /RODIN_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/rodin\/api\/v2 RODIN_API_KEY=emulator-key npx rodin-assets generate my-crate --prompt "a wooden crate" --yes/,
    )
  })
})

/** A well-formed GLB (one buffer of random bytes) over `size` bytes: downloads check that a .glb parses. */
function bigGlb(size: number): Uint8Array {
  return glb(JSON.stringify({ asset: { version: '2.0' }, buffers: [{ byteLength: size }] }), randomBytes(size))
}
