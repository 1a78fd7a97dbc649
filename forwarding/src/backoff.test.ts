import { describe, expect, it } from 'vitest'
import { nextAttemptAt } from './backoff.js'

describe('nextAttemptAt', () => {
  const policy = { baseMs: 1000, maxMs: 8000, maxAttempts: 6 }
  const now = new Date('2026-12-07T10:00:00Z')
  it.each([
    [1, 1000], [2, 2000], [3, 4000], [4, 8000], [5, 8000],
  ])('after try %i waits %i ms (no jitter)', (attempts, ms) => {
    expect(nextAttemptAt(policy, attempts, now, () => 0)!.getTime() - now.getTime()).toBe(ms)
  })
  it('adds at most a fifth of jitter', () => {
    expect(nextAttemptAt(policy, 3, now, () => 0.999)!.getTime() - now.getTime()).toBe(4000 + 799)
  })
  it('gives up after the last try: a dead letter', () => {
    expect(nextAttemptAt(policy, 6, now)).toBeNull()
  })
})
