import { describe, expect, it } from 'vitest'
import { parseTimeOffset, resolveTimeOffset } from './time-offset.js'

const OSLO = 'Europe/Oslo'
const start = new Date('2026-11-22T13:45:10Z') // 14:45:10 in Oslo

const at = (text: string, from = start): string => {
  const offset = parseTimeOffset(text)
  if (!offset) throw new Error(`not an offset: ${text}`)
  return resolveTimeOffset(offset, from, OSLO).toISOString()
}

describe('scenario time offsets', () => {
  it.each([
    ['now', '2026-11-22T13:45:10.000Z'],
    ['0', '2026-11-22T13:45:10.000Z'],
    ['-2h', '2026-11-22T11:45:10.000Z'],
    ['+90m', '2026-11-22T15:15:10.000Z'],
    ['-3d', '2026-11-19T13:45:10.000Z'],
    ['-3d+07:30', '2026-11-19T06:30:00.000Z'],
    ['0d+00:00', '2026-11-21T23:00:00.000Z'],
    ['07:30', '2026-11-22T06:30:00.000Z'],
    ['-1d-2h30m', '2026-11-21T11:15:10.000Z'],
    ['-1d2h', '2026-11-21T11:45:10.000Z'],
  ])('%s', (text, iso) => {
    expect(at(text)).toBe(iso)
  })

  it('counts calendar days in local time across the summer-time change', () => {
    const afterChange = new Date('2026-03-30T08:00:00Z') // 10:00 summer time
    expect(at('-2d', afterChange)).toBe('2026-03-28T09:00:00.000Z') // 10:00 winter time
    expect(at('-1d+07:30', afterChange)).toBe('2026-03-29T05:30:00.000Z')
  })

  it.each(['', 'yesterday', '-3', '3x', '-1d+25:00', '-1d+07:61', '-1d-07:30', '+'])('refuses %j', (text) => {
    expect(parseTimeOffset(text)).toBeNull()
  })
})
