// The decoder-file modules the plugin serves (see src/plugin/decoders.ts). Before `npm run build` the package's
// own exports cannot resolve them, so they are declared here; both forms have the same shape.
declare module 'unplugin-rodin/three/decoders/draco' {
  const files: Readonly<Record<string, string>> | null
  export default files
}
declare module 'unplugin-rodin/three/decoders/basis' {
  const files: Readonly<Record<string, string>> | null
  export default files
}
