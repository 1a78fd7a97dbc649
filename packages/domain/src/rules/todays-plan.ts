import type { VitalType } from '../vital-types.js'
import { enabledRules, isPausedDuring, type RuleSet, type ServicePause } from './rule-set.js'
import { fromLocalDateTime, isoWeekday, parseLocalTime, toLocalDate } from './zoned-time.js'

export interface PlannedMeasurement {
  vital: VitalType
  windowStart: Date
  deadline: Date
  /** done: a reading in the window; due: the window is open or still to come; missed: the deadline passed without one; paused: the service is paused then. */
  status: 'done' | 'due' | 'missed' | 'paused'
}

/**
 * Today's measuring plan as the patient sees it (issue 25, "what is still to
 * do"): the same missed-measurement rules that adherence counts and that
 * raise a missed measurement, for today's date in the plan's time zone, each
 * with whether a reading came in its window.
 */
export function todaysPlan(input: {
  ruleSet: RuleSet
  measuredAt: Partial<Record<VitalType, readonly Date[]>>
  pauses: readonly ServicePause[]
  now: Date
}): PlannedMeasurement[] {
  const { ruleSet, now } = input
  const today = toLocalDate(now, ruleSet.timeZone)
  const out: PlannedMeasurement[] = []
  for (const rule of enabledRules(ruleSet, 'missed-measurement')) {
    const p = rule.params
    const start = parseLocalTime(p.windowStart)
    const end = parseLocalTime(p.deadline)
    if (!start || !end || !p.weekdays.includes(isoWeekday(today))) continue
    const windowStart = fromLocalDateTime(today, start, ruleSet.timeZone)
    const deadline = fromLocalDateTime(today, end, ruleSet.timeZone)
    const isDone = (input.measuredAt[p.vital] ?? []).some((d) => d.getTime() >= windowStart.getTime() && d.getTime() <= deadline.getTime())
    const status = isDone ? 'done'
      : isPausedDuring(input.pauses, windowStart, deadline) ? 'paused'
      : deadline.getTime() < now.getTime() ? 'missed' : 'due'
    out.push({ vital: p.vital, windowStart, deadline, status })
  }
  return out.sort((a, b) => a.windowStart.getTime() - b.windowStart.getTime())
}
