/**
 * Deterministic noise: every value is a pure function of (seed, stream, key),
 * never of call order. So a patient's weight at 07:30 on a given day is the
 * same whether the simulator runs a 14-day backfill, a compressed demo, or a
 * single scenario step, and adding a new vital never shifts another's values.
 */
export type Seed = number | string

/** FNV-1a over the parts, finished with the murmur3 fmix32 avalanche; a uint32. */
export function hashParts(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5
  for (const part of parts) {
    const text = typeof part === 'number' ? numberKey(part) : part
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i)
      h = Math.imul(h, 0x01000193)
    }
    // Separator, so ("ab", "c") and ("a", "bc") differ.
    h ^= 0xff
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

function numberKey(n: number): string {
  return Number.isInteger(n) ? n.toString(36) : n.toString()
}

export class SeededNoise {
  readonly seed: string

  constructor(seed: Seed) {
    this.seed = String(seed)
  }

  /** Uniform in [0, 1). */
  uniform(stream: string, key: number | string): number {
    return hashParts(this.seed, stream, key) / 0x1_0000_0000
  }

  /** Standard normal (Box–Muller over two independent uniforms). */
  gaussian(stream: string, key: number | string): number {
    const u1 = Math.max(this.uniform(stream, key), Number.EPSILON)
    const u2 = this.uniform(`${stream}#2`, key)
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  }

  /**
   * Slowly varying standard-normal-ish noise over `t` (any unit): Gaussian
   * knots every `period`, cosine-interpolated between them. Day-to-day drift
   * of a weight or a blood pressure, not measurement scatter.
   */
  smooth(stream: string, t: number, period: number): number {
    const x = t / period
    const k = Math.floor(x)
    const f = x - k
    const w = (1 - Math.cos(Math.PI * f)) / 2
    return this.gaussian(stream, k) * (1 - w) + this.gaussian(stream, k + 1) * w
  }

  /** A child whose streams are independent of this one's. */
  fork(label: string): SeededNoise {
    return new SeededNoise(`${this.seed}/${label}`)
  }
}
