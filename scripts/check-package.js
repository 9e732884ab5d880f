// `npm test` step: the packed tarball ships the product only. No third-party models (the emulator generates its
// default tasks), nothing over the size budget, every export resolvable with matching types (publint, attw).
import { execFileSync } from 'node:child_process'

const MAX_PACKED_BYTES = 400_000
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const [pack] = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }))
const problems = []
const models = pack.files.filter(f => /\.(glb|gltf|bin|ktx2|usdz|fbx|obj|stl|png|jpe?g|webp)$/i.test(f.path))
if (models.length) problems.push(`ships model or image files: ${models.map(f => f.path).join(', ')}`)
if (pack.size > MAX_PACKED_BYTES) problems.push(`packed size ${pack.size} B is over the ${MAX_PACKED_BYTES} B budget`)
if (!pack.files.some(f => f.path === 'LICENSE')) problems.push('LICENSE is missing from the package')
if (problems.length) {
  console.error(`check-package: ${problems.join('; ')}`)
  process.exit(1)
}
console.log(`check-package: ${pack.files.length} files, ${(pack.size / 1000).toFixed(1)} kB packed`)
execFileSync('npx', ['publint', '--strict'], { stdio: 'inherit' })
execFileSync('npx', ['attw', '--pack', '.', '--profile', 'esm-only', '--format', 'ascii'], { stdio: 'inherit' })
