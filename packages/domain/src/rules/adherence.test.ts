import { describe, expect, it } from 'vitest'
import { adherence, planOccurrences } from './adherence.js'
import { resolvePatientRules } from './resolve-patient-rules.js'

// Heart failure: the morning weight every day by 10:00 Europe/Oslo (profiles.ts: window from 00:00).
const ruleSet = resolvePatientRules(['heart-failure'], [])
const at = (iso: string) => new Date(iso)
const now = at('2026-03-10T12:00+01:00')

describe('adherence (done ÷ planned)', () => {
  const cases = [
    { name: 'weighed every morning of the last 7 days', weights: [4, 5, 6, 7, 8, 9, 10].map((d) => `2026-03-${String(d).padStart(2, '0')}T08:00+01:00`), pauses: [], done: 7, planned: 7 },
    { name: 'weighed on 3 of 7 mornings, once too late (11:00)', weights: ['2026-03-04T08:00+01:00', '2026-03-06T07:30+01:00', '2026-03-10T09:59+01:00', '2026-03-08T11:00+01:00'], pauses: [], done: 3, planned: 7 },
    // as for missed measurements, a day whose window a pause overlaps is not planned; a weighing in it does not count
    { name: 'a hospital stay from the 4th to the 8th at noon is not planned', weights: ['2026-03-08T08:00+01:00', '2026-03-09T08:00+01:00'], pauses: [{ from: at('2026-03-04T00:00+01:00'), until: at('2026-03-08T12:00+01:00') }], done: 1, planned: 2 },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const r = adherence({ ruleSet, measuredAt: { 'body-weight': c.weights.map(at) }, pauses: c.pauses, serviceStartedAt: at('2026-01-01T00:00+01:00'), now, days: 7 })
      expect([r.done, r.planned]).toEqual([c.done, c.planned])
    })
  }
  it('counts nothing before the start of follow-up, and says null when nothing was planned', () => {
    expect(adherence({ ruleSet, measuredAt: {}, pauses: [], serviceStartedAt: at('2026-03-09T00:00+01:00'), now, days: 30 })).toEqual({ done: 0, planned: 2, ratio: 0 })
    expect(adherence({ ruleSet: resolvePatientRules(['copd'], []), measuredAt: {}, pauses: [], serviceStartedAt: at('2026-01-01'), now, days: 7 }).ratio).toBeNull()
  })
  // the list asks the store which occurrences have a reading (one statement for all patients, docs/decisions/0043)
  // and shares the 30 days' occurrences between its 7- and 30-day counts: the same answer as from the readings
  it('counts the same from the occurrences a store says are done as from the readings, for 7 and 30 days', () => {
    for (const c of cases) {
      const weights = c.weights.map(at)
      const occurrences = planOccurrences(ruleSet, now, 30)
      const done = (o: { windowStart: Date; deadline: Date }) => weights.some((t) => t >= o.windowStart && t <= o.deadline)
      for (const days of [7, 30]) {
        const input = { ruleSet, pauses: c.pauses, serviceStartedAt: at('2026-01-01T00:00+01:00'), now, days }
        expect(adherence({ ...input, occurrences, done })).toEqual(adherence({ ...input, measuredAt: { 'body-weight': weights } }))
      }
    }
  })
})
