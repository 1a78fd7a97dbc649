import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from './duration.js'

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['-3h', -10_800_000],
    ['-2h30m', -9_000_000],
    ['500ms', 500],
    ['2d', 172_800_000],
    ['1.5s', 1500],
    ['+1h', 3_600_000],
    ['30', 30_000],
    [' 10s ', 10_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it('reads bare numbers in the unit asked for', () => {
    expect(parseDuration(2, 'd')).toBe(172_800_000)
    expect(parseDuration('250', 'ms')).toBe(250)
  })

  it.each(['', 'soon', '5x', '1h-', 'h', '10 s'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull()
  })
})

describe('formatDuration', () => {
  it.each([
    [350, '350ms'],
    [4200, '4.2s'],
    [42_000, '42s'],
    [3_900_000, '1h 5m'],
    [90_061_000, '1d 1h'],
    [-5_000, '-5.0s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})
