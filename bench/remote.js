// (e): a cold cache with a warm team store. The (d) rodin app's pinned blobs are pushed to a real S3 server on
// loopback (@20minutes/s3rver, SigV4 checked); then each build starts from an empty cache, in mode frozen
// (CI=1), with no provider key, a provider URL that nothing listens on, and RODIN_FAILPOINT=after-optimize
// (an optimizer run would kill the build). So a build that succeeds ran no optimizer and sent no provider
// request; the S3 server counts the bytes it served.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { run } from './proc.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js')
const CLI = join(ROOT, 'bin/rodin-assets.js')
const BUCKET = 'bench-team-store'

/**
 * `{ runs, medianMs, peakMB, servedBytes, emittedModelBytes, transferRatio, requests, objects }`.
 * `rodinDir`: the (d) app with its lockfile; `warmCache`: the cache its builds filled.
 */
export async function benchRemote({ rodinDir, warmCache, workDir, baseEnv, runs = 3 }) {
  const require = createRequire(import.meta.url)
  const S3rver = require('@20minutes/s3rver')
  const s3dir = await mkdtemp(join(workDir, 's3-'))
  const s3rver = new S3rver({ silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }] })
  await s3rver.configureBuckets()
  const handle = s3rver.callback()
  const log = []
  const server = createServer((req, res) => {
    res.on('finish', () =>
      log.push({ method: req.method, status: res.statusCode, bytes: Number(res.getHeader('content-length') ?? 0) }),
    )
    handle(req, res)
  })
  await new Promise(done => server.listen(0, '127.0.0.1', done))
  const remoteEnv = {
    RODIN_REMOTE: `s3://${BUCKET}/app`,
    RODIN_REMOTE_ENDPOINT: `http://127.0.0.1:${server.address().port}`,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  }
  try {
    const push = await run(process.execPath, [CLI, 'push', '--root', rodinDir], {
      env: { ...baseEnv, ...remoteEnv, RODIN_CACHE_DIR: warmCache, RODIN_MODE: 'auto' },
    })
    if (push.code !== 0)
      throw new Error(`bench: rodin-assets push failed: ${(push.stderr || push.stdout).slice(-2000)}`)
    const objects = log.filter(r => r.method === 'PUT').length
    const builds = []
    let served = 0
    let emitted = 0
    for (let i = 0; i < runs; i++) {
      const cache = await mkdtemp(join(workDir, 'cold-cache-'))
      log.length = 0
      const r = await run(process.execPath, [VITE, 'build'], {
        cwd: rodinDir,
        env: {
          ...baseEnv,
          ...remoteEnv,
          CI: '1',
          RODIN_MODE: 'frozen',
          RODIN_CACHE_DIR: cache,
          RODIN_BASE_URL: 'http://127.0.0.1:9/api/v2',
          RODIN_FAILPOINT: 'after-optimize',
        },
      })
      await rm(cache, { recursive: true, force: true })
      if (r.code !== 0)
        throw new Error(`bench: cold-cache build with the team store failed: ${(r.stderr || r.stdout).slice(-2000)}`)
      if (log.some(q => q.method !== 'GET')) throw new Error('bench: the cold-cache build wrote to the team store')
      builds.push(r)
      served = log.filter(q => q.method === 'GET' && q.status === 200).reduce((s, q) => s + q.bytes, 0)
      emitted = await glbBytes(join(rodinDir, 'dist/assets'))
    }
    const ms = builds.map(b => b.ms)
    return {
      runs: ms.map(Math.round),
      medianMs: median(ms),
      peakMB: Math.max(...builds.map(b => b.peakMB)),
      objects,
      servedBytes: served,
      emittedModelBytes: emitted,
      transferRatio: served / emitted,
    }
  } finally {
    server.closeAllConnections()
    await new Promise(done => server.close(done))
    await rm(s3dir, { recursive: true, force: true })
  }
}

async function glbBytes(dir) {
  let total = 0
  for (const name of await readdir(dir)) if (name.endsWith('.glb')) total += (await stat(join(dir, name))).size
  return total
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
