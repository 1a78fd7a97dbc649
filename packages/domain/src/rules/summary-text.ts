import { VITAL_TYPES, type VitalType } from '../vital-types.js'
import { limitSign, type BandSide, type Limit } from './band.js'
import type { LocalizedText } from './localized-text.js'
import { SEVERITY_LABEL, type Severity } from './severity.js'

/**
 * Numbers and limits as they appear in alert summaries. Written by hand, not
 * with Intl.NumberFormat, so the text is the same on every ICU version (the
 * summaries are stored and compared): bokmål uses a decimal comma and a space
 * before %, English a point and no space.
 */

export type Language = keyof LocalizedText

/** Decimals shown per vital: the resolution home devices report in. */
const DECIMALS: Readonly<Record<VitalType, number>> = {
  'body-weight': 1,
  spo2: 0,
  pulse: 0,
  'bp-systolic': 0,
  'bp-diastolic': 0,
  'body-temperature': 1,
  'blood-glucose': 1,
  'respiratory-rate': 0,
  'cat-score': 0,
  wellbeing: 0,
}

/** `value` with `decimals` decimals (more when needed to not hide a fraction), in `language`. */
export function formatNumber(value: number, decimals: number, language: Language): string {
  let shown = decimals
  while (shown < 3 && Math.abs(Number(value.toFixed(shown)) - value) > 1e-9) shown += 1
  const text = value.toFixed(shown).replace('-', '−')
  return language === 'nb' ? text.replace('.', ',') : text
}

/** The unit with its leading space (none before % in English): " %", "%", " kg". */
export function formatUnit(type: VitalType, language: Language): string {
  const unit = VITAL_TYPES[type].displayUnit
  if (unit === '%') return language === 'nb' ? ' %' : '%'
  return ` ${unit}`
}

/** "86 %", "82,4 kg" (nb); "86%", "82.4 kg" (en). */
export function formatQuantity(type: VitalType, value: number, language: Language): string {
  return `${formatNumber(value, DECIMALS[type], language)}${formatUnit(type, language)}`
}

/** A number without unit at a vital's resolution: "82,4". */
export function formatVitalNumber(type: VitalType, value: number, language: Language): string {
  return formatNumber(value, DECIMALS[type], language)
}

/** "≤ 91 %" */
export function formatLimit(
  type: VitalType,
  side: BandSide,
  limit: Limit,
  language: Language,
): string {
  return `${limitSign(side, limit)} ${formatQuantity(type, limit.value, language)}`
}

/** "rød grense" / "red limit" */
export function limitWord(severity: Severity, language: Language): string {
  return language === 'nb'
    ? `${SEVERITY_LABEL[severity].nb} grense`
    : `${SEVERITY_LABEL[severity].en} limit`
}

export function vitalLabel(type: VitalType, language: Language): string {
  return VITAL_TYPES[type].label[language]
}

/** "10.03." / "10 Mar": a calendar date in a summary. */
export function formatDayMonth(month: number, day: number, language: Language): string {
  if (language === 'nb') return `${String(day).padStart(2, '0')}.${String(month).padStart(2, '0')}.`
  const names = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  return `${day} ${names[month - 1] ?? ''}`
}

/** Builds both languages from one template. */
export function localized(build: (language: Language) => string): LocalizedText {
  return { nb: build('nb'), en: build('en') }
}
