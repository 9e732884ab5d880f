import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { twoAssetProject } from '../helpers/env.js'
import { cli, viteBuildProcess } from '../helpers/processes.js'

/** The two-asset project with a project-wide triangle budget the fox (≈576 triangles) exceeds. */
async function overBudgetProject() {
  const project = await twoAssetProject()
  const path = join(project.p.root, 'assets.rodin.json')
  const manifest = JSON.parse(await readFile(path, 'utf8'))
  manifest.budget = { triangles: 200 }
  // The bunny gets a generous budget of its own (entry fields win over the project's).
  manifest.assets.bunny = { task: manifest.assets.bunny, budget: { triangles: 10_000_000, bytes: 50_000_000 } }
  await writeFile(path, JSON.stringify(manifest, null, 2))
  return project
}

describe('budgets (manifest "budget")', () => {
  it('only warn in mode auto, naming asset, measure, value, budget and a setting that fits', async () => {
    const { p, env } = await overBudgetProject()
    const r = await viteBuildProcess(p.root, 'dist', env)
    expect(r.code, r.stderr).toBe(0)
    const out = r.stdout + r.stderr
    expect(out).toMatch(
      /asset "fox" is over budget: triangles [\d,]+ > budget 200; set "optimize": \{ "simplify": \{ "ratio": 0\.\d+/,
    )
    expect(out).not.toMatch(/asset "bunny" is over budget/)
    expect(out.match(/asset "fox" is over budget/g)).toHaveLength(1)
  })

  it('fail a CI=1 build with E_BUDGET and the fix, in frozen mode and in auto alike', async () => {
    const { p, env } = await overBudgetProject()
    // Lock first (auto, no CI): the CI build then runs in its default mode, frozen.
    expect((await viteBuildProcess(p.root, 'dist-auto', env)).code).toBe(0)
    const frozen = await viteBuildProcess(p.root, 'dist-ci', { ...env, RODIN_MODE: undefined, CI: '1' })
    expect(frozen.code).not.toBe(0)
    expect(frozen.stderr).toMatch(/E_BUDGET: asset "fox" is over budget: triangles [\d,]+ > budget 200; set "optimize"/)
    const auto = await viteBuildProcess(p.root, 'dist-ci-auto', { ...env, CI: '1' })
    expect(auto.code).not.toBe(0)
    expect(auto.stderr).toMatch(/E_BUDGET/)
  })

  it('a bytes budget suggests a smaller textureSize or "max"', async () => {
    const { p, env } = await twoAssetProject()
    const path = join(p.root, 'assets.rodin.json')
    const manifest = JSON.parse(await readFile(path, 'utf8'))
    manifest.assets = { fox: { task: manifest.assets.fox, budget: { gpuBytes: 1000, bytes: 100 } } }
    await writeFile(path, JSON.stringify(manifest))
    const r = await cli(['pull', '--root', p.root], { ...env, CI: 'true' })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(
      /bytes [\d.]+ KiB > budget 100 B; try "optimize": \{ "textureSize": \d+ \} or "optimize": "max"/,
    )
    expect(r.stderr).toMatch(/gpuBytes [\d.]+ (KiB|MiB) > budget 1000 B; try "optimize": \{ "textureSize": \d+ \}/)
  })

  it('rodin-assets status shows each asset against its budget', async () => {
    const { p, env } = await overBudgetProject()
    const before = await cli(['status', '--root', p.root, '--mode', 'offline'], env)
    expect(before.stdout).toMatch(/fox .* not built/)
    expect((await cli(['pull', '--root', p.root], env)).code).toBe(0)
    const r = await cli(['status', '--root', p.root, '--mode', 'offline'], env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/budget/)
    expect(r.stdout).toMatch(/fox .* triangles [\d,]+\/200 OVER/)
    expect(r.stdout).toMatch(/bunny .* triangles [\d,]+\/10,000,000 ok, bytes [\d.]+ KiB\/47\.68 MiB ok/)
  })
})
