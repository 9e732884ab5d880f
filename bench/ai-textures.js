// Texture synthesis for the AI-like bench models: pixel statistics of real image-to-3D downloads rather than
// smooth noise. Real AI textures carry lighting and ambient occlusion baked into the albedo, per-pixel sensor-like
// grain, metalness masks that are salt-and-pepper speckle rather than clean regions, normal maps whose finest
// bumps are one pixel wide, and atlases of UV islands on a dark background. Every field is seeded.

/** Small, fast, seedable PRNG: output must never depend on Math.random. */
export function mulberry32(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fractal value noise in [0, 1] from `firstCells` lattice cells across, for `octaves` octaves (x wraps). */
export function fbm(size, seed, { octaves = 6, firstCells = 4, gain = 0.5 } = {}) {
  const random = mulberry32(seed)
  const out = new Float32Array(size * size)
  let amplitude = 1
  let total = 0
  for (let o = 0; o < octaves; o++) {
    const cells = Math.min(size, firstCells << o)
    const lattice = Float32Array.from({ length: cells * (cells + 1) }, () => random())
    const scale = cells / size
    for (let y = 0; y < size; y++) {
      const gy = y * scale
      const y0 = Math.floor(gy)
      const fy = smooth(gy - y0)
      for (let x = 0; x < size; x++) {
        const gx = x * scale
        const x0 = Math.floor(gx)
        const fx = smooth(gx - x0)
        const x1 = (x0 + 1) % cells
        const a = lattice[y0 * cells + x0]
        const b = lattice[y0 * cells + x1]
        const c = lattice[(y0 + 1) * cells + x0]
        const d = lattice[(y0 + 1) * cells + x1]
        out[y * size + x] += amplitude * (a + (b - a) * fx + (c - a + (d - c - b + a) * fx) * fy)
      }
    }
    total += amplitude
    amplitude *= gain
  }
  for (let i = 0; i < out.length; i++) out[i] /= total
  return out
}

/** Separable box blur with wrap-around, radius r (ambient occlusion and "soft detail" both use it). */
export function blur(field, size, r) {
  const tmp = new Float32Array(field.length)
  const out = new Float32Array(field.length)
  const n = 2 * r + 1
  for (let y = 0; y < size; y++) {
    let s = 0
    for (let k = -r; k <= r; k++) s += field[y * size + ((k + size) % size)]
    for (let x = 0; x < size; x++) {
      tmp[y * size + x] = s / n
      s += field[y * size + ((x + r + 1) % size)] - field[y * size + ((x - r + size) % size)]
    }
  }
  for (let x = 0; x < size; x++) {
    let s = 0
    for (let k = -r; k <= r; k++) s += tmp[((k + size) % size) * size + x]
    for (let y = 0; y < size; y++) {
      out[y * size + x] = s / n
      s += tmp[((y + r + 1) % size) * size + x] - tmp[((y - r + size) % size) * size + x]
    }
  }
  return out
}

/**
 * UV-island mask: 1 inside irregular charts, 0 in the gutters between them, as an AI atlas looks. Charts are
 * Worley cells shrunk by a gutter of `gutter` px.
 */
export function islands(size, seed, { cells = 7, gutter = 6 } = {}) {
  const random = mulberry32(seed)
  const points = Float32Array.from({ length: cells * cells * 2 }, () => 0.15 + 0.7 * random())
  const cellSize = size / cells
  const out = new Float32Array(size * size)
  for (let y = 0; y < size; y++) {
    const cy = Math.floor(y / cellSize)
    for (let x = 0; x < size; x++) {
      const cx = Math.floor(x / cellSize)
      let f1 = Infinity
      let f2 = Infinity
      for (let j = cy - 1; j <= cy + 1; j++) {
        for (let i = cx - 1; i <= cx + 1; i++) {
          const k = (((j + cells) % cells) * cells + ((i + cells) % cells)) * 2
          const d = Math.hypot((i + points[k]) * cellSize - x, (j + points[k + 1]) * cellSize - y)
          if (d < f1) [f2, f1] = [f1, d]
          else if (d < f2) f2 = d
        }
      }
      out[y * size + x] = (f2 - f1) / 2 > gutter ? 1 : 0
    }
  }
  return out
}

/**
 * The three PBR maps of an AI download, as raw RGB (or RGBA with `alpha`) byte arrays:
 *  - baseColor: albedo × baked light (a fixed sun on the fine-detail height) × baked AO (cavities), plus grain;
 *  - normal: tangent-space normals of the same height, down to one-pixel bumps;
 *  - orm: R = baked AO, G = noisy roughness, B = speckled metalness (isolated 0/255 pixels).
 * `grain` (0–1) scales per-pixel noise; `speckle` (0–1) the share of metal pixels; `softness` (px) blurs the
 * detail so that e.g. a 2K map carries only 1K of detail; `palette` tints the albedo.
 */
export function aiMaps(size, seed, opts = {}) {
  const { grain = 0.5, speckle = 0.25, softness = 0, atlas = true, palette = [0.62, 0.48, 0.36], alpha } = opts
  const random = mulberry32(seed * 131 + 7)
  const octaves = Math.max(4, Math.round(Math.log2(size)) - 2)
  let height = fbm(size, seed * 7 + 1, { octaves, firstCells: 4, gain: 0.55 })
  const tint = fbm(size, seed * 7 + 2, { octaves: 5, firstCells: 3 })
  const rough = fbm(size, seed * 7 + 3, { octaves: octaves - 1, firstCells: 8, gain: 0.7 })
  if (softness > 0) height = blur(height, size, softness)
  const cavity = blur(height, size, Math.max(2, size >> 8))
  const mask = atlas ? islands(size, seed * 7 + 4, { gutter: Math.max(2, size >> 8) }) : undefined
  const px = size * size
  const ch = alpha ? 4 : 3
  const color = new Uint8Array(px * ch)
  const normal = new Uint8Array(px * 3)
  const orm = new Uint8Array(px * 3)
  const strength = size / 96
  const light = normalize3([0.45, 0.6, 0.66])
  const g = () => (random() + random() - 1) * grain
  for (let y = 0; y < size; y++) {
    const up = ((y + size - 1) % size) * size
    const down = ((y + 1) % size) * size
    for (let x = 0; x < size; x++) {
      const p = y * size + x
      const dx = (height[y * size + ((x + 1) % size)] - height[y * size + ((x + size - 1) % size)]) * strength
      const dy = (height[down + x] - height[up + x]) * strength
      const inv = 1 / Math.hypot(dx, dy, 1)
      const nx = -dx * inv
      const ny = -dy * inv
      const nz = inv
      const ao = clamp01(1 - 2.2 * Math.max(0, cavity[p] - height[p]))
      const sun = Math.max(0, nx * light[0] + ny * light[1] + nz * light[2])
      const shade = (0.45 + 0.55 * sun) * ao
      const inside = mask ? mask[p] : 1
      const t = tint[p]
      for (let k = 0; k < 3; k++) {
        const albedo = palette[k] * (0.7 + 0.6 * t) + 0.12 * (height[p] - 0.5)
        const v = inside ? 255 * albedo * shade + 12 * g() : 8 + 3 * g()
        color[p * ch + k] = byte(v)
      }
      if (alpha) color[p * ch + 3] = byte(255 * (0.35 + 0.5 * t))
      normal[p * 3] = byte(128 + 127 * nx + 3 * g())
      normal[p * 3 + 1] = byte(128 + 127 * ny + 3 * g())
      normal[p * 3 + 2] = byte(128 + 127 * nz)
      orm[p * 3] = byte(255 * ao)
      orm[p * 3 + 1] = byte(255 * (0.35 + 0.5 * rough[p]) + 14 * g())
      // Speckle: each pixel is metal with a probability that follows a smooth field, as a noisy AI mask is.
      orm[p * 3 + 2] = inside && random() < speckle * 2 * tint[p] ** 2 ? 255 : byte(10 + 6 * g())
    }
  }
  return { color, colorChannels: ch, normal, orm }
}

/**
 * A clean, hard-surface map like a product or controller texture: flat-coloured panels with anti-aliased edges,
 * a few decals, a soft baked AO gradient and faint noise, blurred by `softness` px so a 2K map may carry only
 * 1K of detail. Returns RGB bytes.
 */
export function panelMap(size, seed, { softness = 1.5, grain = 0.15, colors = 4 } = {}) {
  const random = mulberry32(seed)
  const fields = Array.from({ length: 3 }, () => new Float32Array(size * size))
  const base = Array.from({ length: colors }, () => [random(), random(), random()].map(v => 0.1 + 0.8 * v))
  const bg = base[0]
  for (let p = 0; p < size * size; p++) for (let k = 0; k < 3; k++) fields[k][p] = bg[k]
  const rects = 40 + Math.floor(random() * 20)
  for (let r = 0; r < rects; r++) {
    const w = Math.floor(size * (0.02 + random() * (r < 12 ? 0.3 : 0.06)))
    const h = Math.floor(size * (0.02 + random() * (r < 12 ? 0.3 : 0.06)))
    const x0 = Math.floor(random() * (size - w))
    const y0 = Math.floor(random() * (size - h))
    const c = base[Math.floor(random() * colors)]
    for (let y = y0; y < y0 + h; y++)
      for (let x = x0; x < x0 + w; x++) for (let k = 0; k < 3; k++) fields[k][y * size + x] = c[k]
  }
  const shade = fbm(size, seed + 1, { octaves: 3, firstCells: 2 })
  const noise = mulberry32(seed + 2)
  const soft = softness > 0 ? fields.map(f => blur(f, size, Math.round(softness))) : fields
  const out = new Uint8Array(size * size * 3)
  for (let p = 0; p < size * size; p++) {
    const light = 0.75 + 0.35 * shade[p]
    for (let k = 0; k < 3; k++) out[p * 3 + k] = byte(255 * soft[k][p] * light + 6 * grain * (noise() - 0.5))
  }
  return out
}

/** Normal map of a panel map's luminance (bevels along its edges), RGB bytes. */
export function normalFromLuma(rgb, size, strength = 2) {
  const luma = new Float32Array(size * size)
  for (let p = 0; p < luma.length; p++) luma[p] = (rgb[p * 3] + rgb[p * 3 + 1] + rgb[p * 3 + 2]) / 765
  const out = new Uint8Array(size * size * 3)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x
      const dx = (luma[y * size + ((x + 1) % size)] - luma[y * size + ((x + size - 1) % size)]) * strength
      const dy = (luma[((y + 1) % size) * size + x] - luma[((y + size - 1) % size) * size + x]) * strength
      const inv = 1 / Math.hypot(dx, dy, 1)
      out[p * 3] = byte(128 - 127 * dx * inv)
      out[p * 3 + 1] = byte(128 - 127 * dy * inv)
      out[p * 3 + 2] = byte(128 + 127 * inv)
    }
  }
  return out
}

function smooth(t) {
  return t * t * (3 - 2 * t)
}

function clamp01(v) {
  return Math.min(1, Math.max(0, v))
}

function byte(v) {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v)
}

function normalize3(v) {
  const l = Math.hypot(...v)
  return v.map(c => c / l)
}
