import { describe, expect, it } from 'vitest'
import { formatOffsetDateTime } from '../time/zoned-time.js'
import { deviceTimes, sessionsBetween } from './measurement-schedule.js'
import { scheduleFor } from './profiles.js'

const OSLO = 'Europe/Oslo'
const from = new Date('2026-11-01T23:00:00Z') // 2 November 00:00 in Oslo, a Monday
const to = new Date('2026-11-15T23:00:00Z') // two weeks later

describe('sessionsBetween', () => {
  it('gives every planned session in [from, to) when adherence is 1', () => {
    const sessions = sessionsBetween(scheduleFor(['hypertension']), from, to, { seed: 1, timeZone: OSLO })
    expect(sessions).toHaveLength(28)
    expect(sessions.every((s, i) => i === 0 || s.at.getTime() > (sessions[i - 1]?.at.getTime() ?? 0))).toBe(true)
    expect(sessions.every((s) => s.at >= from && s.at < to)).toBe(true)
  })

  it('moves each session by a bounded, deterministic jitter around its planned local time', () => {
    const sessions = sessionsBetween(scheduleFor(['hypertension']), from, to, { seed: 1, timeZone: OSLO, jitterMinutes: 10 })
    for (const s of sessions) {
      const local = formatOffsetDateTime(s.at, OSLO).slice(11, 16)
      const [h, m] = local.split(':').map(Number) as [number, number]
      const [ph, pm] = s.slotTime.split(':').map(Number) as [number, number]
      expect(Math.abs(h * 60 + m - (ph * 60 + pm))).toBeLessThanOrEqual(30)
    }
    expect(sessionsBetween(scheduleFor(['hypertension']), from, to, { seed: 1, timeZone: OSLO })).toEqual(sessions)
    expect(sessionsBetween(scheduleFor(['hypertension']), from, to, { seed: 2, timeZone: OSLO })).not.toEqual(sessions)
  })

  it('misses a deterministic share of sessions with adherence below 1', () => {
    const plan = scheduleFor(['diabetes'])
    const all = sessionsBetween(plan, from, to, { seed: 'a', timeZone: OSLO })
    const some = sessionsBetween(plan, from, to, { seed: 'a', timeZone: OSLO, adherence: 0.7 })
    expect(some.length).toBeLessThan(all.length)
    expect(some.length).toBeGreaterThan(all.length * 0.5)
    expect(sessionsBetween(plan, from, to, { seed: 'a', timeZone: OSLO, adherence: 0.7 })).toEqual(some)
    expect(sessionsBetween(plan, from, to, { seed: 'a', timeZone: OSLO, adherence: 0 })).toEqual([])
  })

  it('keeps weekly slots to their weekdays', () => {
    // Diabetes: glucose three times a day, the scale on Mondays only.
    const sessions = sessionsBetween(scheduleFor(['diabetes']), from, to, { seed: 3, timeZone: OSLO })
    const scale = sessions.filter((s) => s.devices.includes('scale'))
    expect(scale.map((s) => s.localDate)).toEqual(['2026-11-02', '2026-11-09'])
    expect(sessions.filter((s) => s.devices.includes('glucose-meter'))).toHaveLength(42)
  })

  it('plans every day across the summer-time change', () => {
    const sessions = sessionsBetween(scheduleFor(['hypertension']), new Date('2026-03-27T23:00:00Z'), new Date('2026-03-30T22:00:00Z'), { seed: 1, timeZone: OSLO })
    expect(sessions.map((s) => s.localDate)).toEqual(['2026-03-28', '2026-03-28', '2026-03-29', '2026-03-29', '2026-03-30', '2026-03-30'])
  })

  it('is empty for an empty window, and uses the devices of a session one after the other', () => {
    expect(sessionsBetween(scheduleFor(['copd']), to, from, { seed: 1, timeZone: OSLO })).toEqual([])
    const [session] = sessionsBetween(scheduleFor(['copd']), from, to, { seed: 1, timeZone: OSLO })
    const times = deviceTimes(session as NonNullable<typeof session>)
    expect(times.map((t) => t.device)).toEqual(['oximeter', 'thermometer'])
    expect((times[1]?.at.getTime() ?? 0) - (times[0]?.at.getTime() ?? 0)).toBe(90_000)
  })
})
