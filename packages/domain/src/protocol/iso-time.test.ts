import { describe, expect, it } from 'vitest'
import { parseOffsetDateTime } from './iso-time.js'

describe('parseOffsetDateTime', () => {
  it.each([
    ['2026-11-22T07:31:05Z', '2026-11-22T07:31:05.000Z', 0],
    ['2026-11-22T08:31:05+01:00', '2026-11-22T07:31:05.000Z', 60],
    ['2026-11-22T02:01:05-05:30', '2026-11-22T07:31:05.000Z', -330],
    ['2026-11-22T07:31Z', '2026-11-22T07:31:00.000Z', 0],
    ['2026-11-22T07:31:05.123456789Z', '2026-11-22T07:31:05.123Z', 0],
    ['2026-11-22t07:31:05z', '2026-11-22T07:31:05.000Z', 0],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z', 0],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z', 0],
    ['0000-02-29T12:00:00+01:00', '0000-02-29T11:00:00.000Z', 60],
  ])('reads %s', (text, iso, offset) => {
    const parsed = parseOffsetDateTime(text)
    expect(parsed?.date.toISOString()).toBe(iso)
    expect(parsed?.offsetMinutes).toBe(offset)
  })

  it.each([
    ['no offset', '2026-11-22T07:31:05'],
    ['a date only', '2026-11-22'],
    ['basic format offset', '2026-11-22T07:31:05+0100'],
    ['a space for T', '2026-11-22 07:31:05Z'],
    ['Feb 29 in a common year', '2026-02-29T00:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['hour 24', '2026-11-22T24:00:00Z'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['epoch milliseconds', '1763796665000'],
    ['an empty string', ''],
  ])('refuses %s', (_name, text) => {
    expect(parseOffsetDateTime(text)).toBeNull()
  })
})
