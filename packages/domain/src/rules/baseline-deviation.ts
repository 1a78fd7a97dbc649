import type { Reading } from '../protocol/types.js'
import type { VitalType } from '../vital-types.js'
import type { AlertFinding } from './alert.js'
import type { Verdict } from './alert-ledger.js'
import type { LocalizedText } from './localized-text.js'
import { toReadingRef, type MeasurementGroup } from './measurement-group.js'
import { ReadingTimeline } from './reading-timeline.js'
import type { RuleOf } from './rule-set.js'
import {
  formatNumber,
  formatQuantity,
  formatUnit,
  limitWord,
  localized,
  vitalLabel,
  type Language,
} from './summary-text.js'

/**
 * Deviation from the patient's own baseline: the median of their readings of
 * the vital over the last `windowDays` days (a sliding window of whole days;
 * an hour more or less on a DST day does not move a 14-day median). The
 * median, not the mean, so one bad reading (cold fingers) does not move it.
 * Needs `minReadings` readings in the window before it says anything.
 * `earlier`: the patient's readings (only those before the reading count); a
 * timeline keeps the window's median sliding from one reading to the next.
 */
export function evaluateBaselineDeviation(
  rule: RuleOf<'baseline-deviation'>,
  group: MeasurementGroup,
  earlier: readonly Reading[] | ReadingTimeline,
): Verdict | null {
  const { vital, direction, yellowDelta, redDelta, windowDays, minReadings, hysteresis } =
    rule.params
  const reading = group.readings.find((r) => r.type === vital)
  if (!reading) return null
  const to = reading.measuredAt.getTime()
  const from = to - windowDays * 86_400_000
  const window = ReadingTimeline.of(earlier).median(vital, from, to)
  if (!window || window.count < minReadings) return null

  const baseline = window.median
  const raw = direction === 'below' ? baseline - reading.value : reading.value - baseline
  const deviation = Math.round(raw * 1000) / 1000
  const severity =
    redDelta !== null && deviation >= redDelta ? 'red' : deviation >= yellowDelta ? 'yellow' : null
  const readings = [toReadingRef(reading)]
  if (severity === null) {
    return deviation < yellowDelta - hysteresis
      ? { kind: 'over', alertKey: rule.id, ruleId: rule.id, at: group.at, readings }
      : null
  }
  const limit = severity === 'red' && redDelta !== null ? redDelta : yellowDelta
  const finding: AlertFinding = {
    ruleId: rule.id,
    ruleVersion: rule.version,
    ruleKind: rule.kind,
    severity,
    thresholds: rule.params,
    measures: {
      value: reading.value,
      baselineMedian: baseline,
      deviation,
      baselineReadings: window.count,
    },
    readings,
    summary: localized((language) =>
      summary(
        vital,
        reading.value,
        baseline,
        deviation,
        direction,
        windowDays,
        severity,
        limit,
        language,
      ),
    ),
    news2Score: null,
    source: rule.source,
    triggeredAt: group.at,
  }
  return { kind: 'finding', alertKey: rule.id, finding }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length % 2 === 1) return sorted[mid] as number
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** SpO2 differences are percentage points, not per cent. */
const DELTA_UNIT: Partial<Record<VitalType, LocalizedText>> = {
  spo2: { nb: ' prosentpoeng', en: ' points' },
}

function summary(
  vital: VitalType,
  value: number,
  baseline: number,
  deviation: number,
  direction: 'below' | 'above',
  windowDays: number,
  severity: 'red' | 'yellow',
  limit: number,
  language: Language,
): string {
  const unit = DELTA_UNIT[vital]?.[language] ?? formatUnit(vital, language)
  const delta = (v: number) => `${formatNumber(v, 0, language)}${unit}`
  if (language === 'nb') {
    const dir = direction === 'below' ? 'under' : 'over'
    return `${vitalLabel(vital, language)} ${formatQuantity(vital, value, language)}: ${delta(deviation)} ${dir} egen median ${formatQuantity(vital, baseline, language)} siste ${windowDays} dager (${limitWord(severity, language)} ≥ ${delta(limit)})`
  }
  const dir = direction === 'below' ? 'below' : 'above'
  return `${vitalLabel(vital, language)} ${formatQuantity(vital, value, language)}: ${delta(deviation)} ${dir} own ${windowDays}-day median ${formatQuantity(vital, baseline, language)} (${limitWord(severity, language)} ≥ ${delta(limit)})`
}
