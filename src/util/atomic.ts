import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { failpoint } from './failpoint.js'

/**
 * Writes `data` so that readers see either the old file or the complete new one: temp file in the same
 * directory (same filesystem, so rename is atomic), fsync, rename. A crash leaves at most a stray temp file.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  failpointName = 'atomic-temp-written',
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
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
