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

export interface ReplayInput {
  ruleSet: RuleSet
  /** The patient's readings in the period and the history before it that the rules need (14 days). */
  readings: readonly Reading[]
  /** Only measurements in [from, to) are judged; earlier ones are history. */
  from: Date
  to: Date
  /** Alerts open when the period began. */
  openAlerts?: readonly OpenAlertState[]
}

export function replayAlerts(input: ReplayInput): ReplayedAlert[] {
  const sorted = [...input.readings].sort((a, b) => a.measuredAt.getTime() - b.measuredAt.getTime())
  const open = new Map<string, OpenAlertState>((input.openAlerts ?? []).map((a) => [a.alertKey, { ...a }]))
  const raised = new Map<string, ReplayedAlert>()
  const inPeriod = sorted.filter((r) => r.measuredAt >= input.from && r.measuredAt < input.to)
  for (const group of groupByMeasurement(inPeriod)) {
    const history = sorted.filter((r) => r.measuredAt.getTime() < group.at.getTime())
    const actions = evaluateReadings({ ruleSet: input.ruleSet, readings: group.readings, history, openAlerts: [...open.values()], now: group.at })
    for (const action of actions) apply(action, open, raised)
  }
  return [...raised.values()].sort((a, b) => a.firstTriggeredAt.getTime() - b.firstTriggeredAt.getTime())
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
