import { define, type Who, who, whoPrefix } from './define.js'

/** A request as messages show it: who it was for, and `GET https://host/path` (already display-safe). */
export interface Request extends Partial<Who> {
  request: string
}

const RODIN_KEY = 'Set RODIN_API_KEY (or HYPER3D_API_KEY) to a valid Hyper3D key.'

/** `E_AUTH`: a missing or rejected credential. */
export const E_AUTH = define('E_AUTH', {
  noKey: (d: Who & { provider: string; env: string; cacheDir: string }) =>
    `${who(d)} is not in the cache and no ${d.provider} API key is set. Set ${d.env}, or restore the cache directory ${d.cacheDir}.`,
  gettyIncomplete: (d: Who & { missing: string; env: string; cacheDir: string }) =>
    `asset "${d.asset}" (getty generation ${d.task}) is not in the cache and the Getty client credentials are incomplete (${d.missing}). Set ${d.env}, or restore the cache directory ${d.cacheDir}.`,
  rodinKeyNeeded: (d: { what: string }) => `${d.what} needs a Hyper3D key: set RODIN_API_KEY (or HYPER3D_API_KEY).`,
  rodinRejected: (d: Who & { what: string; status: number; said: string }) =>
    `asset "${d.asset}": ${d.what} answered HTTP ${d.status}${d.said}; nothing was billed. ${RODIN_KEY}`,
  gettyToken: (d: { subject: string; status: number; said: string }) => ({
    message: `${d.subject} refused the client credentials (HTTP ${d.status}${d.said}).`,
    hint: 'Set GETTY_CLIENT_ID and GETTY_CLIENT_SECRET (or providers.getty.clientId / clientSecret) to the credentials of an account with the AI Generation licence, and check GETTY_TOKEN_URL.',
  }),
  gettyNoToken: (d: { subject: string; status: number }) =>
    `${d.subject} answered HTTP ${d.status} without an access_token. Check GETTY_TOKEN_URL (it should be the OAuth2 token endpoint, e.g. https://authentication.gettyimages.com/oauth2/token).`,
  gettyKey: (d: { subject: string; said: string }) =>
    `${d.subject}: Getty answered HTTP 401 even with a fresh access token${d.said}. Check GETTY_API_KEY (sent as the Api-Key header) and that GETTY_CLIENT_ID / GETTY_CLIENT_SECRET belong to the same application.`,
  gettyQuota: (d: { subject: string; said: string }) => ({
    message: `${d.subject}: Getty refused the download (HTTP 403${d.said}): the account's AI Generation quota is used up or it may not download this generation.`,
    hint: "Check the account's product quota and licence, or ask Getty support.",
  }),
  modelslabKey: (d: { subject: string; where: string; said: string; forbidden: boolean; keyHint: string }) =>
    `${d.subject}: ModelsLab rejected the request (${d.where}${d.said}). ${d.forbidden ? 'The plan may lack 3D generation; check the account, or ' : ''}${d.keyHint}.`,
  apiKey: (d: Request & { provider: string; status: number; said: string; authHint: string }) =>
    `${whoPrefix(d)}the ${d.provider} API rejected the key: ${d.request} answered HTTP ${d.status}${d.said} (${d.authHint})`,
})

