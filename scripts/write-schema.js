// Regenerates schema/assets.rodin.schema.json from the zod schema (run after `npm run build`).
import { writeFileSync } from 'node:fs'
import { manifestJsonSchema } from '../dist/manifest/schema.js'

writeFileSync(
  new URL('../schema/assets.rodin.schema.json', import.meta.url),
  `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`,
)
