import type { VitalType } from '../vital-types.js'
import type { AlertAction, AlertFinding, OpenAlertState } from './alert.js'
import { AlertLedger } from './alert-ledger.js'
import type { LocalizedText } from './localized-text.js'
import {
  enabledRules,
  isPausedDuring,
  type MissedMeasurementParams,
  type RuleOf,
  type RuleSet,
  type ServicePause,
} from './rule-set.js'
import { formatDayMonth, localized, vitalLabel, type Language } from './summary-text.js'
import {
  addLocalDays,
  fromLocalDateTime,
  isoWeekday,
  parseLocalTime,
  toLocalDate,
  type LocalDate,
  type LocalTime,
} from './zoned-time.js'

/**
 * Missed measurements (*manglende måling*): a schedule such as "weight every
 * morning by 10:00" in the patient's wall-clock time. Deadlines are computed
 * with the Intl API per calendar day, so 10:00 Europe/Oslo stays 10:00 across
 * the DST changes (09:00Z in winter, 08:00Z in summer).
 */

export interface ScheduleOccurrence {
  date: LocalDate
  windowStart: Date
  deadline: Date
}

function time(text: string): LocalTime {
  return parseLocalTime(text) ?? { hour: 0, minute: 0 } // schemas guarantee HH:MM
}

function occurrenceOn(
  date: LocalDate,
  params: MissedMeasurementParams,
  timeZone: string,
): ScheduleOccurrence | null {
  if (!params.weekdays.includes(isoWeekday(date))) return null
  return {
    date,
    windowStart: fromLocalDateTime(date, time(params.windowStart), timeZone),
    deadline: fromLocalDateTime(date, time(params.deadline), timeZone),
  }
}

/** The latest occurrence whose deadline is at or before `now` (within a week), or null. */
export function latestDueOccurrence(
  params: MissedMeasurementParams,
  timeZone: string,
  now: Date,
): ScheduleOccurrence | null {
  const today = toLocalDate(now, timeZone)
  for (let back = 0; back <= 7; back += 1) {
    const occurrence = occurrenceOn(addLocalDays(today, -back), params, timeZone)
    if (occurrence && occurrence.deadline.getTime() <= now.getTime()) return occurrence
  }
  return null
}

/**
 * The next deadline after `now` of any enabled schedule: when to run
 * `evaluateSchedules` next (a timer instead of polling). Null without schedules.
 */
export function nextScheduleDeadline(ruleSet: RuleSet, now: Date): Date | null {
  const today = toLocalDate(now, ruleSet.timeZone)
  let next: Date | null = null
  for (const rule of enabledRules(ruleSet, 'missed-measurement')) {
    for (let ahead = 0; ahead <= 7; ahead += 1) {
      const occurrence = occurrenceOn(addLocalDays(today, ahead), rule.params, ruleSet.timeZone)
      if (!occurrence || occurrence.deadline.getTime() <= now.getTime()) continue
      if (!next || occurrence.deadline.getTime() < next.getTime()) next = occurrence.deadline
      break
    }
  }
  return next
}

export interface EvaluateSchedulesInput {
  ruleSet: RuleSet
  /** measuredAt of the patient's latest stored reading of each type (late readings included: the measurement was done). */
  lastReadingAtByType: Partial<Record<VitalType, Date>>
  openAlerts: readonly OpenAlertState[]
  now: Date
  /** Pauses of the service (*pause tjenesten*): no missed-measurement alert for a day that overlaps one. */
  pauses?: readonly ServicePause[]
  /** Start of the follow-up: days before it are not missed. */
  serviceStartedAt?: Date | null
}

/**
 * Missed-measurement alerts for the latest due occurrence of each schedule.
 * Idempotent: run it every minute or at each deadline (`nextScheduleDeadline`)
 * and after storing readings; an occurrence is counted once, and a
 * measurement taken after the window opened (even late) clears the alert.
 */
export function evaluateSchedules(input: EvaluateSchedulesInput): AlertAction[] {
  const { ruleSet, now } = input
  const pauses = input.pauses ?? []
  const ledger = new AlertLedger(input.openAlerts, now)

  for (const rule of enabledRules(ruleSet, 'missed-measurement')) {
    const occurrence = latestDueOccurrence(rule.params, ruleSet.timeZone, now)
    if (!occurrence) continue
    const lastAt = input.lastReadingAtByType[rule.params.vital]
    if (lastAt && lastAt.getTime() >= occurrence.windowStart.getTime()) {
      ledger.apply({ kind: 'over', alertKey: rule.id, ruleId: rule.id, at: lastAt, readings: [] })
      continue
    }
    // A schedule applies from the start of follow-up and, when a clinician set
    // it, from when it was set: never retroactively.
    const setAt = rule.origin.kind === 'override' ? rule.origin.setAt : null
    const notBefore = Math.max(
      input.serviceStartedAt?.getTime() ?? -Infinity,
      setAt?.getTime() ?? -Infinity,
    )
    if (occurrence.windowStart.getTime() < notBefore) continue
    if (isPausedDuring(pauses, occurrence.windowStart, occurrence.deadline)) continue
    ledger.apply({
      kind: 'finding',
      alertKey: rule.id,
      finding: missedFinding(rule, occurrence, lastAt ?? null, now),
    })
  }
  return ledger.actions()
}

const WEEKDAY: Readonly<Record<Language, readonly string[]>> = {
  nb: ['mandag', 'tirsdag', 'onsdag', 'torsdag', 'fredag', 'lørdag', 'søndag'],
  en: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
}

function missedFinding(
  rule: RuleOf<'missed-measurement'>,
  occurrence: ScheduleOccurrence,
  lastAt: Date | null,
  now: Date,
): AlertFinding {
  const { params } = rule
  const measures: Record<string, number> = {}
  if (lastAt)
    measures.hoursSinceLastReading = Math.floor((now.getTime() - lastAt.getTime()) / 360_000) / 10
  return {
    ruleId: rule.id,
    ruleVersion: rule.version,
    ruleKind: rule.kind,
    severity: params.severity,
    thresholds: params,
    measures,
    readings: [],
    summary: localized((language) => summary(params, occurrence.date, language)),
    news2Score: null,
    source: rule.source,
    triggeredAt: occurrence.deadline,
  }
}

const MISSED: LocalizedText = { nb: 'Manglende måling', en: 'Missed measurement' }

function summary(params: MissedMeasurementParams, date: LocalDate, language: Language): string {
  const day = `${WEEKDAY[language][isoWeekday(date) - 1] ?? ''} ${formatDayMonth(date.month, date.day, language)}`
  const what = vitalLabel(params.vital, language).toLowerCase()
  return language === 'nb'
    ? `${MISSED.nb}: ${what} ikke målt innen kl. ${params.deadline} ${day}`
    : `${MISSED.en}: ${what} not taken by ${params.deadline} on ${day}`
}
