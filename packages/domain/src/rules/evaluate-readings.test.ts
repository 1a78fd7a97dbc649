import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Reading, ReadingFlag } from '../protocol/types.js'
import type { VitalType } from '../vital-types.js'
import type { AlertAction, OpenAlertState } from './alert.js'
import { evaluateReadings, isHistoryOnly } from './evaluate-readings.js'
import { resolvePatientRules } from './resolve-patient-rules.js'
import { ruleOverrideSchema } from './rule-override.js'

function r(
  type: VitalType,
  value: number,
  at: string,
  options: { id?: string; flags?: ReadingFlag[]; device?: string } = {},
): Reading {
  return {
    measurementId: options.id ?? `${type}@${at}`,
    deviceId: options.device ?? 'D-1',
    type,
    value,
    unit: '',
    originalValue: null,
    originalUnit: null,
    measuredAt: new Date(at),
    flags: options.flags ?? [],
    battery: null,
    source: 'decoded',
  }
}

const general = resolvePatientRules([], [])
const heartFailure = resolvePatientRules(['heart-failure'], [])
const now = new Date('2026-04-10T12:00:00Z')

/** Applies actions to a list of open alerts the way a store would, refusing a second open alert per key. */
function applyActions(open: Map<string, OpenAlertState>, actions: AlertAction[]): void {
  for (const a of actions) {
    if (a.kind === 'open') {
      if (open.has(a.alert.alertKey)) throw new Error(`second open alert ${a.alert.alertKey}`)
      open.set(a.alert.alertKey, {
        alertKey: a.alert.alertKey,
        ruleId: a.alert.ruleId,
        severity: a.alert.severity,
        count: a.alert.count,
        isConditionActive: a.alert.isConditionActive,
        lastTriggeredAt: a.alert.triggeredAt,
      })
    } else if (a.kind === 'update') {
      Object.assign(open.get(a.alertKey) ?? {}, {
        severity: a.severity,
        count: a.count,
        isConditionActive: true,
        lastTriggeredAt: a.lastTriggeredAt,
      })
    } else {
      Object.assign(open.get(a.alertKey) ?? {}, { isConditionActive: false })
    }
  }
}

describe('late readings are history', () => {
  it('knows a history-only reading by its flag or by its age', () => {
    expect(isHistoryOnly(r('spo2', 80, '2026-04-10T11:00:00Z', { flags: ['late'] }), now)).toBe(
      true,
    )
    expect(isHistoryOnly(r('spo2', 80, '2026-04-09T11:59:59Z'), now)).toBe(true)
    expect(isHistoryOnly(r('spo2', 80, '2026-04-09T12:00:00Z'), now)).toBe(false)
  })

  it('never pages for a late reading, but counts it as history for a later one', () => {
    const late = r('body-weight', 80.0, '2026-04-08T07:00:00Z', { flags: ['late'] })
    expect(
      evaluateReadings({
        ruleSet: heartFailure,
        readings: [late, r('spo2', 70, '2026-04-08T07:00:00Z', { flags: ['late'] })],
        history: [],
        openAlerts: [],
        now,
      }),
    ).toEqual([])
    const today = r('body-weight', 82.5, '2026-04-10T07:00:00Z')
    const actions = evaluateReadings({
      ruleSet: heartFailure,
      readings: [today],
      history: [late],
      openAlerts: [],
      now,
    })
    expect(actions).toMatchObject([
      {
        kind: 'open',
        alert: { alertKey: 'trend:weight-gain', measures: { gainKg: 2.5, referenceKg: 80 } },
      },
    ])
  })
})

