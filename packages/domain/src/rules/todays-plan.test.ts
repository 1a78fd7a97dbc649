import { describe, expect, it } from 'vitest'
import { ruleOverrideSchema } from './rule-override.js'
import { resolvePatientRules } from './resolve-patient-rules.js'
import { todaysPlan } from './todays-plan.js'

// Heart failure plans a morning weight by 10:00 Oslo time every day (profiles.ts).
const ruleSet = resolvePatientRules(['heart-failure'], [])
const at = (iso: string) => new Date(iso)

describe('todaysPlan (issue 25: what is still to do today)', () => {
  it('says due before the deadline, done once a reading falls in the window, missed after it without one', () => {
    const morning = at('2026-12-07T07:30:00Z') // 08:30 in Oslo
    expect(todaysPlan({ ruleSet, measuredAt: {}, pauses: [], now: morning }).map((p) => [p.vital, p.status])).toEqual([['body-weight', 'due']])
    const weighed = { 'body-weight': [at('2026-12-07T06:45:00Z')] }
    expect(todaysPlan({ ruleSet, measuredAt: weighed, pauses: [], now: morning })[0]!.status).toBe('done')
    // yesterday's weight does not count for today
    const yesterday = { 'body-weight': [at('2026-12-06T06:45:00Z')] }
    expect(todaysPlan({ ruleSet, measuredAt: yesterday, pauses: [], now: at('2026-12-07T12:00:00Z') })[0]!.status).toBe('missed')
  })

  it('says paused when a pause covers the window', () => {
    const pauses = [{ from: at('2026-12-06T00:00:00Z'), until: null }]
    expect(todaysPlan({ ruleSet, measuredAt: {}, pauses, now: at('2026-12-07T12:00:00Z') })[0]!.status).toBe('paused')
  })

  it('lists the daily question when the care team schedules it (a missed-measurement rule on wellbeing, ADR 0042), done once answered', () => {
    const scheduled = resolvePatientRules(['copd'], [ruleOverrideSchema.parse({
      ruleId: 'missed:wellbeing', version: 1, kind: 'missed-measurement',
      params: { vital: 'wellbeing', windowStart: '06:00', deadline: '12:00', weekdays: [1, 2, 3, 4, 5, 6, 7], severity: 'yellow' },
      setBy: { id: 'u-1', hprNumber: '9144889' }, setAt: '2026-12-01T09:00:00Z',
    })])
    const morning = at('2026-12-07T07:30:00Z')
    expect(todaysPlan({ ruleSet: scheduled, measuredAt: {}, pauses: [], now: morning }).map((p) => [p.vital, p.status])).toEqual([['wellbeing', 'due']])
    const answered = { wellbeing: [at('2026-12-07T07:10:00Z')] }
    expect(todaysPlan({ ruleSet: scheduled, measuredAt: answered, pauses: [], now: morning })[0]!.status).toBe('done')
  })
})
