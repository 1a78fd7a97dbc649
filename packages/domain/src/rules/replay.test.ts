import { describe, expect, it } from 'vitest'
import type { Reading } from '../protocol/types.js'
import type { VitalType } from '../vital-types.js'
import type { AlertAction, OpenAlertState } from './alert.js'
import { evaluateReadings } from './evaluate-readings.js'
import { replayAlerts } from './replay.js'
import { resolvePatientRules } from './resolve-patient-rules.js'
import type { ConditionId } from './rule-set.js'
import { proposeThresholds } from './threshold-proposal.js'

const UNITS: Partial<Record<VitalType, string>> = { spo2: '%', pulse: '/min', 'body-weight': 'kg', 'bp-systolic': 'mm[Hg]', 'bp-diastolic': 'mm[Hg]' }
const T0 = Date.parse('2026-03-02T08:00:00+01:00')
const HOUR = 3_600_000

function reading(hoursIn: number, type: VitalType, value: number): Reading {
  return {
    measurementId: `m-${type}-${hoursIn}`, deviceId: 'dev', type, value, unit: UNITS[type] ?? '', originalValue: null, originalUnit: null,
    measuredAt: new Date(T0 + hoursIn * HOUR), flags: [], battery: null, source: 'decoded',
  }
}

/** What the rules worker does: each batch judged as it arrives, the actions applied to the stored alerts; the alerts it opened. */
function asTheWorkerJudges(conditions: ConditionId[], batches: Reading[][]): { alertKey: string; severity: string; count: number; firstTriggeredAt: Date }[] {
  const ruleSet = resolvePatientRules(conditions, [])
  const open = new Map<string, OpenAlertState>()
  const opened: { alertKey: string; severity: string; count: number; firstTriggeredAt: Date }[] = []
  const stored: Reading[] = []
  for (const batch of batches) {
    const arrivesAt = new Date(Math.max(...batch.map((r) => r.measuredAt.getTime())) + 20_000)
    const actions: AlertAction[] = evaluateReadings({ ruleSet, readings: batch, history: stored, openAlerts: [...open.values()], now: arrivesAt })
    stored.push(...batch)
    for (const a of actions) {
      if (a.kind === 'open') {
        open.set(a.alert.alertKey, { alertKey: a.alert.alertKey, ruleId: a.alert.ruleId, severity: a.alert.severity, count: a.alert.count, isConditionActive: true, lastTriggeredAt: a.alert.triggeredAt })
        opened.push({ alertKey: a.alert.alertKey, severity: a.alert.severity, count: a.alert.count, firstTriggeredAt: a.alert.triggeredAt })
      } else if (a.kind === 'update') {
        Object.assign(open.get(a.alertKey)!, { severity: a.severity, count: a.count, isConditionActive: true, lastTriggeredAt: a.lastTriggeredAt })
        Object.assign(opened.findLast((o) => o.alertKey === a.alertKey)!, { severity: a.severity, count: a.count })
      } else {
        open.get(a.alertKey)!.isConditionActive = false
      }
    }
  }
  return opened
}

/** The replay, each reading judged with the batch it arrived in, as the server gives it (the stored batch, the time received). */
function replayed(conditions: ConditionId[], batches: Reading[][]) {
  const batchOf = new Map(batches.flatMap((b, i) => b.map((r) => [r, { batch: String(i), at: new Date(Math.max(...b.map((x) => x.measuredAt.getTime())) + 20_000) }] as const)))
  return replayAlerts({
    ruleSet: resolvePatientRules(conditions, []), readings: batches.flat(), from: new Date(T0), to: new Date(T0 + 30 * 24 * HOUR),
    arrival: (r) => batchOf.get(r)!,
  }).map((a) => ({ alertKey: a.alertKey, severity: a.severity, count: a.count, firstTriggeredAt: a.firstTriggeredAt }))
}

// The what-if must not be a second implementation of the rules: replaying the
// current rules over the stored readings reproduces exactly what the rules
// raised as the readings arrived, batch by batch.
describe('replayAlerts (the what-if)', () => {
  const cases: { name: string; conditions: ConditionId[]; batches: Reading[][] }[] = [
    {
      name: 'SpO2 around 90 % for two days, sent twice a day in pairs: one red alert, counted on',
      conditions: ['hypertension'],
      batches: [0, 12, 24, 36].map((h) => [reading(h, 'spo2', 90), reading(h + 1, 'spo2', 91)]),
    },
    {
      name: 'heart failure: weight gained over three days, and a high pulse that passes',
      conditions: ['heart-failure'],
      batches: [
        [reading(0, 'body-weight', 80), reading(0.1, 'pulse', 72)],
        [reading(24, 'body-weight', 80.8)],
        [reading(48, 'body-weight', 81.6), reading(48.1, 'pulse', 118)],
        [reading(72, 'body-weight', 82.4), reading(72.1, 'pulse', 80)],
      ],
    },
    { name: 'all readings normal: nothing', conditions: ['copd'], batches: [[reading(0, 'spo2', 95)], [reading(24, 'spo2', 96)]] },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const worker = asTheWorkerJudges(c.conditions, c.batches)
      expect(replayed(c.conditions, c.batches)).toEqual(worker)
    })
  }
  it('has cases that raise alerts (the comparison is not trivially empty)', () => {
    expect(asTheWorkerJudges(cases[0]!.conditions, cases[0]!.batches).length).toBeGreaterThan(0)
    expect(asTheWorkerJudges(cases[1]!.conditions, cases[1]!.batches).length).toBeGreaterThan(0)
  })
})

describe('proposeThresholds', () => {
  const startup = [90, 91, 90, 92, 91, 90, 89, 91].map((v, i) => reading(i * 12, 'spo2', v))
  const ruleSet = resolvePatientRules(['hypertension'], [])

  it('proposes SpO2 limits below the patient\'s own usual range when the defaults flag it, and leaves the rest', () => {
    const proposals = proposeThresholds(ruleSet, startup)
    expect(proposals.map((p) => p.ruleId)).toEqual(['threshold:spo2'])
    const spo2 = proposals[0]!.params.vitals[0]!
    // usual low (10th percentile) 89.7; hysteresis 1: yellow 2 below, red 4 below
    expect(spo2.yellow.low).toEqual({ value: 87.7, isInclusive: true })
    expect(spo2.red.low).toEqual({ value: 85.7, isInclusive: true })
    expect(proposals[0]!.basis).toEqual([{ vital: 'spo2', readings: 8, median: 90.5, low: 89.7, high: 91.3 }])
  })

  it('proposes nothing from too few readings, or from readings the defaults fit', () => {
    expect(proposeThresholds(ruleSet, startup.slice(0, 4))).toEqual([])
    expect(proposeThresholds(ruleSet, [95, 96, 97, 95, 96].map((v, i) => reading(i, 'spo2', v)))).toEqual([])
  })

  it('would have raised no alert over the start-up period where the defaults raised one', () => {
    const p = proposeThresholds(ruleSet, startup)[0]!
    const withIt = resolvePatientRules(['hypertension'], [{ ruleId: p.ruleId, version: 1, params: p.params, setBy: { id: 'lege' }, setAt: new Date(T0), reason: null }])
    const period = { readings: startup, from: new Date(T0), to: new Date(T0 + 14 * 24 * HOUR) }
    expect(replayAlerts({ ruleSet, ...period }).map((a) => a.severity)).toEqual(['red'])
    expect(replayAlerts({ ruleSet: withIt, ...period })).toEqual([])
  })
})
