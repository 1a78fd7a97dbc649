import { describe, expect, it } from 'vitest'
import type { OpenAlertState } from './alert.js'
import {
  evaluateSchedules,
  latestDueOccurrence,
  nextScheduleDeadline,
} from './missed-measurement.js'
import { resolvePatientRules } from './resolve-patient-rules.js'
import { ruleOverrideSchema } from './rule-override.js'
import type { MissedMeasurementParams } from './rule-set.js'

const OSLO = 'Europe/Oslo'
const morningWeight: MissedMeasurementParams = {
  vital: 'body-weight',
  windowStart: '00:00',
  deadline: '10:00',
  weekdays: [1, 2, 3, 4, 5, 6, 7],
  severity: 'yellow',
}
const heartFailure = resolvePatientRules(['heart-failure'], [])

describe('latestDueOccurrence and nextScheduleDeadline', () => {
  it.each([
    // now (UTC), latest due deadline (UTC)
    ['2026-03-29T07:59:00Z', '2026-03-28T09:00:00.000Z'], // 09:59 CEST: Sunday's not yet due
    ['2026-03-29T08:00:00Z', '2026-03-29T08:00:00.000Z'], // 10:00 CEST
    ['2026-10-25T08:30:00Z', '2026-10-24T08:00:00.000Z'], // 09:30 CET: Sunday's not yet due
    ['2026-10-25T09:00:00Z', '2026-10-25T09:00:00.000Z'], // 10:00 CET
  ])('at %s the latest due deadline is %s', (now, deadline) => {
    expect(latestDueOccurrence(morningWeight, OSLO, new Date(now))?.deadline.toISOString()).toBe(
      deadline,
    )
  })

  it('skips weekdays the schedule does not have', () => {
    const mondays = { ...morningWeight, weekdays: [1] }
    const occurrence = latestDueOccurrence(mondays, OSLO, new Date('2026-02-12T12:00:00Z')) // a Thursday
    expect(occurrence?.date).toEqual({ year: 2026, month: 2, day: 9 })
    expect(occurrence?.windowStart.toISOString()).toBe('2026-02-08T23:00:00.000Z')
  })

  it('tells when to look next, across the DST change', () => {
    expect(
      nextScheduleDeadline(heartFailure, new Date('2026-03-28T09:00:00Z'))?.toISOString(),
    ).toBe('2026-03-29T08:00:00.000Z')
    expect(
      nextScheduleDeadline(heartFailure, new Date('2026-03-28T08:59:00Z'))?.toISOString(),
    ).toBe('2026-03-28T09:00:00.000Z')
    expect(nextScheduleDeadline(resolvePatientRules([], []), new Date())).toBeNull()
  })
})

describe('evaluateSchedules', () => {
  const now = new Date('2026-02-11T09:30:00Z') // 10:30 in Oslo, a Wednesday
  const base = { ruleSet: heartFailure, openAlerts: [] as OpenAlertState[], now }

  it('raises a missed measurement with the deadline as its time', () => {
    const [action] = evaluateSchedules({
      ...base,
      lastReadingAtByType: { 'body-weight': new Date('2026-02-10T06:30:00Z') },
    })
    expect(action).toMatchObject({
      kind: 'open',
      alert: {
        alertKey: 'missed:body-weight',
        ruleKind: 'missed-measurement',
        severity: 'yellow',
        triggeredAt: new Date('2026-02-11T09:00:00Z'),
        measures: { hoursSinceLastReading: 27 },
        readings: [],
        summary: {
          nb: 'Manglende måling: vekt ikke målt innen kl. 10:00 onsdag 11.02.',
          en: 'Missed measurement: weight not taken by 10:00 on Wednesday 11 Feb',
        },
      },
    })
  })

  it('counts each day once, however often it runs', () => {
    const open: OpenAlertState = {
      alertKey: 'missed:body-weight',
      ruleId: 'missed:body-weight',
      severity: 'yellow',
      count: 1,
      isConditionActive: true,
      lastTriggeredAt: new Date('2026-02-11T09:00:00Z'),
    }
    expect(evaluateSchedules({ ...base, lastReadingAtByType: {}, openAlerts: [open] })).toEqual([])
    expect(
      evaluateSchedules({
        ...base,
        now: new Date('2026-02-12T09:00:00Z'),
        lastReadingAtByType: {},
        openAlerts: [open],
      }),
    ).toMatchObject([{ kind: 'update', count: 2 }])
  })

  it('is satisfied by a measurement taken after the window opened, even after the deadline', () => {
    const open: OpenAlertState = {
      alertKey: 'missed:body-weight',
      ruleId: 'missed:body-weight',
      severity: 'yellow',
      count: 1,
      isConditionActive: true,
      lastTriggeredAt: new Date('2026-02-11T09:00:00Z'),
    }
    expect(
      evaluateSchedules({
        ...base,
        lastReadingAtByType: { 'body-weight': new Date('2026-02-11T09:20:00Z') },
        openAlerts: [open],
      }),
    ).toEqual([
      {
        kind: 'clear',
        alertKey: 'missed:body-weight',
        ruleId: 'missed:body-weight',
        clearedAt: new Date('2026-02-11T09:20:00Z'),
        readings: [],
      },
    ])
    expect(
      evaluateSchedules({
        ...base,
        lastReadingAtByType: { 'body-weight': new Date('2026-02-10T23:10:00Z') },
      }),
    ).toEqual([])
  })

  it('raises nothing for a day that overlaps a pause, before the service started, or before a clinician set the schedule', () => {
    const pause = {
      from: new Date('2026-02-10T12:00:00Z'),
      until: new Date('2026-02-11T08:00:00Z'),
    }
    expect(evaluateSchedules({ ...base, lastReadingAtByType: {}, pauses: [pause] })).toEqual([])
    expect(
      evaluateSchedules({
        ...base,
        lastReadingAtByType: {},
        pauses: [{ from: new Date('2026-02-11T00:00:00Z'), until: null }],
      }),
    ).toEqual([])
    expect(
      evaluateSchedules({
        ...base,
        lastReadingAtByType: {},
        serviceStartedAt: new Date('2026-02-11T07:00:00Z'),
      }),
    ).toEqual([])

    const setLate = resolvePatientRules(
      ['heart-failure'],
      [
        ruleOverrideSchema.parse({
          ruleId: 'missed:body-weight',
          version: 1,
          params: { deadline: '09:00' },
          setBy: { id: 'u-1' },
          setAt: '2026-02-11T06:00:00Z',
        }),
      ],
    )
    expect(evaluateSchedules({ ...base, ruleSet: setLate, lastReadingAtByType: {} })).toEqual([])
    expect(
      evaluateSchedules({
        ...base,
        ruleSet: setLate,
        now: new Date('2026-02-12T08:00:00Z'),
        lastReadingAtByType: {},
      }),
    ).toMatchObject([
      {
        kind: 'open',
        alert: {
          ruleVersion: 'default:2026.1+override:1',
          triggeredAt: new Date('2026-02-12T08:00:00Z'),
        },
      },
    ])
  })
})
