import { describe, expect, it } from 'vitest'
import { RecentEvents } from './recent-events.js'

describe('RecentEvents', () => {
  it('counts events per key within the window only', () => {
    const r = new RecentEvents(1000)
    expect(r.add('a', 0)).toBe(1)
    expect(r.add('a', 500)).toBe(2)
    expect(r.add('b', 500)).toBe(1)
    expect(r.count('a', 999)).toBe(2)
    expect(r.count('a', 1200)).toBe(1)
    expect(r.count('a', 1500)).toBe(0)
  })

  it('tells when a full window has room again', () => {
    const r = new RecentEvents(1000)
    r.add('a', 0)
    r.add('a', 100)
    r.add('a', 200)
    expect(r.retryAfterMs('a', 3, 300)).toBe(700)
    expect(r.retryAfterMs('a', 2, 300)).toBe(800)
    expect(r.retryAfterMs('a', 4, 300)).toBe(0)
  })

  it('stays bounded under a spray of keys, forgetting the oldest first', () => {
    const r = new RecentEvents(60_000, 100)
    for (let i = 0; i < 1000; i++) r.add(`k${i}`, i)
    expect(r.size).toBeLessThanOrEqual(100)
    expect(r.count('k999', 1000)).toBe(1)
    expect(r.count('k0', 1000)).toBe(0)
  })
})
