import type { Emulator } from '../../../src/emulator/index.js'
import { answer } from './helpers.js'
import type { Answer } from './helpers.js'

export type JsonAnswer = Answer

/** `POST {modelslab}/3d/fetch/{id}` with `{ key }` in the body, as the real clients do. */
export async function mlFetch(
  emu: Emulator,
  id: number | string,
  key: string | null = emu.apiKey,
  method = 'POST',
): Promise<JsonAnswer> {
  return answer(
    await fetch(`${emu.modelslabBaseURL}/3d/fetch/${id}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: JSON.stringify(key === null ? {} : { key }) } : {}),
    }),
  )
}

/** A Getty token by the client-credentials grant. */
export async function gettyToken(emu: Emulator, secret = emu.gettyClientSecret): Promise<JsonAnswer> {
  return answer(
    await fetch(emu.gettyTokenURL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: emu.gettyClientId,
        client_secret: secret,
      }).toString(),
    }),
  )
}

export interface DownloadCall {
  method?: 'PUT' | 'GET'
  body?: unknown
  token?: string | null
  apiKey?: string | null
  accept?: string
  index?: number
}

/** `PUT|GET {getty}/v3/ai/image-generations/{id}/images/{index}/download` with Api-Key and Bearer token. */
export async function gettyDownload(emu: Emulator, generation: string, call: DownloadCall = {}): Promise<JsonAnswer> {
  const method = call.method ?? 'PUT'
  const headers: Record<string, string> = { accept: call.accept ?? 'application/json' }
  const apiKey = call.apiKey === undefined ? emu.apiKey : call.apiKey
  if (apiKey !== null) headers['api-key'] = apiKey
  if (call.token !== null) headers.authorization = `Bearer ${call.token ?? (await gettyToken(emu)).json.access_token}`
  if (method === 'PUT') headers['content-type'] = 'application/json'
  return answer(
    await fetch(`${emu.gettyBaseURL}/v3/ai/image-generations/${generation}/images/${call.index ?? 0}/download`, {
      method,
      headers,
      ...(method === 'PUT' ? { body: JSON.stringify(call.body ?? { size_name: '1k' }) } : {}),
    }),
  )
}
