import { describe, expect, it } from 'vitest'
import { previousOsloDay, previousOsloWeek } from './daily-window.js'

describe('previousOsloDay', () => {
  it.each([
    ['2026-12-07T10:00:00Z', '2026-12-05T23:00:00.000Z', '2026-12-06T23:00:00.000Z'], // winter, UTC+1
    ['2026-12-06T23:30:00Z', '2026-12-05T23:00:00.000Z', '2026-12-06T23:00:00.000Z'], // just after Oslo midnight
    ['2026-07-01T12:00:00Z', '2026-06-29T22:00:00.000Z', '2026-06-30T22:00:00.000Z'], // summer, UTC+2
    ['2026-03-30T08:00:00Z', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'], // the day summer time began: 23 hours
  ])('at %s covers [%s, %s)', (now, start, end) => {
    const w = previousOsloDay(new Date(now))
    expect([w.start.toISOString(), w.end.toISOString()]).toEqual([start, end])
  })
})

describe('previousOsloWeek', () => {
  it.each([
    ['2026-12-07T10:00:00Z', '2026-11-29T23:00:00.000Z', '2026-12-06T23:00:00.000Z'], // a Monday: the week that just ended
    ['2026-12-06T22:30:00Z', '2026-11-22T23:00:00.000Z', '2026-11-29T23:00:00.000Z'], // Sunday evening in Oslo: the week before
    ['2026-10-27T12:00:00Z', '2026-10-18T22:00:00.000Z', '2026-10-25T23:00:00.000Z'], // the week summer time ended: 169 hours
  ])('at %s covers [%s, %s)', (now, start, end) => {
    const w = previousOsloWeek(new Date(now))
    expect([w.start.toISOString(), w.end.toISOString()]).toEqual([start, end])
  })
})
