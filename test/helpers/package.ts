// The package as published, for the few tests about its shape: what a project that installed it resolves through
// the exports map (bundled JavaScript, declarations, the bin, the optimizer worker next to the pool). It is built
// from the current src/ into a directory of its own, so these tests never depend on, or race over, the
// checkout's dist/. Every other test runs src/ (see source.ts).
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll } from 'vitest'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

/** Builds the package before the file's tests (`get()` is its directory) and removes it after them. */
export function usePackage(): { get: () => string } {
  let dir: string | undefined
  beforeAll(async () => {
    dir = await buildPackage()
  }, 300_000)
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })
  return {
    get: () => {
      if (!dir) throw new Error('usePackage(): the package is built in beforeAll; call get() inside a test')
      return dir
    },
  }
}

/** package.json and its "files", with dist/ built the way `npm run build` builds it (tsc, then the bundle steps). */
async function buildPackage(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rodin-package-'))
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { files: string[] }
  await cp(join(REPO, 'package.json'), join(dir, 'package.json'))
  for (const entry of pkg.files.filter(f => f !== 'dist'))
    await cp(join(REPO, entry), join(dir, entry), { recursive: true })
  const tsc = join(REPO, 'node_modules/typescript/bin/tsc')
  await promisify(execFile)(process.execPath, [
    tsc,
    '-p',
    join(REPO, 'tsconfig.build.json'),
    '--outDir',
    join(dir, 'dist'),
  ])
  for (const step of ['scripts/bundle-zod.js', 'scripts/bundle.js'])
    await promisify(execFile)(process.execPath, [join(REPO, step), join(dir, 'dist')], { cwd: REPO })
  // Its dependencies, as if installed beside it.
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}
