// `npm test` step: the packed tarball ships the product only. No third-party models (the emulator generates its
// default tasks), nothing over the size budget, every export resolvable with matching types (publint, attw),
// and dist/ validating manifests with the bundled zod exactly as the sources do with the package.
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'

const MAX_PACKED_BYTES = 400_000
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const [pack] = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }))
const problems = []
const models = pack.files.filter(f => /\.(glb|gltf|bin|ktx2|usdz|fbx|obj|stl|png|jpe?g|webp)$/i.test(f.path))
if (models.length) problems.push(`ships model or image files: ${models.map(f => f.path).join(', ')}`)
if (pack.size > MAX_PACKED_BYTES) problems.push(`packed size ${pack.size} B is over the ${MAX_PACKED_BYTES} B budget`)
if (!pack.files.some(f => f.path === 'LICENSE')) problems.push('LICENSE is missing from the package')
problems.push(...(await checkBundledZod()))
if (problems.length) {
  console.error(`check-package: ${problems.join('; ')}`)
  process.exit(1)
}
console.log(`check-package: ${pack.files.length} files, ${(pack.size / 1000).toFixed(1)} kB packed`)
execFileSync('npx', ['publint', '--strict'], { stdio: 'inherit' })
execFileSync('npx', ['attw', '--pack', '.', '--profile', 'esm-only', '--format', 'ascii'], { stdio: 'inherit' })

// dist/manifest/zod.js must be self-contained (scripts/bundle-zod.js) and behave like the package.
async function checkBundledZod() {
  const found = []
  const bundle = await readFile(new URL('../dist/manifest/zod.js', import.meta.url), 'utf8')
  if (/\bfrom\s*["']zod["']|import\(["']zod["']\)/.test(bundle))
    found.push('dist/manifest/zod.js still imports the zod package')
  const dist = await import('../dist/manifest/manifest-parse.js')
  const good = JSON.stringify({ assets: { hero: '0123abcd-0000-4000-8000-000000000001' } })
  const bad = JSON.stringify({ assets: { hero: { task: 42 } } })
  if (dist.parseManifest(good, 'check.json').entries[0]?.alias !== 'hero') found.push('dist/ rejects a valid manifest')
  let rejected = null
  try {
    dist.parseManifest(bad, 'check.json')
  } catch (err) {
    rejected = err
  }
  if (rejected?.code !== 'E_CONFIG')
    found.push(`dist/ does not reject a bad manifest with E_CONFIG (got ${rejected?.code})`)
  return found
}
