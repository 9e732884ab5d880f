/** Public shapes of the loopback API emulator (`unplugin-rodin/emulator`). */

export interface EmulatorFile {
  name: string
  bytes: Uint8Array
  /** Defaults to a type guessed from the extension. */
  contentType?: string
}

export interface EmulatorRodinTask {
  /** Task uuid (what `/download` takes). Default: a random uuid. */
  uuid?: string
  /** What `/status` takes. Default: `'sub-' + random`. */
  subscriptionKey?: string
  /** The files `/download` lists, in this order. */
  files: EmulatorFile[]
  /**
   * Per job, its status sequence. Each `/status` call for the task moves every job one step; the last value
   * sticks. Statuses: `Waiting`, `Generating`, `Done`, `Failed`, `Canceled` (any string is passed through).
   * Default `[['Done']]`.
   */
  jobs?: string[][]
}

export interface EmulatorOptions {
  /** Default 0 (a random free port). The server always binds 127.0.0.1. */
  port?: number
  /** The Bearer key the Rodin API accepts. Default `'emulator-key'`. */
  apiKey?: string
  /** Tasks served from the start. Default: {@link DEFAULT_TASKS} (one per repository fixture). */
  assets?: EmulatorRodinTask[]
  faults?: EmulatorFault[]
  /** Lifetime of signed file URLs in ms. Default 600 000 (the real API's 10 minutes). */
  urlTtlMs?: number
}

export type FaultRoute = 'rodin.status' | 'rodin.download' | 'file'

/**
 * What a fault does. Faults that answer in place of the route (`status`, `rate-limit`, `expire`, `redirect`,
 * `reset`, `hang`) keep the route from running, so a `/status` they hit does not advance the task.
 */
export type EmulatorFaultKind =
  /** Answers this status; `body` defaults to JSON `{detail}` (content type guessed from a given body). */
  | { kind: 'status', status: number, body?: string, headers?: Record<string, string> }
  /** 429 (or 503) with `Retry-After` when given (seconds or an HTTP date). */
  | { kind: 'rate-limit', status?: 429 | 503, retryAfter?: string }
  /** TCP reset before any header. */
  | { kind: 'reset' }
  /** Headers (full Content-Length) and half the body, then a TCP reset. */
  | { kind: 'reset-mid-body' }
  /** Headers (full Content-Length) and half the body, then a clean close. */
  | { kind: 'truncate' }
  /** Never answers; the socket stays open until `close()`. */
  | { kind: 'hang' }
  /** Headers and the first bytes (at most 16 KiB, at most half), then silence with the socket open. */
  | { kind: 'stall' }
  /** Answers normally after `ms`. */
  | { kind: 'delay', ms: number }
  /** `/download` answers `{ list: [] }`. */
  | { kind: 'empty-list' }
  /** `/download` lists only `preview.webp`. */
  | { kind: 'partial-list' }
  /** 403 S3-style XML, as if the signed URL had expired. */
  | { kind: 'expire' }
  /** Same length, one byte (the middle one) flipped. */
  | { kind: 'corrupt' }
  /**
   * `/download` also lists these names, each with a working URL to the task's first file. A name made only of
   * dots cannot survive URL parsing (clients drop or resolve `.`/`..` segments), so its URL answers 403/404.
   */
  | { kind: 'odd-names', names: string[] }
  /** 302 to `location`; by default a fresh signed URL of the same file (on API routes: the same path). */
  | { kind: 'redirect', location?: string }
  /** Adds `"error": value` to an otherwise normal `/status` or `/download` answer. */
  | { kind: 'error-field', value: string }
  /** Serves these bytes instead (Content-Length follows them). */
  | { kind: 'different-bytes', bytes: Uint8Array }

/**
 * A scripted misbehaviour. It matches requests by `route` and, when given, `task` (uuid) and `file` (name);
 * it lets the first `after` matches through (default 0) and then applies to the next `times` matches
 * (default 1; `Infinity` allowed). When several faults could apply to one request, the one added first wins
 * and the others keep their turn for later requests.
 */
export type EmulatorFault = {
  route: FaultRoute
  task?: string
  file?: string
  after?: number
  times?: number
} & EmulatorFaultKind

export type LogRoute = FaultRoute | 'control' | 'unknown'

export interface RequestLogEntry {
  method: string
  /** Path as received, without the query string. */
  path: string
  route: LogRoute
  /** Task uuid the request was about, when known. */
  task?: string
  /** File name, for file-host requests. */
  file?: string
  /** An `Authorization` header was present (its value is never recorded). */
  authorization: boolean
  /** An `Api-Key` header was present (its value is never recorded). */
  apiKeyHeader: boolean
  /** Status code we answered; absent when the connection was reset or left hanging. */
  status?: number
  /** `/download` was called before every job of the task was `Done`. */
  early?: boolean
  /** `Date.now()` when the request arrived. */
  time: number
}

export interface Emulator {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** `url + '/rodin/api/v2'` */
  rodinBaseURL: string
  /** `url + '/modelslab/api/v6'` (reserved: answers 404 for now) */
  modelslabBaseURL: string
  /** `url + '/getty'` (reserved: answers 404 for now) */
  gettyBaseURL: string
  /** `url + '/getty/oauth2/token'` (reserved: answers 404 for now) */
  gettyTokenURL: string
  apiKey: string
  /** Adds a task (or replaces the one with the same uuid). */
  addTask(task: EmulatorRodinTask): { uuid: string, subscriptionKey: string }
  addFault(fault: EmulatorFault): void
  /** Live array: every request in arrival order. */
  requests: RequestLogEntry[]
  clearLog(): void
  /** Stops the server and destroys every open socket, hung ones too. */
  close(): Promise<void>
}
