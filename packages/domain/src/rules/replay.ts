import type { Reading } from '../protocol/types.js'
import type { AlertAction, AlertFinding, OpenAlertState } from './alert.js'
import type { Severity } from './severity.js'
import { evaluateReadings } from './evaluate-readings.js'
import { groupByMeasurement } from './measurement-group.js'
import { evaluateSchedules, nextScheduleDeadline } from './missed-measurement.js'
import { ReadingTimeline } from './reading-timeline.js'
import type { RuleSet, ServicePause } from './rule-set.js'
import type { VitalType } from '../vital-types.js'

/**
 * What a rule set would have done (issue 17's what-if, which every threshold
 * edit reuses): the patient's stored readings judged again, in time order, by
 * the SAME entry point the rules worker calls (`evaluateReadings`), each
 * measurement at its own time, with the alerts it opened carried forward as
 * the worker's table carries them. No second implementation of any rule.
 *
 * Reading rules (thresholds, trends, NEWS2) always; missed measurements when
 * `schedules` is given: the worker's periodic check (`evaluateSchedules`) run
 * at each deadline of the period and after each batch, as the worker runs it
 * (a missed measurement is dated by its deadline, whenever the check ran).
 * Device health depends on gateways, not on the readings replayed.
 * Nobody resolves an alert in a replay, so an alert opened stays open and
 * later findings count on it, as they do in the worker until a nurse acts.
 *
 * Readings are judged as they arrived (`arrival`: the stored batch and when it
 * was received), since the worker judges a batch in one evaluation, and an
 * alert opened by a batch is dated by its worst finding in it. Without
 * `arrival`, each measurement is judged alone at its own time. A worker round
 * that took several batches at once (under load) may date a first finding
 * differently from the replay; which alerts and how many findings do not change.
 *
 * Linear in the readings (ADR 0036): one `ReadingTimeline` is carried through
 * the period, each judged batch joining it as a stored batch joins the
 * worker's table, and each rule reads only its own window of it (a sliding
 * median for a baseline). 30 days of one reading a minute replay in well
 * under a second (`npm run bench:whatif`).
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
  /** Replay missed measurements too: from when the service started, and its pauses. */
  schedules?: { serviceStartedAt: Date | null; pauses: readonly ServicePause[] }
  /** Each reading rule's finding that counted on an alert (`evaluateReadings`' own): for `ReadingBands`. */
  onFinding?: ((finding: AlertFinding) => void) | undefined
}

export function replayAlerts<R extends Reading>(input: ReplayInput<R>): ReplayedAlert[] {
  const open = new Map<string, OpenAlertState>((input.openAlerts ?? []).map((a) => [a.alertKey, { ...a }]))
  const raised = new Raised()
  const sorted = [...input.readings].sort((a, b) => a.measuredAt.getTime() - b.measuredAt.getTime())
  const from = input.from.getTime()
  const to = input.to.getTime()
  const inPeriod = sorted.filter((r) => r.measuredAt.getTime() >= from && r.measuredAt.getTime() < to)
  // the history is what was stored before the batch arrived, as the worker's is: the readings before the period, then each batch judged
  const history = ReadingTimeline.of(sorted.filter((r) => r.measuredAt.getTime() < from))
  const checkSchedules = (now: Date) => {
    if (!input.schedules) return
    const lastReadingAtByType: Partial<Record<VitalType, Date>> = {}
    for (const type of history.types()) lastReadingAtByType[type] = history.lastMeasuredAt(type)
    const { serviceStartedAt, pauses } = input.schedules
    const actions = evaluateSchedules({ ruleSet: input.ruleSet, lastReadingAtByType, openAlerts: [...open.values()], now, pauses, serviceStartedAt })
    for (const action of actions) apply(action, open, raised)
  }
  let deadline = input.schedules ? nextScheduleDeadline(input.ruleSet, new Date(from - 1)) : null
  const checkDeadlinesUntil = (t: number) => {
    while (deadline && deadline.getTime() <= t && deadline.getTime() < to) {
      checkSchedules(deadline)
      deadline = nextScheduleDeadline(input.ruleSet, deadline)
    }
  }
  for (const batch of arrivals(inPeriod, input.arrival)) {
    checkDeadlinesUntil(batch.at.getTime())
    const actions = evaluateReadings({ ruleSet: input.ruleSet, readings: batch.readings, history, openAlerts: [...open.values()], now: batch.at, onFinding: input.onFinding })
    for (const action of actions) apply(action, open, raised)
    // a measurement that arrives clears its missed-measurement alert, as the worker checks after storing
    checkSchedules(batch.at)
  }
  checkDeadlinesUntil(to)
  return raised.all()
}

/** The alerts a replay opened, each with the latest one of its key at hand (an update counts on it). */
class Raised {
  private readonly list: ReplayedAlert[] = []
  private readonly latestByKey = new Map<string, ReplayedAlert>()

  open(alert: ReplayedAlert): void {
    this.list.push(alert)
    this.latestByKey.set(alert.alertKey, alert)
  }

  latest(alertKey: string): ReplayedAlert | undefined {
    return this.latestByKey.get(alertKey)
  }

  all(): ReplayedAlert[] {
    return [...this.list].sort((a, b) => a.firstTriggeredAt.getTime() - b.firstTriggeredAt.getTime())
  }
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

function apply(action: AlertAction, open: Map<string, OpenAlertState>, raised: Raised): void {
  switch (action.kind) {
    case 'open': {
      const a = action.alert
      open.set(a.alertKey, {
        alertKey: a.alertKey, ruleId: a.ruleId, severity: a.severity, count: a.count, isConditionActive: a.isConditionActive, lastTriggeredAt: a.triggeredAt,
      })
      raised.open({
        alertKey: a.alertKey, ruleId: a.ruleId, ruleVersion: a.ruleVersion, severity: a.severity, count: a.count,
        firstTriggeredAt: a.triggeredAt, lastTriggeredAt: a.triggeredAt,
      })
      return
    }
    case 'update': {
      const state = open.get(action.alertKey)
      if (!state) return
      Object.assign(state, { severity: action.severity, count: action.count, isConditionActive: true, lastTriggeredAt: action.lastTriggeredAt })
      const latest = raised.latest(action.alertKey)
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
