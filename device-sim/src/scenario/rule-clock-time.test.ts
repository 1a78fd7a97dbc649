import { describe, expect, it } from 'vitest'
import { formatClockTime, resolveClockTimes, RuleClockTime } from './rule-clock-time.js'

const OSLO = 'Europe/Oslo'

describe('clock times of a compressed schedule', () => {
  it('rounds each up to the whole minute at least that far ahead', () => {
    const now = new Date('2026-11-23T15:16:23.059Z') // 16:16:23 in Oslo
    const [start, deadline] = resolveClockTimes([new RuleClockTime(5_000), new RuleClockTime(65_000)], now, OSLO)
    expect([start, deadline].map((d) => formatClockTime(d as Date, OSLO))).toEqual(['16:17', '16:18'])
    expect(resolveClockTimes([new RuleClockTime(0)], new Date('2026-11-23T15:17:00.000Z'), OSLO)).toEqual([new Date('2026-11-23T15:17:00.000Z')])
  })

  it('moves the times past midnight together, so a window never ends before it starts', () => {
    const now = new Date('2026-11-23T22:58:30.000Z') // 23:58:30 in Oslo: 23:59 and 00:00 would be out of order
    const times = resolveClockTimes([new RuleClockTime(5_000), new RuleClockTime(65_000)], now, OSLO)
    expect(times.map((d) => formatClockTime(d, OSLO))).toEqual(['00:00', '00:01'])
    expect(times[0]?.toISOString()).toBe('2026-11-23T23:00:00.000Z')
  })

  it('writes the time on the home’s clock, summer time included', () => {
    expect(formatClockTime(new Date('2026-07-01T08:05:00Z'), OSLO)).toBe('10:05')
    expect(formatClockTime(new Date('2026-01-01T08:05:00Z'), OSLO)).toBe('09:05')
  })
})
