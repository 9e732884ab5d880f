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

export interface EmulatorModelslabTask {
  /** The id `/3d/fetch/{id}` takes. Default: the next free number from 100001. */
  id?: number | string
  /** The files `output` lists once the task is `success`, in this order (real names look like `<uuid>-0.glb`). */
  files: EmulatorFile[]
  /**
   * Status per `/3d/fetch` call; the last one sticks. `processing`, `success`, `error`, `failed` (any string is
   * passed through). Default `['success']`.
   */
  statuses?: string[]
  /** Seconds reported as `eta` while processing. Default 0. */
  eta?: number
  /** How an `error`/`failed` status is answered. */
  error?: {
    /** Default `'Generation failed'`. */
    message?: string
    /** HTTP status of the error answer; ModelsLab often says 200. Default 200. */
    httpStatus?: number
    /** `messege` is the legacy typo some endpoints still send. Default `'message'`. */
    field?: 'message' | 'messege'
  }
  /** `success` with `output: []`, so only `proxy_links` name the files. Default false. */
  emptyOutput?: boolean
  /** `future_links` fetched before `success`: 404 (default) or 200 with half of the bytes. */
  futureLinks?: '404' | 'partial'
}

/** One image of a Getty generation; it is served for every size. */
export type EmulatorGettyImage = EmulatorFile & {
  /** Blocked by the AI policy: the download answers 200 `{ url: null }`. */
  blocked?: boolean
}

export interface EmulatorGettyGeneration {
  /** generationRequestId. Default: a random upper-case GUID (like Getty's). */
  id?: string
  /** The images, by index. */
  images: EmulatorGettyImage[]
  /**
   * 202 answers before the 200, the PUT's included: 0 (default) → the PUT answers 200 at once; 2 → PUT 202,
   * GET 202, GET 200. A second PUT while this runs answers 409.
   */
  pendingPolls?: number
  /** Aged out (older than 6 months): every download route answers 410. */
  gone?: boolean
  /** `size_name` values accepted. Default `['1k', '4k']`. */
  sizes?: string[]
  /** The product requires `project_code` (and rejects it when false, like the real rule). Default false. */
  requireProjectCode?: boolean
  /** Content-Type of the 200 JSON download answer, whatever the client accepts (Getty also sends `text/plain`). */
  contentType?: string
}

export interface EmulatorOptions {
  /** Default 0 (a random free port). The server always binds 127.0.0.1. */
  port?: number
  /** The Bearer key the Rodin API accepts. Default `'emulator-key'`. */
  apiKey?: string
  /** Tasks served from the start. Default: {@link defaultRodinTasks} (generated Rodin-like results). */
  assets?: EmulatorRodinTask[]
  faults?: EmulatorFault[]
  /** Lifetime of signed file URLs in ms. Default 600 000 (the real API's 10 minutes). */
  urlTtlMs?: number
  /** ModelsLab tasks served from the start (key: `apiKey`). Default: {@link defaultModelslabTasks}. */
  modelslabTasks?: EmulatorModelslabTask[]
  /** Getty generations served from the start (`Api-Key`: `apiKey`). Default: {@link defaultGettyGenerations}. */
  gettyGenerations?: EmulatorGettyGeneration[]
  /** Default `'emulator-client'`. */
  gettyClientId?: string
  /** Default `'emulator-client-secret'`. */
  gettyClientSecret?: string
  /** `expires_in` of issued Getty tokens, in seconds. Default 1800. */
  gettyTokenTtlSeconds?: number
  /**
   * The clock that signed-URL and token expiry read, in ms. Tests pass a fake one and advance it instead of
   * sleeping, so expiry never races a busy machine. Default `Date.now`.
   */
  now?: () => number
  /** Rodin credits of the account (`GET /check_balance`); each generation debits its cost. Default 10. */
  balance?: number
  /**
   * Job timelines of the tasks `POST /rodin` and `POST /rodin_texture_only` create (see `EmulatorRodinTask.jobs`).
   * Default `[['Waiting', 'Generating', 'Done'], ['Generating', 'Done']]`.
   */
  generatedJobs?: string[][]
}

/** One multipart request to `POST /rodin` or `POST /rodin_texture_only`, as the emulator received it. */
export interface GenerationRequest {
  route: 'rodin' | 'rodin_texture_only'
  /** Text fields by name, in arrival order (a repeated field such as `addons` has several values). */
  fields: Record<string, string[]>
  /** File parts with their exact bytes. */
  files: { field: string; name: string; type: string; size: number; sha256: string; bytes: Uint8Array }[]
  /** HTTP status answered. */
  status: number
  /** Task uuid, when a task was created (and billed). */
  task?: string
}

export type FaultRoute =
  | 'rodin.status'
  | 'rodin.download'
  | 'rodin.generate'
  | 'rodin.texture'
  | 'rodin.balance'
  | 'file'
  | 'modelslab.fetch'
  | 'getty.token'
  | 'getty.download'

