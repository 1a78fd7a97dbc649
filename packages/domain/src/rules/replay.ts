import type { Reading } from '../protocol/types.js'
import type { AlertAction, OpenAlertState } from './alert.js'
import type { Severity } from './severity.js'
import { evaluateReadings } from './evaluate-readings.js'
import { groupByMeasurement } from './measurement-group.js'
import type { RuleSet } from './rule-set.js'

/**
 * What a rule set would have done (issue 17's what-if, which every threshold
 * edit reuses): the patient's stored readings judged again, in time order, by
 * the SAME entry point the rules worker calls (`evaluateReadings`), each
 * measurement at its own time, with the alerts it opened carried forward as
 * the worker's table carries them. No second implementation of any rule.
 *
 * Reading rules only (thresholds, trends, NEWS2): missed measurements and
 * device health depend on time and gateways, not on the readings replayed.
 * Nobody resolves an alert in a replay, so an alert opened stays open and
 * later findings count on it, as they do in the worker until a nurse acts.
 *
 * Readings are judged as they arrived (`arrival`: the stored batch and when it
 * was received), since the worker judges a batch in one evaluation, and an
 * alert opened by a batch is dated by its worst finding in it. Without
 * `arrival`, each measurement is judged alone at its own time. A worker round
 * that took several batches at once (under load) may date a first finding
 * differently from the replay; which alerts and how many findings do not change.
 */
export interface ReplayedAlert {
  alertKey: string
  ruleId: string
  ruleVersion: string
  /** The highest severity it reached. */
  severity: Severity
  /** Findings counted on it. */
  count: number
  firstTriggeredAt: Date
  lastTriggeredAt: Date
}

export interface ReplayInput<R extends Reading = Reading> {
  ruleSet: RuleSet
  /** The patient's readings in the period and the history before it that the rules need (14 days). */
  readings: readonly R[]
  /** Only measurements in [from, to) are judged; earlier ones are history. */
  from: Date
  to: Date
  /** Alerts open when the period began. */
  openAlerts?: readonly OpenAlertState[]
  /** The batch a reading arrived in and when it was judged (received). */
  arrival?: (reading: R) => { batch: string; at: Date }
}

export function replayAlerts<R extends Reading>(input: ReplayInput<R>): ReplayedAlert[] {
  const sorted = [...input.readings].sort((a, b) => a.measuredAt.getTime() - b.measuredAt.getTime())
  const open = new Map<string, OpenAlertState>((input.openAlerts ?? []).map((a) => [a.alertKey, { ...a }]))
  const raised = new Map<string, ReplayedAlert>()
  const inPeriod = sorted.filter((r) => r.measuredAt >= input.from && r.measuredAt < input.to)
  const judged: Reading[] = []
  for (const batch of arrivals(inPeriod, input.arrival)) {
    // the history is what was stored before the batch arrived, as the worker's is
    const history = [...sorted.filter((r) => r.measuredAt < input.from), ...judged]
    const actions = evaluateReadings({ ruleSet: input.ruleSet, readings: batch.readings, history, openAlerts: [...open.values()], now: batch.at })
    judged.push(...batch.readings)
    for (const action of actions) apply(action, open, raised)
  }
  return [...raised.values()].sort((a, b) => a.firstTriggeredAt.getTime() - b.firstTriggeredAt.getTime())
}

function arrivals<R extends Reading>(readings: readonly R[], arrival: ReplayInput<R>['arrival']): { at: Date; readings: Reading[] }[] {
  if (!arrival) return groupByMeasurement(readings)
  const batches = new Map<string, { at: Date; readings: Reading[] }>()
  for (const r of readings) {
    const { batch, at } = arrival(r)
    const b = batches.get(batch)
    if (b) {
      b.readings.push(r)
      if (at > b.at) b.at = at
    } else batches.set(batch, { at, readings: [r] })
  }
  return [...batches.values()].sort((a, b) => a.at.getTime() - b.at.getTime())
}

function apply(action: AlertAction, open: Map<string, OpenAlertState>, raised: Map<string, ReplayedAlert>): void {
  switch (action.kind) {
    case 'open': {
      const a = action.alert
      open.set(a.alertKey, {
        alertKey: a.alertKey, ruleId: a.ruleId, severity: a.severity, count: a.count, isConditionActive: a.isConditionActive, lastTriggeredAt: a.triggeredAt,
      })
      raised.set(`${a.alertKey}@${a.triggeredAt.toISOString()}`, {
        alertKey: a.alertKey, ruleId: a.ruleId, ruleVersion: a.ruleVersion, severity: a.severity, count: a.count,
        firstTriggeredAt: a.triggeredAt, lastTriggeredAt: a.triggeredAt,
      })
      return
    }
    case 'update': {
      const state = open.get(action.alertKey)
      if (!state) return
      Object.assign(state, { severity: action.severity, count: action.count, isConditionActive: true, lastTriggeredAt: action.lastTriggeredAt })
      const latest = [...raised.values()].filter((r) => r.alertKey === action.alertKey).at(-1)
      if (latest) Object.assign(latest, { severity: action.severity, count: action.count, lastTriggeredAt: action.lastTriggeredAt })
      return
    }
    case 'clear': {
      const state = open.get(action.alertKey)
      if (state) state.isConditionActive = false
      return
    }
  }
}
