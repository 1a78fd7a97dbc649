import { describe, expect, it } from 'vitest'
import { hashParts, SeededNoise } from './seeded-noise.js'

describe('SeededNoise', () => {
  it('is a pure function of seed, stream and key', () => {
    const a = new SeededNoise(42)
    const b = new SeededNoise('42')
    expect(a.gaussian('weight', 1234)).toBe(b.gaussian('weight', 1234))
    // Order of calls does not matter.
    const later = a.uniform('spo2', 9)
    a.uniform('other', 1)
    expect(a.uniform('spo2', 9)).toBe(later)
  })

  it('differs by seed, stream and key', () => {
    const n = new SeededNoise(1)
    expect(n.uniform('x', 1)).not.toBe(new SeededNoise(2).uniform('x', 1))
    expect(n.uniform('x', 1)).not.toBe(n.uniform('y', 1))
    expect(n.uniform('x', 1)).not.toBe(n.uniform('x', 2))
    expect(hashParts('ab', 'c')).not.toBe(hashParts('a', 'bc'))
  })

  it('gives uniform values in [0, 1) and standard normal values', () => {
    const n = new SeededNoise('stats')
    const uniforms = Array.from({ length: 5000 }, (_, i) => n.uniform('u', i))
    expect(Math.min(...uniforms)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...uniforms)).toBeLessThan(1)
    const gaussians = Array.from({ length: 5000 }, (_, i) => n.gaussian('g', i))
    const mean = gaussians.reduce((s, x) => s + x, 0) / gaussians.length
    const sd = Math.sqrt(gaussians.reduce((s, x) => s + (x - mean) ** 2, 0) / gaussians.length)
    expect(Math.abs(mean)).toBeLessThan(0.05)
    expect(sd).toBeGreaterThan(0.95)
    expect(sd).toBeLessThan(1.05)
  })

  it('smooth noise meets its knots and moves little between close points', () => {
    const n = new SeededNoise('smooth')
    expect(n.smooth('w', 3, 1)).toBeCloseTo(n.gaussian('w', 3), 12)
    expect(Math.abs(n.smooth('w', 3.5, 1) - n.smooth('w', 3.51, 1))).toBeLessThan(0.05)
  })

  it('forks into independent streams', () => {
    const n = new SeededNoise(5)
    expect(n.fork('a').uniform('x', 1)).not.toBe(n.fork('b').uniform('x', 1))
    expect(n.fork('a').uniform('x', 1)).toBe(new SeededNoise(5).fork('a').uniform('x', 1))
  })
})
