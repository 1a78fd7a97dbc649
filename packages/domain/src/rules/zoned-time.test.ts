import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  addLocalDays,
  fromLocalDateTime,
  isoWeekday,
  isTimeZone,
  localDaysBetween,
  parseLocalTime,
  toLocalDateTime,
  zoneOffsetMs,
} from './zoned-time.js'

const OSLO = 'Europe/Oslo'

describe('fromLocalDateTime: a wall-clock time in a zone to an instant', () => {
  it.each([
    // 10:00 in Oslo around the 2026 changes (last Sunday of March and of October).
    ['2026-03-28', '10:00', OSLO, '2026-03-28T09:00:00.000Z'],
    ['2026-03-29', '10:00', OSLO, '2026-03-29T08:00:00.000Z'],
    ['2026-03-29', '00:00', OSLO, '2026-03-28T23:00:00.000Z'],
    ['2026-10-24', '10:00', OSLO, '2026-10-24T08:00:00.000Z'],
    ['2026-10-25', '10:00', OSLO, '2026-10-25T09:00:00.000Z'],
    ['2026-10-25', '00:00', OSLO, '2026-10-24T22:00:00.000Z'],
    // 02:30 does not exist on 29 March: moved forward by the gap, to 03:30 CEST.
    ['2026-03-29', '02:30', OSLO, '2026-03-29T01:30:00.000Z'],
    // 02:30 happens twice on 25 October: the first (CEST) one.
    ['2026-10-25', '02:30', OSLO, '2026-10-25T00:30:00.000Z'],
    ['2026-03-08', '10:00', 'America/New_York', '2026-03-08T14:00:00.000Z'],
    ['2026-07-01', '10:00', 'Asia/Kolkata', '2026-07-01T04:30:00.000Z'],
    ['2026-01-15', '10:00', 'UTC', '2026-01-15T10:00:00.000Z'],
    // +13:45 → +12:45: offsets over 12 h once broke a ±12 h search (found by the property below).
    ['2000-03-19', '02:45', 'Pacific/Chatham', '2000-03-18T13:00:00.000Z'],
  ])('%s %s %s is %s', (date, time, zone, expected) => {
    const [year, month, day] = date.split('-').map(Number) as [number, number, number]
    const t = parseLocalTime(time)
    if (!t) throw new Error('bad time')
    expect(fromLocalDateTime({ year, month, day }, t, zone).toISOString()).toBe(expected)
  })

  it('round-trips every instant (to the minute) through its wall clock, in zones with odd offsets and DST', () => {
    const zones = [
      OSLO,
      'America/New_York',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'Asia/Kolkata',
      'America/St_Johns',
    ]
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2040, 0, 1) / 60_000 }),
        fc.constantFrom(...zones),
        (minute, zone) => {
          const instant = new Date(minute * 60_000)
          const local = toLocalDateTime(instant, zone)
          const back = fromLocalDateTime(local, local, zone)
          // Same wall clock; the same instant, or an earlier one when the wall time happened twice.
          expect(toLocalDateTime(back, zone)).toEqual(local)
          expect(back.getTime()).toBeLessThanOrEqual(instant.getTime())
          expect(instant.getTime() - back.getTime()).toBeLessThanOrEqual(2 * 3_600_000)
        },
      ),
      { numRuns: 5000 },
    )
  })
})

describe('toLocalDateTime and calendar arithmetic', () => {
  it('reads the Oslo wall clock and weekday in winter and summer', () => {
    expect(toLocalDateTime(new Date('2026-03-29T00:59:59Z'), OSLO)).toMatchObject({
      day: 29,
      hour: 1,
      minute: 59,
      weekday: 7,
    })
    expect(toLocalDateTime(new Date('2026-03-29T01:00:00Z'), OSLO)).toMatchObject({
      day: 29,
      hour: 3,
      minute: 0,
    })
    expect(toLocalDateTime(new Date('2026-12-31T23:30:00Z'), OSLO)).toMatchObject({
      year: 2027,
      month: 1,
      day: 1,
      hour: 0,
    })
    expect(zoneOffsetMs(new Date('2026-01-01T12:00:00Z'), OSLO)).toBe(3_600_000)
    expect(zoneOffsetMs(new Date('2026-07-01T12:00:00Z'), OSLO)).toBe(7_200_000)
  })

  it('adds days across months and years, and counts days between dates', () => {
    expect(addLocalDays({ year: 2026, month: 3, day: 30 }, 3)).toEqual({
      year: 2026,
      month: 4,
      day: 2,
    })
    expect(addLocalDays({ year: 2026, month: 1, day: 1 }, -1)).toEqual({
      year: 2025,
      month: 12,
      day: 31,
    })
    expect(addLocalDays({ year: 2028, month: 2, day: 28 }, 1)).toEqual({
      year: 2028,
      month: 2,
      day: 29,
    })
    expect(
      localDaysBetween({ year: 2026, month: 3, day: 27 }, { year: 2026, month: 3, day: 30 }),
    ).toBe(3)
    expect(isoWeekday({ year: 2026, month: 10, day: 25 })).toBe(7)
    expect(isoWeekday({ year: 2026, month: 2, day: 11 })).toBe(3)
  })

  it('knows IANA zones and HH:MM times', () => {
    expect(isTimeZone(OSLO)).toBe(true)
    expect(isTimeZone('Europe/Nowhere')).toBe(false)
    expect(parseLocalTime('10:00')).toEqual({ hour: 10, minute: 0 })
    expect(parseLocalTime('23:59')).toEqual({ hour: 23, minute: 59 })
    for (const bad of ['24:00', '9:00', '10:60', '10.00', ''])
      expect(parseLocalTime(bad)).toBeNull()
  })
})
