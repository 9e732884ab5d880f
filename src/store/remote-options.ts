import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { errors } from '../catalogue/index.js'
import type { RodinError } from '../errors.js'
import { assertSafeURL } from '../http/url-policy.js'
import { registerSecret } from '../redact.js'

/** The `remote` option in its object form. */
export interface RemoteOptions {
  /** `s3://<bucket>[/<prefix>]`, `file:///<abs-dir>` or an absolute directory path. @default process.env.RODIN_REMOTE */
  url: string
  /** Read only: never upload (pull-request CI). Also forced by RODIN_REMOTE_READONLY=1. @default false */
  readOnly?: boolean
  /** S3-compatible endpoint (R2, B2, MinIO, Ceph); path-style addressing. @default process.env.RODIN_REMOTE_ENDPOINT */
  endpoint?: string
  /** @default process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1' ('auto' suits R2) */
  region?: string
}

export type ResolvedRemote =
  | { kind: 's3'; label: string; readOnly: boolean; bucket: string; prefix: string; endpoint?: string; region: string }
  | { kind: 'fs'; label: string; readOnly: boolean; dir: string }

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

/**
 * Resolves the `remote` option against the environment (§7 "Team asset store"). `false` turns the remote off
 * even when RODIN_REMOTE is set. Throws `E_CONFIG` saying how to fix a bad value; never opens a connection.
 */
export function resolveRemote(
  user: string | RemoteOptions | false | undefined,
  env: NodeJS.ProcessEnv,
): ResolvedRemote | null {
  if (user === false) return null
  if (user !== undefined && typeof user !== 'string' && (typeof user !== 'object' || user === null))
    throw config(`remote must be a URL string, { url, readOnly?, endpoint?, region? } or false (got ${typeof user})`)
  // The object form may leave `url` to RODIN_REMOTE (the config says read-only, CI says where).
  const o: RemoteOptions =
    typeof user === 'string' ? { url: user } : { ...user, url: user?.url ?? (env.RODIN_REMOTE || '') }
  for (const key of Object.keys(o)) {
    if (!['url', 'readOnly', 'endpoint', 'region'].includes(key))
      throw config(`unknown key remote.${key} (known: url, readOnly, endpoint, region)`)
  }
  if (!o.url) {
    if (typeof user !== 'string') return null
    throw config('remote is an empty string: give "s3://<bucket>[/<prefix>]" or an absolute directory path')
  }
  if (typeof o.url !== 'string') throw config(`remote.url must be a string (got ${typeof o.url})`)
  const envReadOnly = /^(1|true)$/i.test(env.RODIN_REMOTE_READONLY ?? '')
  if (o.readOnly !== undefined && typeof o.readOnly !== 'boolean')
    throw config(`remote.readOnly must be true or false (got ${JSON.stringify(o.readOnly)})`)
  // Either switch makes the remote read-only: a PR job's env wins over a config that allows writes.
  const readOnly = envReadOnly || o.readOnly === true

  if (o.url.startsWith('s3://')) return s3Remote(o, readOnly, env)
  if (o.url.startsWith('file:') || isAbsolute(o.url)) {
    let dir: string
    try {
      dir = o.url.startsWith('file:') ? fileURLToPath(o.url) : resolve(o.url)
    } catch (err) {
      throw config(`remote ${o.url} is not a valid file URL: use file:///<absolute-dir> or an absolute path`, err)
    }
    if (o.endpoint) throw config('remote.endpoint only applies to s3:// remotes')
    return { kind: 'fs', label: `file://${dir}`, readOnly, dir }
  }
  throw config(
    `remote ${JSON.stringify(o.url)} is not supported: use "s3://<bucket>[/<prefix>]" (any S3-compatible store), "file:///<abs-dir>" or an absolute directory path`,
  )
}

function s3Remote(o: RemoteOptions, readOnly: boolean, env: NodeJS.ProcessEnv): ResolvedRemote {
  const rest = o.url.slice('s3://'.length)
  const slash = rest.indexOf('/')
  const bucket = slash < 0 ? rest : rest.slice(0, slash)
  const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/^\/+|\/+$/g, '')
  if (!BUCKET_RE.test(bucket))
    throw config(
      `remote ${o.url}: "${bucket}" is not a valid bucket name (3-63 lower-case letters, digits, "." or "-")`,
    )
  if (/[?#\\]|(^|\/)\.\.?(\/|$)/.test(prefix))
    throw config(`remote ${o.url}: the prefix "${prefix}" may not contain "?", "#", "\\", "." or ".." segments`)
  const rawEndpoint = o.endpoint ?? (env.RODIN_REMOTE_ENDPOINT || undefined)
  let endpoint: string | undefined
  if (rawEndpoint !== undefined) {
    try {
      endpoint = assertSafeURL(rawEndpoint, { what: 'remote.endpoint (RODIN_REMOTE_ENDPOINT)' }).href.replace(
        /\/+$/,
        '',
      )
    } catch (err) {
      throw config(
        `remote.endpoint (RODIN_REMOTE_ENDPOINT): ${(err as Error).message.replace(/^\[unplugin-rodin\] \w+: /, '')}`,
        err,
      )
    }
  }
  const region = o.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1')
  if (typeof region !== 'string' || !/^[a-z0-9-]+$/.test(region))
    throw config(`remote.region must be a region name such as "us-east-1" or "auto" (got ${JSON.stringify(region)})`)
  // The SDK reads these itself; registering them keeps them out of every message we print.
  registerSecret(env.AWS_SECRET_ACCESS_KEY)
  registerSecret(env.AWS_SESSION_TOKEN)
  const label = `s3://${bucket}${prefix ? `/${prefix}` : ''}${endpoint ? ` (endpoint ${endpoint})` : ''}`
  return { kind: 's3', label, readOnly, bucket, prefix, endpoint, region }
}

function config(message: string, cause?: unknown): RodinError {
  return errors.E_CONFIG('option', { problem: message, cause })
}
