import { describe, expect, it } from 'vitest'
import { ReadingClock } from './reading-clock.js'

describe('ReadingClock', () => {
  it('gives a device whole seconds, each earlier than its last, and other devices their own', () => {
    const clock = new ReadingClock()
    const now = new Date('2026-11-22T07:31:05.600Z')
    expect(clock.next('gw/a', now).toISOString()).toBe('2026-11-22T07:31:05.000Z')
    expect(clock.next('gw/a', now).toISOString()).toBe('2026-11-22T07:31:04.000Z')
    expect(clock.next('gw/b', now).toISOString()).toBe('2026-11-22T07:31:05.000Z')
    expect(clock.next('gw/a', new Date('2026-11-22T07:31:01Z')).toISOString()).toBe('2026-11-22T07:31:01.000Z')
    expect(clock.next('gw/a', new Date('2026-11-22T07:31:09Z')).toISOString()).toBe('2026-11-22T07:31:00.000Z')
  })
})
