// The one place the manifest code gets zod from. `npm run build` replaces dist/manifest/zod.js with zod as one
// minified module (scripts/bundle-zod.js): every build, even one served from the cache, validates the manifest
// and the lockfile, and Node loads the zod package from about 200 files, which is most of the plugin's own
// start-up cost in a warm `vite build`. Sources, tests and the published types use the package as it is.
export { z } from 'zod'
