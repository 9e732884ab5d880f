import { randomBytes } from 'node:crypto'
import { lstat, open, readdir, rename, rm, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { failpoint } from './failpoint.js'

export interface AtomicWriteOptions {
  /** Crash tests kill the process right after the temp file is written, under this name. @default 'atomic-temp-written' */
  failpoint?: string
  /**
   * Where the temp file goes (same filesystem as `path`, so the rename is atomic), named `<pid>-<hex>`.
   * Without it the temp file sits next to `path` as `.<name>.<pid>.<hex>.tmp`, and leftovers of killed
   * writers are removed on the next write of the same path.
   */
  tmpDir?: string
}

/**
 * The one atomic writer: readers see either the old file or the complete new one (temp file, fsync, rename;
 * a rename replaces a link at `path`, it never writes through it). A crash leaves at most a temp file.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  opts: AtomicWriteOptions | string = {},
): Promise<void> {
  const { failpoint: failpointName = 'atomic-temp-written', tmpDir } =
    typeof opts === 'string' ? { failpoint: opts } : opts
  let tmp: string
  if (tmpDir) tmp = join(tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}`)
  else {
    await removeStaleTemps(path)
    tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  }
  const fh = await open(tmp, 'wx')
  try {
    await fh.writeFile(data)
    failpoint(failpointName)
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

const STALE_AGE_MS = 3_600_000

/**
 * Removes `.<name>.<pid>.<hex>.tmp` files that a killed writer of `path` left behind: those of a process
 * that no longer exists, or older than an hour. Only names this writer makes are touched, and a link is
 * unlinked, never followed.
 */
async function removeStaleTemps(path: string): Promise<void> {
  const dir = dirname(path)
  const prefix = `.${basename(path)}.`
  const names = await readdir(dir).catch(() => [] as string[])
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const m = /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length))
    if (!m) continue
    const pid = Number(m[1])
    const st = await lstat(join(dir, name)).catch(() => null)
    if (!st || st.isDirectory()) continue
    if (pid === process.pid || (isAlive(pid) && Date.now() - st.mtimeMs < STALE_AGE_MS)) continue
    await unlink(join(dir, name)).catch(() => {})
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // exists, owned by someone else
  }
}
