import type { VitalType } from '../vital-types.js'
import { enabledRules, isPausedDuring, type RuleSet, type ServicePause } from './rule-set.js'
import { addLocalDays, formatLocalDate, fromLocalDateTime, isoWeekday, parseLocalTime, toLocalDate } from './zoned-time.js'

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
  /** measuredAt of the patient's readings per vital in the period (or `done`). */
  measuredAt?: Partial<Record<VitalType, readonly Date[]>>
  /**
   * Whether the patient has a reading in an occurrence's window, when the caller
   * has asked the store (the patient list: one statement for all patients) instead
   * of giving every reading; wins over `measuredAt`.
   */
  done?: (occurrence: PlanOccurrence) => boolean
  /** planOccurrences(ruleSet, now, d) for any d ≥ days, when the caller has them already (a list shares them among patients). */
  occurrences?: readonly PlanOccurrence[]
  pauses: readonly ServicePause[]
  serviceStartedAt: Date
  now: Date
  days: number
}

/** One occurrence of the measuring plan: a vital due between windowStart and deadline on a local date. */
export interface PlanOccurrence {
  vital: VitalType
  /** The local date, `YYYY-MM-DD` in the rule set's time zone. */
  date: string
  windowStart: Date
  deadline: Date
}

/**
 * The plan's occurrences of the last `days` days whose deadline has passed by
 * `now`, before the start of follow-up and pauses are taken off: the same for
 * every patient with the same rules, so a list asks the store once for all.
 */
export function planOccurrences(ruleSet: RuleSet, now: Date, days: number): PlanOccurrence[] {
  const today = toLocalDate(now, ruleSet.timeZone)
  const out: PlanOccurrence[] = []
  for (const rule of enabledRules(ruleSet, 'missed-measurement')) {
    const p = rule.params
    const start = parseLocalTime(p.windowStart)
    const end = parseLocalTime(p.deadline)
    if (!start || !end) continue
    for (let back = 0; back <= days + 1; back += 1) {
      const date = addLocalDays(today, -back)
      if (!p.weekdays.includes(isoWeekday(date))) continue
      const deadline = fromLocalDateTime(date, end, ruleSet.timeZone)
      if (deadline.getTime() > now.getTime()) continue
      out.push({ vital: p.vital, date: formatLocalDate(date), windowStart: fromLocalDateTime(date, start, ruleSet.timeZone), deadline })
    }
  }
  return out
}

export function adherence(input: AdherenceInput): { done: number; planned: number; ratio: number | null } {
  const from = Math.max(input.now.getTime() - input.days * 86_400_000, input.serviceStartedAt.getTime())
  const done = input.done ?? ((o: PlanOccurrence) => {
    const times = input.measuredAt?.[o.vital] ?? []
    return times.some((t) => t.getTime() >= o.windowStart.getTime() && t.getTime() <= o.deadline.getTime())
  })
  let planned = 0
  let count = 0
  for (const o of input.occurrences ?? planOccurrences(input.ruleSet, input.now, input.days)) {
    // (from ≥ now − days: occurrences of a longer span than `days` drop out here)
    if (o.windowStart.getTime() < from) continue
    if (isPausedDuring(input.pauses, o.windowStart, o.deadline)) continue
    planned += 1
    if (done(o)) count += 1
  }
  return { done: count, planned, ratio: planned === 0 ? null : count / planned }
}
