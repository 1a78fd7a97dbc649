import { describe, expect, it } from 'vitest'
import { clockSetting, isWallClock, parseClockOffset, parseClockSpeed, platformTimeAt, WALL_CLOCK } from './platform-clock.js'

const H = 3_600_000
const D = 24 * H

describe('platform time', () => {
  it('is the wall time on the wall clock', () => {
    expect(platformTimeAt(WALL_CLOCK, 1_700_000_000_000)).toBe(1_700_000_000_000)
    expect(isWallClock(WALL_CLOCK)).toBe(true)
  })

  it('runs an offset ahead, at its speed from the moment it was set', () => {
    const s = clockSetting({ wallMs: 1000, offsetMs: 14 * D, speed: 60 })
    expect(platformTimeAt(s, 1000)).toBe(1000 + 14 * D)
    expect(platformTimeAt(s, 1000 + 60_000)).toBe(1000 + 14 * D + H) // a wall minute is an hour
    expect(isWallClock(s)).toBe(false)
  })
})

describe('parseClockOffset', () => {
  it.each([
    ['0', 0], ['14d', 14 * D], ['-2h', -2 * H], ['+90m', 90 * 60_000], ['1w2d3h', 9 * D + 3 * H], ['30s', 30_000], ['2w', 14 * D],
  ])('reads %s', (text, ms) => expect(parseClockOffset(text)).toBe(ms))

  it.each(['', '14', 'd', '2 weeks', '1.5d', '3h2d', '--1d', 'P14D'])('refuses %j', (text) => expect(parseClockOffset(text)).toBeNull())
})

describe('parseClockSpeed', () => {
  it.each([['1', 1], ['60', 60], ['0.5', 0.5], ['100000', 100_000]])('reads %s', (text, n) => expect(parseClockSpeed(text)).toBe(n))
  it.each(['0', '-1', '100001', 'fast', '1e3', ''])('refuses %j', (text) => expect(parseClockSpeed(text)).toBeNull())
})