/** `E_HTTP`: a non-retryable or exhausted HTTP failure, or an answer the client cannot use. */
export const E_HTTP = define('E_HTTP', {
  apiStatus: (d: Request & { provider: string; status: number; said: string }) =>
    `${whoPrefix(d)}${d.request} answered HTTP ${d.status}${d.said} (${
      d.status === 404
        ? `check the ${d.provider} id in the manifest and the ${d.provider} baseURL`
        : `the ${d.provider} API refused the request; this is not retried — check the manifest entry`
    })`,
  fileStatus: (d: Request & { status: number; said: string; expired: boolean }) =>
    `${whoPrefix(d)}${d.request} answered HTTP ${d.status}${d.said} (${
      d.expired
        ? 'the signed URL has probably expired; ask the provider for fresh file URLs'
        : d.status === 404
          ? 'the provider listed a file that is not there; ask the provider for the file list again'
          : 'the file host refused the request; this is not retried'
    })`,
  cutShort: (d: Request & { got: number; want: number; attempts: string; nextStep: string }) =>
    `${whoPrefix(d)}${d.request} was cut short: ${d.got} of ${d.want} bytes${d.attempts} (${d.nextStep})`,
  clientClosed: (d: { provider: string }) => `the ${d.provider} API client is closed`,
  retriesExhausted: (d: Request & { status: number; attempts: string; said: string; nextStep: string }) =>
    `${whoPrefix(d)}${d.request} answered HTTP ${d.status}${d.attempts}${d.said} (${d.nextStep})`,
  network: (d: Request & { plain: string; code: string; reason: string; attempts: string; nextStep: string }) =>
    `${whoPrefix(d)}${d.request} failed: ${d.plain} (${d.code}: ${d.reason})${d.attempts} (${d.nextStep})`,
  hostNotFound: (d: Request) =>
    `${whoPrefix(d)}${d.request} failed: host not found (check the host name and your network or DNS)`,
  networkOther: (d: Request & { code: string; reason: string; nextStep: string }) =>
    `${whoPrefix(d)}${d.request} failed: ${d.code} ${d.reason} (${d.nextStep})`,
  tooManyRedirects: (d: Request & { max: number; hint: string }) =>
    `${whoPrefix(d)}${d.request} redirected more than ${d.max} times (${d.hint})`,
  undecodable: (d: Request & { reason: string }) =>
    `${whoPrefix(d)}${d.request} sent a body that cannot be decoded (${d.reason}) (the host is misbehaving; try again later)`,
  // rodin
  noBalance: (_: object) => 'rodin: /check_balance answered without a numeric "balance"',
  noJobs: (d: Who & { said: string; checkKey: boolean }) =>
    `asset "${d.asset}" (rodin task ${d.task}): /status returned no jobs${d.said}.${d.checkKey ? ' Check that "subscriptionKey" belongs to this task.' : ''}`,
  noFileList: (d: { subject: string; said: string }) =>
    `${d.subject}: /download returned no file list${d.said}. Check that the manifest holds the task UUID (not a job UUID).`,
  unreachable: (d: Who & { what: string; code: string }) =>
    `asset "${d.asset}": ${d.what} could not connect (${d.code}); nothing was sent or billed. Check RODIN_BASE_URL and your network.`,
  rodinRefused: (d: Who & { status: number; said: string }) =>
    `asset "${d.asset}": the Rodin API refused the request with HTTP ${d.status}${d.said}; no task was created.`,
  rodinError: (d: Who & { said: string }) =>
    `asset "${d.asset}": the Rodin API refused the request${d.said}; no task was created.`,
  // getty
  gettyRateLimited: (d: { subject: string }) =>
    `${d.subject}: Getty kept answering HTTP 429 (too many requests or concurrent generations for this account) after the http layer's retries. Lower "concurrency", wait a minute and build again.`,
  gettyUnknown: (d: { subject: string; said: string; manifest?: string }) =>
    `${d.subject}: Getty does not know this generation or image (HTTP 404${d.said}). Check "generation" (the generationRequestId) and "index" (counted from 0) in ${d.manifest ?? 'the manifest'}, and GETTY_BASE_URL.`,
  gettyStatus: (d: { subject: string; status: number; said: string }) =>
    `${d.subject}: Getty answered HTTP ${d.status}${d.said}. Check the manifest entry and GETTY_BASE_URL.`,
  // modelslab
  modelslabRateLimited: (d: { subject: string; status: number; said: string; waitS: number; budget: string }) =>
    `${d.subject}: ModelsLab is rate limiting (HTTP ${d.status}${d.said}) and asks to wait ${d.waitS} s, beyond the wait budget (wait.timeoutMs: ${d.budget}). The queue limit is per account: lower "concurrency", let other jobs finish, or raise wait.timeoutMs.`,
  modelslabNotJson: (d: { subject: string; status: number; said: string }) =>
    `${d.subject}: /3d/fetch answered HTTP ${d.status} with something that is not ModelsLab JSON${d.said}. Check MODELSLAB_BASE_URL (it should end in /api/v6).`,
  modelslabCredits: (d: { subject: string; where: string; said: string }) =>
    `${d.subject}: ModelsLab says the account has no credits left (${d.where}${d.said}). Top up the ModelsLab account, then build again.`,
  modelslabUnknown: (d: { subject: string; where: string; said: string; manifest?: string }) =>
    `${d.subject}: ModelsLab does not know this id (${d.where}${d.said}). Check "id" in ${d.manifest ?? 'the manifest'} (the id returned by text_to_3d / image_to_3d) and MODELSLAB_BASE_URL.`,
  modelslabRefused: (d: { subject: string; where: string; said: string; manifest?: string }) =>
    `${d.subject}: ModelsLab refused /3d/fetch (${d.where}${d.said}). This is not retried; check the "id" in ${d.manifest ?? 'the manifest'}.`,
})

