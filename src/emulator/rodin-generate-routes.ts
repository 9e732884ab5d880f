import { createHash } from 'node:crypto'
import { type Reply, jsonReply } from './reply.js'
import { type IncomingRequest, type Prepared, authorized } from './rodin-routes.js'
import type { TaskStore } from './rodin-tasks.js'
import type { EmulatorFile, GenerationRequest } from './types.js'

/** Hyper3D's prices (API docs): one generation or texture 0.5 credit, HighPack +1. */
const COST = { generation: 0.5, texture: 0.5, highPack: 1 }
const MODEL_MAX_BYTES = 10 * 1024 * 1024

const ENUMS: Record<string, readonly string[]> = {
  tier: ['Gen-2', 'Regular', 'Detail', 'Smooth', 'Sketch'],
  quality: ['high', 'medium', 'low', 'extra-low'],
  material: ['PBR', 'Shaded', 'All'],
  geometry_file_format: ['glb', 'usdz', 'fbx', 'obj', 'stl'],
  mesh_mode: ['Quad', 'Raw'],
  resolution: ['Basic', 'High'],
  addons: ['HighPack'],
}

export interface GenerateContext {
  tasks: TaskStore
  apiKey: string
  account: { balance: number }
  submissions: GenerationRequest[]
  /** Job timelines of the tasks that `POST /rodin` creates. */
  jobs: string[][]
}

/** `POST /rodin`, `POST /rodin_texture_only` (multipart, billed) and `GET /check_balance`. */
export function prepareRodinGenerate(ctx: GenerateContext, sub: string, req: IncomingRequest): Prepared | undefined {
  req.entry.provider = 'rodin'
  if (sub === '/check_balance') {
    return {
      route: 'rodin.balance',
      run() {
        if (req.method !== 'GET') return jsonReply(405, { detail: 'Method Not Allowed' }, { allow: 'GET' })
        if (!authorized(req.headers.authorization, ctx.apiKey)) return unauthenticated()
        return jsonReply(201, { balance: ctx.account.balance })
      },
    }
  }
  if (sub !== '/rodin' && sub !== '/rodin_texture_only') return undefined
  const texture = sub === '/rodin_texture_only'
  return {
    route: texture ? 'rodin.texture' : 'rodin.generate',
    async run() {
      if (req.method !== 'POST') return jsonReply(405, { detail: 'Method Not Allowed' }, { allow: 'POST' })
      if (!authorized(req.headers.authorization, ctx.apiKey)) return unauthenticated()
      const form = await parseMultipart(req)
      if (!form) return invalid('expected a multipart/form-data body')
      const record: GenerationRequest = { route: texture ? 'rodin_texture_only' : 'rodin', ...form, status: 0 }
      ctx.submissions.push(record)
      const reply = await create(ctx, record, texture)
      record.status = reply.status
      return reply
    },
  }
}

async function create(ctx: GenerateContext, r: GenerationRequest, texture: boolean): Promise<Reply> {
  const one = (name: string) => r.fields[name]?.[0]
  for (const [name, values] of Object.entries(r.fields)) {
    const allowed = ENUMS[name]
    const bad = allowed && values.find(v => !allowed.includes(v))
    if (bad) return invalid(`${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(bad)})`)
  }
  const seed = one('seed')
  if (seed !== undefined && !(/^\d+$/.test(seed) && Number(seed) <= 65535)) return invalid('seed must be 0..65535')
  const images = r.files.filter(f => f.field === (texture ? 'image' : 'images'))
  if (texture) {
    const model = r.files.find(f => f.field === 'model')
    if (!model) return invalid('model is required')
    if (model.size > MODEL_MAX_BYTES) return invalid('model must be at most 10 MB')
    if (images.length > 1) return invalid('at most one image')
  } else if (images.length > 5) return invalid('at most 5 images')
  if (images.length === 0 && !one('prompt')) return invalid('prompt is required when no image is given')
  const cost = texture ? COST.texture : COST.generation + (r.fields.addons?.includes('HighPack') ? COST.highPack : 0)
  if (ctx.account.balance < cost) {
    return jsonReply(402, {
      error: 'INSUFFICIENT_FUND',
      message: `This request costs ${cost} credits; the balance is ${ctx.account.balance}.`,
    })
  }
  const material = one('material') ?? 'PBR'
  const files = await resultFiles(one('geometry_file_format') ?? 'glb', material, Number(seed ?? 1))
  const { uuid, subscriptionKey } = ctx.tasks.add({ files, jobs: ctx.jobs })
  ctx.account.balance -= cost
  r.task = uuid
  const jobs = ctx.tasks.get(uuid)!.jobs.map(j => j.uuid)
  return jsonReply(201, {
    message: 'Submitted.',
    prompt: one('prompt') ?? null,
    submit_time: new Date().toISOString(),
    uuid,
    jobs: { uuids: jobs, subscription_key: subscriptionKey },
  })
}

function unauthenticated(): Reply {
  return jsonReply(401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' })
}

function invalid(message: string): Reply {
  return jsonReply(400, { error: 'INVALID_REQUEST', message })
}

async function parseMultipart(req: IncomingRequest): Promise<Pick<GenerationRequest, 'fields' | 'files'> | null> {
  const type = req.headers['content-type']
  if (!type?.toLowerCase().startsWith('multipart/form-data')) return null
  let form: FormData
  try {
    form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': type } }).formData()
  } catch {
    return null
  }
  const fields: Record<string, string[]> = {}
  const files: GenerationRequest['files'] = []
  for (const [field, value] of form) {
    if (typeof value === 'string') (fields[field] ??= []).push(value)
    else {
      const bytes = new Uint8Array(await value.arrayBuffer())
      const sha256 = createHash('sha256').update(bytes).digest('hex')
      files.push({ field, name: value.name, type: value.type, size: bytes.byteLength, sha256, bytes })
    }
  }
  return { fields, files }
}

const made = new Map<string, Promise<Uint8Array>>()

/** Procedural result files named like Rodin's for the format and material (models memoized per process). */
async function resultFiles(format: string, material: string, seed: number): Promise<EmulatorFile[]> {
  const files: EmulatorFile[] = []
  const glb = (kind: 'pbr' | 'shaded') => {
    const key = `${kind}-${seed}`
    let p = made.get(key)
    if (!p) {
      p = import('./rodin-like.js').then(m =>
        m.generateRodinLikeGlb({ triangles: 2_000, textureSize: 128, material: kind, seed }),
      )
      p.catch(() => made.delete(key))
      made.set(key, p)
    }
    return p
  }
  if (format === 'glb') {
    if (material !== 'Shaded') files.push({ name: 'base_basic_pbr.glb', bytes: await glb('pbr') })
    if (material !== 'PBR') files.push({ name: 'base_basic_shaded.glb', bytes: await glb('shaded') })
  } else {
    // Other formats get a labelled stand-in: the emulator exercises the protocol, not the converters.
    const name = format === 'usdz' ? 'base_basic_pbr.usdz' : `base.${format}`
    files.push({ name, bytes: new TextEncoder().encode(`unplugin-rodin emulator stand-in for ${name}\n`) })
  }
  files.push({ name: 'preview.webp', bytes: await preview() })
  return files
}

let previewBytes: Promise<Uint8Array> | undefined
function preview(): Promise<Uint8Array> {
  previewBytes ??= import('sharp').then(
    async ({ default: sharp }) =>
      new Uint8Array(
        await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 120, g: 110, b: 100 } } })
          .webp()
          .toBuffer(),
      ),
  )
  return previewBytes
}
