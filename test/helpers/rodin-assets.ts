// bin/rodin-assets.js, run from src/ (see source.ts).
import { run } from '../../src/cli/index.js'

await run(process.argv)
