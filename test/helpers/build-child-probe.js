// build-child.js, then one line saying whether the AWS SDK was loaded into this process (it is CommonJS, so
// it shows in require.cache): a warm local build must never load it.
import { createRequire } from 'node:module'

await import('./build-child.js')
const loaded = Object.keys(createRequire(import.meta.url).cache).some(k => k.includes('@aws-sdk/client-s3'))
console.log(`aws-sdk-loaded=${loaded}`)
