import { describe, expect, it } from 'vitest'
import type { Reading } from '../protocol/types.js'
import type { VitalType } from '../vital-types.js'
import { VITAL_TYPES } from '../vital-types.js'
import type { AlertAction, OpenAlertState } from './alert.js'
import { evaluateReadings } from './evaluate-readings.js'
import { evaluateSchedules, nextScheduleDeadline } from './missed-measurement.js'
import { replayAlerts } from './replay.js'
import { resolvePatientRules } from './resolve-patient-rules.js'
import type { ConditionId, RuleSet } from './rule-set.js'
import { proposeThresholds } from './threshold-proposal.js'

const T0 = Date.parse('2026-03-02T08:00:00+01:00')
const HOUR = 3_600_000

function reading(hoursIn: number, type: VitalType, value: number, measurementId = `m-${type}-${hoursIn}`): Reading {
  return {
    measurementId, deviceId: 'dev', type, value, unit: VITAL_TYPES[type].unit, originalValue: null, originalUnit: null,
    measuredAt: new Date(T0 + hoursIn * HOUR), flags: [], battery: null, source: 'decoded',
  }
}
/** A cuff's measurement: systolic, diastolic and pulse under one measurement id. */
const cuff = (h: number, sys: number, dia: number, pulse: number) => [
  reading(h, 'bp-systolic', sys, `bp-${h}`), reading(h, 'bp-diastolic', dia, `bp-${h}`), reading(h, 'pulse', pulse, `bp-${h}`),
]
const arrivesAt = (batch: Reading[]) => new Date(Math.max(...batch.map((r) => r.measuredAt.getTime())) + 20_000)
type Opened = { alertKey: string; severity: string; count: number; firstTriggeredAt: Date }

/**
 * What the rules worker does (ingest/src/rule-worker.ts evaluatePatient): each
 * batch judged as it arrives with the stored readings loaded as an array, then
 * the schedules; between batches its periodic check (every 30 minutes and at
 * each deadline, its timer); the actions applied to its table of alerts.
 */