/** `E_TIMEOUT`: connect, headers, stall or deadline exceeded. */
export const E_TIMEOUT = define('E_TIMEOUT', {
  network: (
    d: Request & { what: string; code: string; reason: string; attempts: string; nextStep: string; option: string },
  ) =>
    `${whoPrefix(d)}${d.request} timed out: ${d.what} (${d.code}: ${d.reason})${d.attempts} (${d.nextStep}, or raise http.${d.option})`,
  deadline: (d: Request & { deadline: string; attempts: number }) =>
    `${whoPrefix(d)}${d.request} did not finish within deadlineMs (${d.deadline}, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}) (check your network, or raise http.deadlineMs)`,
})

/** `E_TOO_LARGE`: a body over its size cap, or a file over a provider's limit. */
export const E_TOO_LARGE = define('E_TOO_LARGE', {
  body: (d: Request & { maxBytes: number; seen: string; hint: string }) =>
    `${whoPrefix(d)}${d.request} is larger than ${d.maxBytes} bytes (${d.seen}) (${d.hint})`,
  textureSource: (d: { asset: string; file: string; size: string }) => ({
    message: `--texture-from ${d.asset}: its model ${d.file} is ${d.size}, above the 10 MB that /rodin_texture_only accepts. Nothing was sent.`,
    hint: 'Texture a smaller model (e.g. one generated with --quality low).',
  }),
})

/** `E_UNSAFE_URL`: a URL or redirect the HTTP policy refuses. */
export const E_UNSAFE_URL = define('E_UNSAFE_URL', {
  refused: (d: Partial<Who> & { what: string; url: string; reason: string; fix: string }) =>
    `${whoPrefix(d)}${d.what} ${d.url} is not allowed: ${d.reason} (${d.fix})`,
  offOrigin: (d: Request & { base: string }) =>
    `${whoPrefix(d)}${d.request} is outside ${d.base} (API credentials are only sent to their own origin; pass a path, not a URL to another host)`,
  credentialsOffOrigin: (d: Request & { origin: string }) =>
    `${whoPrefix(d)}${d.request} is outside ${d.origin} (credentials are only sent to their own origin)`,
  redirectOffOrigin: (d: Request & { url: string; provider?: string }) =>
    `${whoPrefix(d)}${d.request} redirected to another origin ${d.url}; API credentials are never sent there (set the ${d.provider ?? 'provider'} baseURL to the final API host)`,
  forbiddenAddress: (d: Request & { reason: string }) =>
    `${whoPrefix(d)}${d.request} is not allowed: ${d.reason} (file hosts must be public; loopback is allowed only when the provider baseURL is itself loopback, the local emulator)`,
})