describe('evaluateReadings', () => {
  it('judges each measurement with what was known at its time, not with later readings of the same batch', () => {
    const batch = [
      r('respiratory-rate', 26, '2026-04-10T10:10:00Z'),
      r('spo2', 90, '2026-04-10T10:00:00Z', { id: 'ox' }),
      r('pulse', 135, '2026-04-10T10:00:00Z', { id: 'ox' }),
    ]
    const actions = evaluateReadings({
      ruleSet: general,
      readings: batch,
      history: [],
      openAlerts: [],
      now,
    })
    const opened = actions.flatMap((a) =>
      a.kind === 'open'
        ? [[a.alert.alertKey, a.alert.triggeredAt.toISOString(), a.alert.news2Score]]
        : [],
    )
    expect(opened).toEqual([
      // At 10:00 only SpO2 and pulse were known: no NEWS2 (needs 3 parameters).
      ['threshold:spo2', '2026-04-10T10:00:00.000Z', null],
      ['threshold:pulse', '2026-04-10T10:00:00.000Z', null],
      ['threshold:respiratory-rate', '2026-04-10T10:10:00.000Z', 9],
      ['news2', '2026-04-10T10:10:00.000Z', 9],
    ])
  })

  it('does not count a reading given both as new and as history twice', () => {
    const ruleSet = resolvePatientRules(['copd'], [])
    const history = [1, 2, 3, 4].map((d) => r('spo2', 92, `2026-04-0${d}T08:00:00Z`))
    const reading = r('spo2', 88, '2026-04-10T08:00:00Z')
    // Four readings in the baseline window are fewer than the five the rule needs, with or without the duplicate.
    expect(
      evaluateReadings({
        ruleSet,
        readings: [reading],
        history: [...history, reading],
        openAlerts: [],
        now,
      }),
    ).toEqual([])
  })

  it('does not clear a newer alert with an older reading that arrives late in the day', () => {
    const open: OpenAlertState = {
      alertKey: 'threshold:spo2',
      ruleId: 'threshold:spo2',
      severity: 'red',
      count: 1,
      isConditionActive: true,
      lastTriggeredAt: new Date('2026-04-10T11:00:00Z'),
    }
    expect(
      evaluateReadings({
        ruleSet: general,
        readings: [r('spo2', 98, '2026-04-10T09:00:00Z')],
        history: [],
        openAlerts: [open],
        now,
      }),
    ).toEqual([])
    expect(
      evaluateReadings({
        ruleSet: general,
        readings: [r('spo2', 98, '2026-04-10T11:30:00Z')],
        history: [],
        openAlerts: [open],
        now,
      }),
    ).toMatchObject([{ kind: 'clear' }])
  })

  it('skips a rule a clinician switched off', () => {
    const off = resolvePatientRules(
      [],
      [
        ruleOverrideSchema.parse({
          ruleId: 'threshold:pulse',
          version: 1,
          isEnabled: false,
          setBy: { id: 'u-1' },
          setAt: '2026-01-01T00:00:00Z',
        }),
      ],
    )
    expect(
      evaluateReadings({
        ruleSet: off,
        readings: [r('pulse', 150, '2026-04-10T11:00:00Z')],
        history: [],
        openAlerts: [],
        now,
      }),
    ).toEqual([])
  })

  it('is pure: the same input gives the same actions', () => {
    const input = {
      ruleSet: general,
      readings: [r('spo2', 85, '2026-04-10T11:00:00Z')],
      history: [],
      openAlerts: [],
      now,
    }
    expect(evaluateReadings(input)).toEqual(evaluateReadings(input))
  })
})

describe('properties of a stream of readings', () => {
  const start = Date.parse('2026-04-10T00:00:00Z')
  const run = (values: number[], type: VitalType = 'spo2') => {
    const open = new Map<string, OpenAlertState>()
    const history: Reading[] = []
    const all: AlertAction[] = []
    values.forEach((value, i) => {
      const reading = r(type, value, new Date(start + i * 600_000).toISOString())
      const actions = evaluateReadings({
        ruleSet: general,
        readings: [reading],
        history,
        openAlerts: [...open.values()],
        now: reading.measuredAt,
      })
      applyActions(open, actions)
      all.push(...actions)
      history.push(reading)
    })
    return { open, all }
  }

  it('keeps at most one open alert per key, counting every alarming reading', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 80, max: 100 }), { maxLength: 60 }), (values) => {
        const { open } = run(values)
        const alarming = values.filter((v) => v <= 93).length
        expect(open.get('threshold:spo2')?.count ?? 0).toBe(alarming)
      }),
    )
  })

  it('never flaps: values inside limit ± hysteresis never clear the alert', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(93, 94), { minLength: 1, maxLength: 60 }), (values) => {
        const { all } = run(values)
        expect(all.filter((a) => a.kind === 'clear')).toEqual([])
        expect(all.filter((a) => a.kind === 'open').length).toBe(values.includes(93) ? 1 : 0)
      }),
    )
  })

  it('clears only after a value past the hysteresis, and between two clears there is a finding', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 30, max: 160 }), { maxLength: 60 }), (values) => {
        const { all } = run(values, 'pulse')
        let isActive = false
        for (const a of all) {
          if (a.kind === 'clear') {
            expect(isActive).toBe(true)
            isActive = false
          } else isActive = true
        }
      }),
    )
  })
})
