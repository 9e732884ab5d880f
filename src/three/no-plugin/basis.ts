// `unplugin-rodin/three/decoders/basis` without the plugin: no files (see draco.ts beside it).
const files: Readonly<Record<string, string>> | null = null
export default files
