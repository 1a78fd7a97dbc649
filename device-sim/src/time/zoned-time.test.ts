import { describe, expect, it } from 'vitest'
import { formatOffsetDateTime, fromLocal, isoWeekday, isTimeZone, localDate, toLocal, zoneOffsetMinutes } from './zoned-time.js'

const OSLO = 'Europe/Oslo'

describe('zoned time in Europe/Oslo', () => {
  it('knows winter (+01:00) and summer (+02:00) time', () => {
    expect(zoneOffsetMinutes(new Date('2026-01-15T12:00:00Z'), OSLO)).toBe(60)
    expect(zoneOffsetMinutes(new Date('2026-07-15T12:00:00Z'), OSLO)).toBe(120)
  })

  it('gives each instant its own offset across the change to summer time, asked in any order (the last answer is kept per second)', () => {
    const cases: [string, number][] = [
      ['2026-03-29T00:59:59.000Z', 60], ['2026-03-29T00:59:59.999Z', 60], ['2026-03-29T01:00:00.000Z', 120],
      ['2026-03-29T00:59:59.500Z', 60], ['2026-03-29T01:00:00.999Z', 120], ['2026-10-25T00:59:59.999Z', 120],
      ['2026-10-25T01:00:00.000Z', 60], ['1969-12-31T23:59:59.500Z', 60], ['1970-01-01T00:00:00.000Z', 60],
    ]
    for (const [at, offset] of cases) expect([at, zoneOffsetMinutes(new Date(at), OSLO)]).toEqual([at, offset])
    expect(zoneOffsetMinutes(new Date('2026-03-29T01:00:00.000Z'), 'UTC')).toBe(0)
  })

  it('gives the wall clock Intl gives, in zones with odd offsets and historical local mean time, from 1900 to 2040', () => {
    const zones = [OSLO, 'UTC', 'Europe/Amsterdam', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'Africa/Monrovia']
    const intl = (at: Date, zone: string) => {
      const parts = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      }).formatToParts(at)
      const field = (type: string) => Number(parts.find((p) => p.type === type)?.value)
      return { year: field('year'), month: field('month'), day: field('day'), hour: field('hour'), minute: field('minute'), second: field('second') }
    }
    const from = Date.UTC(1900, 0, 1)
    const step = 2_147_483_647 // ms: about 25 days, and no whole number of seconds, so the times of day wander
    for (let t = from, i = 0; t < Date.UTC(2040, 0, 1); t += step, i++) {
      const at = new Date(t)
      const zone = zones[i % zones.length] as string
      expect([at.toISOString(), zone, toLocal(at, zone)]).toEqual([at.toISOString(), zone, intl(at, zone)])
    }
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
