import rodin from 'unplugin-rodin/rspack'

export default {
  entry: './src/main.js',
  // Models are emitted as dist/assets/<name>-<hash>.glb and referenced under output.publicPath.
  output: { publicPath: '/static/' },
  plugins: [rodin()],
}
