import type { Reading } from '../protocol/types.js'
import type { AlertFinding } from './alert.js'
import type { Verdict } from './alert-ledger.js'
import { toReadingRef, type MeasurementGroup } from './measurement-group.js'
import { ReadingTimeline } from './reading-timeline.js'
import type { RuleOf } from './rule-set.js'
import {
  formatNumber,
  formatQuantity,
  limitWord,
  localized,
  type Language,
} from './summary-text.js'
import { localDaysBetween, toLocalDate } from './zoned-time.js'

/**
 * Weight gain over days (ESC 2021 heart-failure self-care: > 2 kg in 3 days).
 * The new weight is compared with the lowest weight of the previous
 * `windowDays` calendar days in the patient's time zone, not with a sliding
 * 72 hours: daily morning weights are taken at slightly different times, and
 * "3 days ago" should mean that morning's weight whether it was taken at 07:10
 * or 07:40 (and across a DST change). Same-day weights are not a reference:
 * clothes and breakfast, not fluid.
 */
export function evaluateWeightGain(
  rule: RuleOf<'weight-gain'>,
  group: MeasurementGroup,
  earlier: readonly Reading[] | ReadingTimeline,
  timeZone: string,
): Verdict | null {
  const reading = group.readings.find((r) => r.type === 'body-weight')
  if (!reading) return null
  const { yellowGainKg, redGainKg, windowDays, hysteresisKg } = rule.params
  const today = toLocalDate(reading.measuredAt, timeZone)

  let lowest: { reading: Reading; daysAgo: number } | null = null
  // a day more than the window (and one for a DST day's extra hour) holds every weight of its calendar days
  const to = reading.measuredAt.getTime()
  for (const r of ReadingTimeline.of(earlier).between('body-weight', to - (windowDays + 2) * 86_400_000, to)) {
    const daysAgo = localDaysBetween(toLocalDate(r.measuredAt, timeZone), today)
    if (daysAgo < 1 || daysAgo > windowDays) continue
    if (!lowest || r.value <= lowest.reading.value) lowest = { reading: r, daysAgo }
  }
  if (!lowest) return null

  // Scales report 0.1 kg (or 0.005 kg in GATT); round away float noise (82.1 − 80.1).
  const gainKg = Math.round((reading.value - lowest.reading.value) * 1000) / 1000
  const severity =
    redGainKg !== null && gainKg >= redGainKg ? 'red' : gainKg >= yellowGainKg ? 'yellow' : null
  const readings = [toReadingRef(lowest.reading), toReadingRef(reading)]
  if (severity === null) {
    return gainKg < yellowGainKg - hysteresisKg
      ? { kind: 'over', alertKey: rule.id, ruleId: rule.id, at: group.at, readings }
      : null
  }
  const limitKg = severity === 'red' && redGainKg !== null ? redGainKg : yellowGainKg
  const days = lowest.daysAgo
  const from = lowest.reading.value
  const finding: AlertFinding = {
    ruleId: rule.id,
    ruleVersion: rule.version,
    ruleKind: rule.kind,
    severity,
    thresholds: rule.params,
    measures: { gainKg, weightKg: reading.value, referenceKg: from, days },
    readings,
    summary: localized((language) =>
      summary(reading.value, gainKg, from, days, windowDays, severity, limitKg, language),
    ),
    news2Score: null,
    source: rule.source,
    triggeredAt: group.at,
  }
  return { kind: 'finding', alertKey: rule.id, finding }
}

function summary(
  weight: number,
  gain: number,
  from: number,
  days: number,
  windowDays: number,
  severity: 'red' | 'yellow',
  limitKg: number,
  language: Language,
): string {
  const kg = (v: number) => formatQuantity('body-weight', v, language)
  const gainText = `+${formatNumber(gain, 1, language)} kg`
  if (language === 'nb') {
    const span = days === 1 ? '1 dag' : `${days} dager`
    return `Vekt ${kg(weight)}: ${gainText} på ${span}, fra ${kg(from)} (${limitWord(severity, language)} ≥ ${kg(limitKg)} på ${windowDays} dager)`
  }
  const span = days === 1 ? '1 day' : `${days} days`
  return `Weight ${kg(weight)}: ${gainText} in ${span}, from ${kg(from)} (${limitWord(severity, language)} ≥ ${kg(limitKg)} in ${windowDays} days)`
}
