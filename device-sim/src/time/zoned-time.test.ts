import { describe, expect, it } from 'vitest'
import { formatOffsetDateTime, fromLocal, isoWeekday, isTimeZone, localDate, toLocal, zoneOffsetMinutes } from './zoned-time.js'

const OSLO = 'Europe/Oslo'

describe('zoned time in Europe/Oslo', () => {
  it('knows winter (+01:00) and summer (+02:00) time', () => {
    expect(zoneOffsetMinutes(new Date('2026-01-15T12:00:00Z'), OSLO)).toBe(60)
    expect(zoneOffsetMinutes(new Date('2026-07-15T12:00:00Z'), OSLO)).toBe(120)
  })

  it('formats instants with the local offset, as a gateway in Norway would', () => {
    expect(formatOffsetDateTime(new Date('2026-11-22T07:31:05Z'), OSLO)).toBe('2026-11-22T08:31:05+01:00')
    expect(formatOffsetDateTime(new Date('2026-06-01T22:30:00Z'), OSLO)).toBe('2026-06-02T00:30:00+02:00')
    expect(formatOffsetDateTime(new Date('2026-06-01T22:30:00Z'), 'UTC')).toBe('2026-06-01T22:30:00Z')
  })

  it('turns local wall-clock times into instants, across the summer-time change', () => {
    expect(fromLocal({ year: 2026, month: 3, day: 28, hour: 7, minute: 30, second: 0 }, OSLO).toISOString()).toBe('2026-03-28T06:30:00.000Z')
    expect(fromLocal({ year: 2026, month: 3, day: 29, hour: 7, minute: 30, second: 0 }, OSLO).toISOString()).toBe('2026-03-29T05:30:00.000Z')
    // 02:30 on 29 March does not exist in Oslo: it lands an hour later.
    expect(toLocal(fromLocal({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, OSLO), OSLO).hour).toBe(3)
  })

  it('moves by calendar days and knows weekdays', () => {
    expect(localDate(new Date('2026-11-22T23:30:00Z'), OSLO)).toEqual({ year: 2026, month: 11, day: 23 })
    expect(localDate(new Date('2026-03-01T12:00:00Z'), OSLO, -1)).toEqual({ year: 2026, month: 2, day: 28 })
    expect(isoWeekday({ year: 2026, month: 11, day: 23 })).toBe(1)
    expect(isoWeekday({ year: 2026, month: 11, day: 22 })).toBe(7)
  })

  it('tells known zones from unknown ones', () => {
    expect(isTimeZone(OSLO)).toBe(true)
    expect(isTimeZone('Europe/Bergen')).toBe(false)
  })
})

describe('fromLocal in the autumn overlap', () => {
  it('takes the first (summer-time) 02:30 on 25 October', () => {
    expect(fromLocal({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, OSLO).toISOString()).toBe('2026-10-25T00:30:00.000Z')
  })
})
