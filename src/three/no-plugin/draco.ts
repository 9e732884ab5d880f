/**
 * What `unplugin-rodin/three/decoders/draco` (and, in basis.ts beside it, `.../basis`) is when no unplugin-rodin plugin builds the page (Node, a bundler
 * without the plugin): no files. The plugin replaces these ids with modules that map each decoder file name to
 * the URL of the file it emitted from the installed three package.
 */
const files: Readonly<Record<string, string>> | null = null
export default files
