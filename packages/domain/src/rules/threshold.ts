import type { Reading } from '../protocol/types.js'
import type { VitalType } from '../vital-types.js'
import type { AlertFinding } from './alert.js'
import type { Verdict } from './alert-ledger.js'
import { breachedSide, classifyValue, isClearOf, limitSign } from './band.js'
import type { LocalizedText } from './localized-text.js'
import { toReadingRef, type MeasurementGroup } from './measurement-group.js'
import { enabledRules, type RuleOf, type RuleSet, type VitalBands } from './rule-set.js'
import { maxSeverity, type Severity } from './severity.js'
import {
  formatQuantity,
  formatUnit,
  formatVitalNumber,
  limitWord,
  localized,
  vitalLabel,
  type Language,
} from './summary-text.js'

/**
 * Threshold rules: a value in a red or yellow band. With hysteresis: once
 * alarmed, the condition is over only when every value of the measurement is
 * clear of the bands by the rule's hysteresis; a value between (the dead band)
 * changes nothing, so a value hovering at a limit neither re-alarms nor clears
 * on every reading.
 */

const SHORT_LABEL: Partial<Record<VitalType, LocalizedText>> = {
  'bp-systolic': { nb: 'systolisk', en: 'systolic' },
  'bp-diastolic': { nb: 'diastolisk', en: 'diastolic' },
}

const BLOOD_PRESSURE: LocalizedText = { nb: 'Blodtrykk', en: 'Blood pressure' }

interface Judged {
  bands: VitalBands
  reading: Reading
  severity: Severity | null
}

export function evaluateThreshold(
  rule: RuleOf<'threshold'>,
  group: MeasurementGroup,
  news2Score: number | null,
): Verdict | null {
  const judged: Judged[] = []
  for (const bands of rule.params.vitals) {
    const reading = group.readings.find((r) => r.type === bands.vital)
    if (reading) judged.push({ bands, reading, severity: classifyValue(bands, reading.value) })
  }
  if (judged.length === 0) return null

  let worst: Severity | null = null
  for (const j of judged)
    if (j.severity) worst = worst ? maxSeverity(worst, j.severity) : j.severity
  const readings = judged.map((j) => toReadingRef(j.reading))

  if (worst === null) {
    return judged.every((j) => isClearOf(j.bands, j.reading.value))
      ? { kind: 'over', alertKey: rule.id, ruleId: rule.id, at: group.at, readings }
      : null
  }
  const severity = worst
  const finding: AlertFinding = {
    ruleId: rule.id,
    ruleVersion: rule.version,
    ruleKind: rule.kind,
    severity,
    thresholds: rule.params,
    measures: Object.fromEntries(judged.map((j) => [j.reading.type, j.reading.value])),
    readings,
    summary: localized((language) => thresholdSummary(judged, severity, language)),
    news2Score,
    source: rule.source,
    triggeredAt: group.at,
  }
  return { kind: 'finding', alertKey: rule.id, finding }
}

function thresholdSummary(judged: Judged[], severity: Severity, language: Language): string {
  const breached = judged.filter((j) => j.severity === severity)
  const limits = breached.map((j) => {
    const band = severity === 'red' ? j.bands.red : j.bands.yellow
    const side = breachedSide(band, j.reading.value) ?? 'low'
    const limit = band[side]
    const text = limit
      ? `${limitSign(side, limit)} ${formatQuantity(j.bands.vital, limit.value, language)}`
      : ''
    const short = SHORT_LABEL[j.bands.vital]
    return judged.length > 1 && short ? `${short[language]} ${text}` : text
  })
  const first = judged[0] as Judged
  if (judged.length === 1) {
    return `${vitalLabel(first.bands.vital, language)} ${formatQuantity(first.bands.vital, first.reading.value, language)} (${limitWord(severity, language)} ${limits.join(', ')})`
  }
  const isBloodPressure = judged.every(
    (j) => j.bands.vital === 'bp-systolic' || j.bands.vital === 'bp-diastolic',
  )
  const label = isBloodPressure
    ? BLOOD_PRESSURE[language]
    : judged.map((j) => vitalLabel(j.bands.vital, language)).join(' / ')
  const last = judged[judged.length - 1] as Judged
  const values = judged
    .map((j) => formatVitalNumber(j.bands.vital, j.reading.value, language))
    .join('/')
  const unit = formatUnit(last.bands.vital, language)
  return `${label} ${values}${unit} (${limitWord(severity, language)} ${limits.join(', ')})`
}

/**
 * The traffic light of one reading under a patient's threshold rules (null:
 * green, or no rule for its type): for colouring values in lists and charts.
 */
export function classifyReading(
  ruleSet: RuleSet,
  reading: Pick<Reading, 'type' | 'value'>,
): Severity | null {
  let worst: Severity | null = null
  for (const rule of enabledRules(ruleSet, 'threshold')) {
    for (const bands of rule.params.vitals) {
      if (bands.vital !== reading.type) continue
      const severity = classifyValue(bands, reading.value)
      if (severity) worst = worst ? maxSeverity(worst, severity) : severity
    }
  }
  return worst
}
