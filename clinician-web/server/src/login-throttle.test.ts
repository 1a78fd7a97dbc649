import { describe, expect, it } from 'vitest'
import { LoginThrottle } from './login-throttle.js'

describe('LoginThrottle', () => {
  it('blocks after five failures in the window and forgets them after it', () => {
    const t = new LoginThrottle(5, 60_000)
    for (let i = 0; i < 4; i++) t.recordFailure('sykepleier', '10.0.0.1', 1000 + i)
    expect(t.isBlocked('sykepleier', '10.0.0.1', 1010)).toBe(false)
    t.recordFailure('sykepleier', '10.0.0.1', 1005)
    expect(t.isBlocked('sykepleier', '10.0.0.1', 1010)).toBe(true)
    expect(t.isBlocked('sykepleier', '10.0.0.2', 1010)).toBe(false)
    expect(t.isBlocked('sykepleier', '10.0.0.1', 1000 + 60_001 + 5)).toBe(false)
  })
  it('clears on success', () => {
    const t = new LoginThrottle(1, 60_000)
    t.recordFailure('lege', 'ip', 0)
    t.recordSuccess('lege', 'ip')
    expect(t.isBlocked('lege', 'ip', 1)).toBe(false)
  })
})