function asTheWorkerJudges(ruleSet: RuleSet, batches: Reading[][], to: Date): Opened[] {
  const open = new Map<string, OpenAlertState>()
  const opened: Opened[] = []
  const stored: Reading[] = []
  const lastReadingAtByType = () => {
    const last: Partial<Record<VitalType, Date>> = {}
    for (const r of stored) if (!last[r.type] || last[r.type]! < r.measuredAt) last[r.type] = r.measuredAt
    return last
  }
  const schedules = (now: Date) => evaluateSchedules({ ruleSet, lastReadingAtByType: lastReadingAtByType(), openAlerts: [...open.values()], now, serviceStartedAt: new Date(T0 - HOUR) })
  const store = (actions: AlertAction[]) => {
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
  let clock = T0 - HOUR
  const runChecksUntil = (t: number) => {
    for (;;) {
      const deadline = nextScheduleDeadline(ruleSet, new Date(clock))?.getTime() ?? Infinity
      const next = Math.min(clock + 30 * 60_000, deadline)
      if (next > t || next >= to.getTime()) return
      clock = next
      store(schedules(new Date(clock)))
    }
  }
  for (const batch of batches) {
    const now = arrivesAt(batch)
    runChecksUntil(now.getTime())
    clock = now.getTime()
    const readingActions = evaluateReadings({ ruleSet, readings: batch, history: [...stored], openAlerts: [...open.values()], now })
    stored.push(...batch)
    store([...readingActions, ...schedules(now)])
  }
  runChecksUntil(to.getTime())
  return opened
}

/** The replay, each reading judged with the batch it arrived in, as the server gives it (the stored batch, the time received). */
function replayed(ruleSet: RuleSet, batches: Reading[][], to: Date): Opened[] {
  const batchOf = new Map(batches.flatMap((b, i) => b.map((r) => [r, { batch: String(i), at: arrivesAt(b) }] as const)))
  return replayAlerts({
    ruleSet, readings: batches.flat(), from: new Date(T0), to, arrival: (r) => batchOf.get(r)!,
    schedules: { serviceStartedAt: new Date(T0 - HOUR), pauses: [] },
  }).map((a) => ({ alertKey: a.alertKey, severity: a.severity, count: a.count, firstTriggeredAt: a.firstTriggeredAt }))
}

const days = (n: number) => Array.from({ length: n }, (_, i) => i)

// The what-if must not be a second implementation of the rules: replaying the
// current rules over the stored readings reproduces exactly what the rules
// raised as the readings arrived, batch by batch (same rule, same severity,
// same count, same first time), for each kind of rule.
describe('replayAlerts (the what-if): the current rules replayed raise exactly what the worker raised', () => {
  const cases: { name: string; kinds: string[]; conditions: ConditionId[]; batches: Reading[][]; days: number }[] = [
    {
      name: 'threshold: SpO2 around 90 % for two days, sent twice a day in pairs: one red alert, counted on',
      kinds: ['threshold:spo2'], conditions: ['hypertension'], days: 3,
      batches: [0, 12, 24, 36].map((h) => [reading(h, 'spo2', 90), reading(h + 1, 'spo2', 91)]),
    },
    {
      name: 'threshold: a cuff\'s high pressures (one measurement, three readings), yellow then red, then normal',
      kinds: ['threshold:blood-pressure'], conditions: ['hypertension'], days: 3,
      batches: [cuff(0, 150, 90, 70), cuff(12, 165, 95, 72), cuff(24, 185, 100, 75), cuff(36, 130, 80, 70)],
    },
    {
      name: 'trend: weight gained over three days (heart failure), and a high pulse that passes',
      kinds: ['trend:weight-gain'], conditions: ['heart-failure'], days: 4,
      batches: [
        [reading(0, 'body-weight', 80), reading(0.1, 'pulse', 72)],
        [reading(24, 'body-weight', 80.8)],
        [reading(48, 'body-weight', 81.6), reading(48.1, 'pulse', 118)],
        [reading(72, 'body-weight', 82.4), reading(72.1, 'pulse', 80)],
      ],
    },
    {
      name: 'trend: COPD SpO2 falls 5 points below its own 14-day median, still inside the limits',
      kinds: ['baseline:spo2'], conditions: ['copd'], days: 10,
      batches: [...days(8).map((d) => [reading(d * 24, 'spo2', 94 + (d % 2))]), [reading(8 * 24, 'spo2', 90)], [reading(8 * 24 + 4, 'spo2', 89)]],
    },
    {
      name: 'NEWS2: breathing, pulse and temperature within the hour score red together',
      kinds: ['news2'], conditions: ['copd'], days: 2,
      batches: [[reading(0, 'respiratory-rate', 26), reading(0.2, 'pulse', 135), reading(0.4, 'body-temperature', 39.5), reading(0.5, 'spo2', 90)]],
    },
    {
      name: 'missed: the morning weight skipped on two days (heart failure), taken again between',
      kinds: ['missed:body-weight'], conditions: ['heart-failure'], days: 6,
      batches: [0, 1, 3, 5].map((d) => [reading(d * 24, 'body-weight', 80 + d * 0.1)]),
    },
    { name: 'all readings normal: nothing', kinds: [], conditions: ['copd'], days: 3, batches: [[reading(0, 'spo2', 95)], [reading(24, 'spo2', 96)]] },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const ruleSet = resolvePatientRules(c.conditions, [])
      const to = new Date(T0 + c.days * 24 * HOUR)
      const worker = asTheWorkerJudges(ruleSet, c.batches, to)
      // the scenario raises what it is about (the comparison is not trivially empty)
      for (const kind of c.kinds) expect(worker.map((a) => a.alertKey)).toContain(kind)
      if (c.kinds.length === 0) expect(worker).toEqual([])
      expect(replayed(ruleSet, c.batches, to)).toEqual(worker)
    })
  }
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
