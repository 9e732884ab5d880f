import { describe, expect, it } from 'vitest'
import { gc } from '../../../src/cli/commands/gc.js'
import type { CliIO } from '../../../src/cli/context.js'
import { readLockfile, updateLockfile } from '../../../src/manifest/lockfile.js'
import { sha256Hex } from '../../../src/util/hash.js'
import { emulator, fixture, project } from '../../helpers/env.js'

// Mode "auto" to fetch, then "offline" to prove what the cache alone serves; every step says which.
const NO_OPT = { optimize: false as const }

function quietIO(): CliIO & { lines: string[] } {
  const lines: string[] = []
  return { lines, out: l => lines.push(l), err: l => lines.push(l), isTTY: false }
}

/**
 * A ModelsLab asset fetched into the cache, whose lockfile entry then names the same task id under another
 * provider (the manifest entry was switched from Rodin): a stale pin, which a build ignores.
 */
async function stalePinProject() {
  const emu = await emulator({ assets: [], modelslabTasks: [] })
  const bytes = await fixture('pmndrs_bunny_draco.glb')
  const { id } = emu.addModelslabTask({ files: [{ name: 'e1f2-0.glb', bytes }], statuses: ['success'] })
  const p = await project(
    emu,
    { statue: { provider: 'modelslab', id } },
    { ...NO_OPT, providers: { modelslab: { apiKey: emu.apiKey, baseURL: emu.modelslabBaseURL } } },
  )
  const entry = p.manifest.byAlias.get('statue')!
  await p.pipeline({ mode: 'auto' }).asset(entry)
  const other = new Uint8Array([1, 2, 3])
  await updateLockfile(p.lockfile, lock => {
    lock.assets.statue = {
      provider: 'rodin',
      task: entry.task,
      primary: 'e1f2-0.glb',
      files: { 'e1f2-0.glb': { sha256: sha256Hex(other), bytes: other.byteLength } },
    }
  })
  return { emu, p, entry, bytes }
}

describe('Pipeline.status() and reachable(): the same pins a build uses', () => {
  it('a pin of another provider with the same task id is stale: status says so and lists the cached files', async () => {
    const { p, bytes } = await stalePinProject()
    const [state] = await p.pipeline({ mode: 'offline' }).status()
    expect(state!.locked).toBe('stale')
    expect(state!.pin).toBeUndefined()
    expect(state!.files).toEqual({ 'e1f2-0.glb': { sha256: sha256Hex(bytes), bytes: bytes.byteLength } })
    expect(state!.missing).toEqual([])
  })

  it('gc keeps what an offline build of a stale-pinned asset needs (provider and task decide, as in a build)', async () => {
    const { emu, p, entry, bytes } = await stalePinProject()
    const offline = p.pipeline({ mode: 'offline' })
    const keep = await offline.reachable()
    for (const state of await offline.status())
      for (const f of Object.values(state.files ?? {})) expect(keep.content.has(f.sha256)).toBe(true)

    const io = quietIO()
    await gc({ root: p.root, cacheDir: p.options.cacheDir }, io, false)
    expect(io.lines.at(-1)).toMatch(/kept 1 file\(s\) for 1 asset\(s\)/)
    emu.clearLog()
    const r = await p.pipeline({ mode: 'offline' }).asset(entry)
    expect(r.files['e1f2-0.glb']!.sha256).toBe(sha256Hex(bytes))
    expect(r.hit).toBe(true)
    expect(emu.requests).toHaveLength(0)
    // The stale pin is the lockfile's business (`rodin-assets lock` replaces it); gc leaves the file alone.
    expect((await readLockfile(p.lockfile))!.assets.statue!.provider).toBe('rodin')
  })
})
