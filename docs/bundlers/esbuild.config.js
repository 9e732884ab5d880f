import rodin from 'unplugin-rodin/esbuild'

// Usage: await esbuild.build(config). Models go through esbuild's `file` loader: hashed names in `outdir`,
// URLs prefixed with `publicPath`.
export default {
  entryPoints: ['src/main.js'],
  bundle: true,
  outdir: 'dist',
  publicPath: '/static/',
  plugins: [rodin()],
}
