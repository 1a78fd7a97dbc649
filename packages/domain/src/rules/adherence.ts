import type { VitalType } from '../vital-types.js'
import { enabledRules, isPausedDuring, type RuleSet, type ServicePause } from './rule-set.js'
import { addLocalDays, fromLocalDateTime, isoWeekday, parseLocalTime, toLocalDate } from './zoned-time.js'

/**
 * Adherence (issue 17): measurements done ÷ planned over the last `days`
 * days. Planned: each occurrence of the measuring plan (the patient's
 * missed-measurement rules, the same ones that raise a missed measurement)
 * whose deadline has passed, from the start of follow-up, outside pauses.
 * Done: a reading of the vital between the occurrence's window start and its
 * deadline. Null when nothing was planned.
 */
export interface AdherenceInput {
  ruleSet: RuleSet
  /** measuredAt of the patient's readings per vital in the period. */
  measuredAt: Partial<Record<VitalType, readonly Date[]>>
  pauses: readonly ServicePause[]
  serviceStartedAt: Date
  now: Date
  days: number
}

export function adherence(input: AdherenceInput): { done: number; planned: number; ratio: number | null } {
  const { ruleSet, now } = input
  const from = Math.max(now.getTime() - input.days * 86_400_000, input.serviceStartedAt.getTime())
  const today = toLocalDate(now, ruleSet.timeZone)
  let planned = 0
  let done = 0
  for (const rule of enabledRules(ruleSet, 'missed-measurement')) {
    const p = rule.params
    const start = parseLocalTime(p.windowStart)
    const end = parseLocalTime(p.deadline)
    if (!start || !end) continue
    const times = (input.measuredAt[p.vital] ?? []).map((d) => d.getTime())
    for (let back = 0; back <= input.days + 1; back += 1) {
      const date = addLocalDays(today, -back)
      if (!p.weekdays.includes(isoWeekday(date))) continue
      const windowStart = fromLocalDateTime(date, start, ruleSet.timeZone)
      const deadline = fromLocalDateTime(date, end, ruleSet.timeZone)
      if (deadline.getTime() > now.getTime() || windowStart.getTime() < from) continue
      if (isPausedDuring(input.pauses, windowStart, deadline)) continue
      planned += 1
      if (times.some((t) => t >= windowStart.getTime() && t <= deadline.getTime())) done += 1
    }
  }
  return { done, planned, ratio: planned === 0 ? null : done / planned }
}