/**
 * What a fault does. Faults that answer in place of the route (`status`, `rate-limit`, `expire`, `redirect`,
 * `reset`, `hang`) keep the route from running, so a `/status` they hit does not advance the task.
 */
export type EmulatorFaultKind =
  /** Answers this status; `body` defaults to JSON `{detail}` (content type guessed from a given body). */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** 429 (or 503) with `Retry-After` when given (seconds or an HTTP date). */
  | { kind: 'rate-limit'; status?: 429 | 503; retryAfter?: string }
  /** TCP reset before any header. */
  | { kind: 'reset' }
  /** The route runs (a generation is created and billed), then a TCP reset instead of its answer. */
  | { kind: 'lost-answer' }
  /** Headers (full Content-Length) and half the body, then a TCP reset. */
  | { kind: 'reset-mid-body' }
  /** Headers (full Content-Length) and half the body, then a clean close. */
  | { kind: 'truncate' }
  /** Never answers; the socket stays open until `close()`. */
  | { kind: 'hang' }
  /** Headers and the first bytes (at most 16 KiB, at most half), then silence with the socket open. */
  | { kind: 'stall' }
  /** Answers normally after `ms`. */
  | { kind: 'delay'; ms: number }
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
  | { kind: 'odd-names'; names: string[] }
  /** 302 to `location`; by default a fresh signed URL of the same file (on API routes: the same path). */
  | { kind: 'redirect'; location?: string }
  /** 200 with a chunked body (no Content-Length) that never ends: 64 KiB chunks until the client goes away. */
  | { kind: 'endless' }
  /** Adds `"error": value` to an otherwise normal `/status` or `/download` answer. */
  | { kind: 'error-field'; value: string }
  /** Serves these bytes instead (Content-Length follows them). */
  | { kind: 'different-bytes'; bytes: Uint8Array }
  /**
   * A ModelsLab error answer `{status: "error", <field>: message, retry_after?}` with HTTP `status` (default
   * 200, as ModelsLab often does). `retryAfter` (seconds) goes in the body only, like the real queue limit.
   */
  | { kind: 'modelslab-error'; message?: string; status?: number; field?: 'message' | 'messege'; retryAfter?: number }
  /** Getty: revokes every issued token and answers 401, as when a token expires mid-build. */
  | { kind: 'revoke-token' }

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
  /** The query string had a credential-like parameter (`key`, `api_key`, `token`, `access_token`, …). */
  credentialQuery: boolean
  /** Which API or file host answered (absent for control and unknown routes). */
  provider?: 'rodin' | 'modelslab' | 'getty'
  /** Status code we answered; absent when the connection was reset or left hanging. */
  status?: number
  /**
   * Rodin: `/download` was called before every job of the task was `Done`. ModelsLab: a file (a
   * `future_links` URL) was fetched before the task was `success`.
   */
  early?: boolean
  /** ModelsLab: the JSON body carried a `key` field (its value is never recorded). */
  bodyKey?: boolean
  /** `Date.now()` when the request arrived. */
  time: number
  /** Body bytes written for an `endless` fault so far. */
  bytesSent?: number
  /** The client closed the connection before the answer was complete (it gave up or was cancelled). */
  aborted?: boolean
}

export interface Emulator {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** `url + '/rodin/api/v2'` */
  rodinBaseURL: string
  /** `url + '/modelslab/api/v6'` */
  modelslabBaseURL: string
  /** `url + '/getty'` */
  gettyBaseURL: string
  /** `url + '/getty/oauth2/token'` */
  gettyTokenURL: string
  /** The Rodin Bearer key, the ModelsLab body `key` and the Getty `Api-Key`. */
  apiKey: string
  gettyClientId: string
  gettyClientSecret: string
  /** Adds a task (or replaces the one with the same uuid). */
  addTask(task: EmulatorRodinTask): { uuid: string; subscriptionKey: string }
  /** Adds a ModelsLab task (or replaces the one with the same id). */
  addModelslabTask(task: EmulatorModelslabTask): { id: number | string }
  /** Adds a Getty generation (or replaces the one with the same id). */
  addGettyGeneration(generation: EmulatorGettyGeneration): { id: string }
  /** Getty access tokens issued so far (their values are never exposed). */
  readonly gettyTokensIssued: number
  addFault(fault: EmulatorFault): void
  /** Rodin credits left; assignable. */
  balance: number
  /** Live array: every `POST /rodin` and `POST /rodin_texture_only`, billed or refused, in arrival order. */
  submissions: GenerationRequest[]
  /** Live array: every request in arrival order. */
  requests: RequestLogEntry[]
  clearLog(): void
  /** Stops the server and destroys every open socket, hung ones too. */
  close(): Promise<void>
}
