import { randomBytes } from 'node:crypto'
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { errors } from '../catalogue/index.js'
import type { BlobBackend } from './blob.js'

/**
 * A team store on a shared filesystem (NFS, a mounted volume): `<dir>/sha256/<hex>`. New objects are written
 * to a temp file and hard-linked into place, which fails when the name exists: two machines uploading the
 * same blob at once both succeed, and nothing is ever replaced.
 */
export function createFsBackend(dir: string, label: string): BlobBackend {
  let checked: Promise<void> | undefined
  // An unmounted volume must not look like an empty store (every build would then silently go to the provider).
  const ready = () => {
    checked ??= stat(dir).then(
      s => {
        if (!s.isDirectory()) throw fail(`${dir} is not a directory`, 'point remote at a directory')
      },
      err => {
        throw fail(
          `${dir} is not reachable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
          'check that the volume is mounted and the directory exists (create it once: mkdir -p)',
          err,
        )
      },
    )
    return checked
  }
  const fail = (what: string, fix: string, cause?: unknown) =>
    errors.E_REMOTE('failed', { remote: label, what, fix, cause })
  const denied = (op: string, err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code
    return fail(
      `cannot ${op} (${code ?? (err as Error).message})`,
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? `check that this user may ${op === 'read' ? 'read' : 'write to'} ${dir}${op === 'read' ? '' : ' (or set RODIN_REMOTE_READONLY=1)'}`
        : `check the directory ${dir}`,
      err,
    )
  }

  return {
    label,
    async read(key, maxBytes) {
      await ready()
      let fh: Awaited<ReturnType<typeof open>>
      try {
        fh = await open(join(dir, key), 'r')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw denied('read', err)
      }
      try {
        const size = (await fh.stat()).size
        const buf = new Uint8Array(Math.min(size, maxBytes))
        let at = 0
        while (at < buf.byteLength) {
          const { bytesRead } = await fh.read(buf, at, buf.byteLength - at, at)
          if (bytesRead === 0) break
          at += bytesRead
        }
        return buf.subarray(0, at)
      } catch (err) {
        throw denied('read', err)
      } finally {
        await fh.close()
      }
    },
    async size(key) {
      await ready()
      try {
        return (await stat(join(dir, key))).size
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw denied('read', err)
      }
    },
    async create(key, bytes) {
      await ready()
      const dest = join(dir, key)
      try {
        await stat(dest)
        return 'exists'
      } catch {}
      const tmp = join(dirname(dest), `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`)
      try {
        await mkdir(dirname(dest), { recursive: true })
        const fh = await open(tmp, 'wx')
        try {
          await fh.writeFile(bytes)
          await fh.sync()
        } finally {
          await fh.close()
        }
        return await publish(tmp, dest)
      } catch (err) {
        throw denied('write', err)
      } finally {
        await unlink(tmp).catch(() => {})
      }
    },
    async close() {},
  }
}

/** link() refuses an existing name atomically; filesystems without hard links get a rename after a check. */
async function publish(tmp: string, dest: string): Promise<'created' | 'exists'> {
  try {
    await link(tmp, dest)
    return 'created'
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return 'exists'
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err
  }
  try {
    await stat(dest)
    return 'exists'
  } catch {}
  await rename(tmp, dest)
  return 'created'
}
