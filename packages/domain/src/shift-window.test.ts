import { describe, expect, it } from 'vitest'
import { previousShift, shiftAt, shiftWindowOf } from './shift-window.js'

describe('shift windows (dag 07–15, kveld 15–23, natt 23–07, Europe/Oslo)', () => {
  it.each([
    // winter (UTC+1)
    ['2026-12-07T06:30:00Z', 'day', '2026-12-07', '2026-12-07T06:00:00.000Z', '2026-12-07T14:00:00.000Z'],
    ['2026-12-07T14:00:00Z', 'evening', '2026-12-07', '2026-12-07T14:00:00.000Z', '2026-12-07T22:00:00.000Z'],
    ['2026-12-07T22:30:00Z', 'night', '2026-12-07', '2026-12-07T22:00:00.000Z', '2026-12-08T06:00:00.000Z'],
    // 03:00 local belongs to the night that started the evening before
    ['2026-12-08T02:00:00Z', 'night', '2026-12-07', '2026-12-07T22:00:00.000Z', '2026-12-08T06:00:00.000Z'],
    // summer (UTC+2)
    ['2026-07-01T05:00:00Z', 'day', '2026-07-01', '2026-07-01T05:00:00.000Z', '2026-07-01T13:00:00.000Z'],
    // the night summer time begins (29 March 2026, 02:00 → 03:00): seven hours long
    ['2026-03-29T03:00:00Z', 'night', '2026-03-28', '2026-03-28T22:00:00.000Z', '2026-03-29T05:00:00.000Z'],
  ] as const)('at %s the shift is %s of %s', (at, shift, date, startsAt, endsAt) => {
    const w = shiftAt(new Date(at))
    expect({ shift: w.shift, date: w.date, startsAt: w.startsAt.toISOString(), endsAt: w.endsAt.toISOString() }).toEqual({ shift, date, startsAt, endsAt })
  })

  it('the shift before the day shift is the night that ended at 07:00, and windows follow each other without a gap', () => {
    const day = shiftWindowOf('day', '2026-12-07')
    const night = previousShift(day)
    expect(night).toMatchObject({ shift: 'night', date: '2026-12-06' })
    expect(night.endsAt.getTime()).toBe(day.startsAt.getTime())
    expect(previousShift(night)).toMatchObject({ shift: 'evening', date: '2026-12-06' })
  })
})
