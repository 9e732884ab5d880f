// The one place the manifest code gets zod from, as `z` with only the members it uses. `npm run build` replaces
// dist/manifest/zod.js with those members of zod bundled into one minified module (scripts/bundle-zod.js): a
// build validates a manifest or lockfile text it has not seen before (see ParseMemo), and Node loads the zod
// package from about 200 files. Naming the members lets the bundle leave out the rest (locales, codecs, …):
// 99 kB instead of 454 kB to compile.
// A member used through `z.` must be listed here; the types come from the package as they are.
import * as zod from 'zod'

// Each schema parses one small file once per build: compiling zod's JIT fast path for it (`new Function`) cost
// more than it saved (manifest 5.5 -> 3.8 ms, lockfile 4.5 -> 2.9 ms on the bench's 14 assets). The published
// build sets this on its own bundled copy of zod only, never on the user's.
zod.config({ jitless: true })

export const z = {
  array: zod.array,
  enum: zod.enum,
  literal: zod.literal,
  number: zod.number,
  record: zod.record,
  strictObject: zod.strictObject,
  string: zod.string,
  toJSONSchema: zod.toJSONSchema,
  union: zod.union,
  unknown: zod.unknown,
}

// Type-only members (`z.infer<…>`, `z.output<…>`, `z.core.$ZodIssue`), as the package's namespace has them.
export declare namespace z {
  export type infer<T> = zod.infer<T>
  export type output<T> = zod.output<T>
  export namespace core {
    export type $ZodIssue = zod.core.$ZodIssue
  }
}
