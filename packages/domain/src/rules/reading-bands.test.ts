import { describe, expect, it } from 'vitest'
import type { Reading } from '../protocol/types.js'
import type { VitalType } from '../vital-types.js'
import { VITAL_TYPES } from '../vital-types.js'
import { compareReadingBands, ReadingBands } from './reading-bands.js'
import { replayAlerts } from './replay.js'
import { resolvePatientRules } from './resolve-patient-rules.js'
import type { RuleOverride } from './rule-override.js'
import type { ConditionId } from './rule-set.js'

const T0 = Date.parse('2026-03-02T08:00:00+01:00')
const HOUR = 3_600_000

function reading(hoursIn: number, type: VitalType, value: number, measurementId = `m-${type}-${hoursIn}`): Reading {
  return {
    measurementId, deviceId: 'dev', type, value, unit: VITAL_TYPES[type].unit, originalValue: null, originalUnit: null,
    measuredAt: new Date(T0 + hoursIn * HOUR), flags: [], battery: null, source: 'decoded',
  }
}
const cuff = (h: number, sys: number, dia: number) => [reading(h, 'bp-systolic', sys, `bp-${h}`), reading(h, 'bp-diastolic', dia, `bp-${h}`)]
const at = (hoursIn: number) => new Date(T0 + hoursIn * HOUR)
const override = (ruleId: string, change: Pick<RuleOverride, 'params'> & Partial<Pick<RuleOverride, 'isEnabled'>>): RuleOverride =>
  ({ ruleId, version: 1, setBy: { id: 'lege' }, setAt: new Date(T0), reason: null, ...change })
const spo2Limits = (yellow: number, red: number) => ({
  vitals: [{ vital: 'spo2', red: { low: { value: red, isInclusive: true } }, yellow: { low: { value: yellow, isInclusive: true } }, hysteresis: 1 }],
})

/** The what-if as the server runs it: the same readings replayed with the rules as they are and with the change, the findings gathered. */
function whatIf(conditions: ConditionId[], change: RuleOverride, readings: Reading[], days: number, limit?: number) {
  const replay = (overrides: RuleOverride[]) => {
    const bands = new ReadingBands()
    const ruleSet = resolvePatientRules(conditions, overrides)
    replayAlerts({ ruleSet, readings, from: new Date(T0), to: at(days * 24), onFinding: (f) => bands.add(f) })
    return bands
  }
  return compareReadingBands(replay([]), replay([change]), limit)
}

type Row = [hoursIn: number, type: VitalType, value: number, before: string | null, after: string | null]
const rows = (list: { readings: { measuredAt: Date; type: VitalType; value: number; before: string | null; after: string | null }[] }): Row[] =>
  list.readings.map((r) => [(r.measuredAt.getTime() - T0) / HOUR, r.type, r.value, r.before, r.after])

