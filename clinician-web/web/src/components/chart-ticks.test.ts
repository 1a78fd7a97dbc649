import { expect, test } from 'vitest'
import { chartTicks } from './chart-ticks'

const DAY = 86_400_000
const oslo = (ms: number) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Oslo',
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(ms)

test('a year is ticked on the first of each month, Oslo time, across the DST changes', () => {
  const to = Date.parse('2026-12-07T12:00:00Z')
  const { ticks, format } = chartTicks(to - 365 * DAY, to, 20)
  expect(ticks).toHaveLength(12)
  expect(ticks.map(oslo).every((t) => /^01\/\d\d\/\d{4}, 00:00$/.test(t))).toBe(true)
  // the year on the first tick (and each January), the month alone between
  expect(format(ticks[0] ?? 0, 'nb-NO')).toMatch(/^jan\.? 2026$/)
  expect(format(ticks[1] ?? 0, 'nb-NO')).toMatch(/^feb\.?$/)
})

test('24 hours are ticked every 3 hours on whole Oslo hours, a week on each midnight', () => {
  const to = Date.parse('2026-03-10T12:00:00Z')
  const day = chartTicks(to - DAY, to, 20)
  expect(day.ticks.map(oslo).every((t) => /(00|03|06|09|12|15|18|21):00$/.test(t))).toBe(true)
  expect(day.format(day.ticks[0] ?? 0, 'nb-NO')).toMatch(/^\d\d:00$/)
  const week = chartTicks(to - 7 * DAY, to, 20)
  expect(week.ticks).toHaveLength(7)
  expect(week.ticks.map(oslo).every((t) => t.endsWith('00:00'))).toBe(true)
})

test('a narrow chart thins the ticks, keeping the newest', () => {
  const to = Date.parse('2026-12-07T12:00:00Z')
  const all = chartTicks(to - 365 * DAY, to, 20).ticks
  const thin = chartTicks(to - 365 * DAY, to, 4).ticks
  expect(thin.length).toBeLessThanOrEqual(4)
  expect(thin.at(-1)).toBe(all.at(-1))
})