// Issue 20: the form lists the exact readings a change would make alert or
// pass, and the ones it moves between yellow and red, from the replay's own
// findings (no second judgement). Each scenario names every reading expected.
describe('compareReadingBands: the exact readings a rule change makes alert, pass or change band', () => {
  const cases: {
    name: string; conditions: ConditionId[]; change: RuleOverride; readings: Reading[]; days: number
    nowAlert: Row[]; nowPass: Row[]; otherBand: Row[]
  }[] = [
    {
      name: 'SpO2 limits raised (yellow ≤ 94, red ≤ 90): 94 % now alerts, 91 % goes from red to yellow, the rest as they were',
      conditions: ['hypertension'], change: override('threshold:spo2', { params: spo2Limits(94, 90) }), days: 1,
      readings: [95, 93, 92, 91, 90, 94].map((v, i) => reading(i, 'spo2', v)),
      nowAlert: [[5, 'spo2', 94, null, 'yellow']],
      nowPass: [],
      otherBand: [[3, 'spo2', 91, 'red', 'yellow']],
    },
    {
      name: 'SpO2 limits lowered (yellow ≤ 91, red ≤ 89): 93 % and 92 % now pass, 91 % and 90 % go from red to yellow',
      conditions: ['hypertension'], change: override('threshold:spo2', { params: spo2Limits(91, 89) }), days: 1,
      readings: [95, 93, 92, 91, 90, 94].map((v, i) => reading(i, 'spo2', v)),
      nowAlert: [],
      nowPass: [[2, 'spo2', 92, 'yellow', null], [1, 'spo2', 93, 'yellow', null]],
      otherBand: [[4, 'spo2', 90, 'red', 'yellow'], [3, 'spo2', 91, 'red', 'yellow']],
    },
    {
      name: 'blood pressure: the cuff\'s systolic 165 passes a yellow limit of 170; its diastolic, never in a band, is never listed',
      conditions: ['hypertension'], days: 2,
      change: override('threshold:blood-pressure', { params: { vitals: [{ vital: 'bp-systolic', red: { high: { value: 180, isInclusive: true } }, yellow: { high: { value: 170, isInclusive: true } }, hysteresis: 5 }] } }),
      readings: [...cuff(0, 165, 95), ...cuff(12, 150, 105), ...cuff(24, 172, 90)],
      nowAlert: [],
      nowPass: [[0, 'bp-systolic', 165, 'yellow', null]],
      otherBand: [],
    },
    {
      name: 'weight gain from 2.0 to 1.5 kg in 3 days: the 81.6 kg of day 2 now alerts; the lowest weight the gain is measured from is not listed',
      conditions: ['heart-failure'], days: 4,
      change: override('trend:weight-gain', { params: { yellowGainKg: 1.5 } }),
      readings: [80, 80.8, 81.6, 82.4].map((v, d) => reading(d * 24, 'body-weight', v)),
      nowAlert: [[48, 'body-weight', 81.6, null, 'yellow']],
      nowPass: [],
      otherBand: [],
    },
    {
      name: 'COPD baseline switched off: the two readings 4 and 5 points below the 14-day median (inside the limits) now pass',
      conditions: ['copd'], days: 10,
      change: override('baseline:spo2', { params: {}, isEnabled: false }),
      readings: [...Array.from({ length: 8 }, (_, d) => reading(d * 24, 'spo2', 94 + (d % 2))), reading(8 * 24, 'spo2', 90), reading(8 * 24 + 4, 'spo2', 89)],
      nowAlert: [],
      nowPass: [[196, 'spo2', 89, 'yellow', null], [192, 'spo2', 90, 'yellow', null]],
      otherBand: [],
    },
    {
      name: 'a change that changes nothing: no reading listed',
      conditions: ['hypertension'], change: override('threshold:spo2', { params: spo2Limits(93, 91) }), days: 1,
      readings: [95, 93, 92, 91, 90, 94].map((v, i) => reading(i, 'spo2', v)),
      nowAlert: [], nowPass: [], otherBand: [],
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const changes = whatIf(c.conditions, c.change, c.readings, c.days)
      expect({ nowAlert: rows(changes.nowAlert), nowPass: rows(changes.nowPass), otherBand: rows(changes.otherBand) })
        .toEqual({ nowAlert: c.nowAlert, nowPass: c.nowPass, otherBand: c.otherBand })
      expect([changes.nowAlert.count, changes.nowPass.count, changes.otherBand.count]).toEqual([c.nowAlert.length, c.nowPass.length, c.otherBand.length])
    })
  }

  it('30 days of a reading every minute: the counts are exact, the list is the newest `limit` of them', () => {
    // SpO2 93 % on every 10th minute (yellow today), 96 % otherwise; the yellow limit lowered to 92 % lets all 4,320 of them pass
    const readings = Array.from({ length: 30 * 1440 }, (_, m) => reading(m / 60, 'spo2', m % 10 === 0 ? 93 : 96))
    const changes = whatIf(['hypertension'], override('threshold:spo2', { params: spo2Limits(92, 91) }), readings, 30, 3)
    expect(changes.nowPass.count).toBe(4320)
    expect(rows(changes.nowPass)).toEqual([29 * 24 + 23 + 50 / 60, 29 * 24 + 23 + 40 / 60, 29 * 24 + 23 + 30 / 60].map((h) => [h, 'spo2', 93, 'yellow', null]))
    expect([changes.nowAlert.count, changes.otherBand.count]).toEqual([0, 0])
  })
})
