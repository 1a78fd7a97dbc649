import { isVitalType, VITAL_TYPES, type VitalType } from '@varde/domain'
import type { Language } from '../i18n/i18n'
import { formatNumber } from '../i18n/format'

/**
 * How vital types are shown: one chart per group, blood pressure's two
 * readings together, in the order a nurse reads a COPD/heart-failure round.
 */

export type VitalGroupId =
  | 'body-weight'
  | 'spo2'
  | 'pulse'
  | 'bp'
  | 'body-temperature'
  | 'blood-glucose'
  | 'respiratory-rate'
  | 'cat-score'
  | 'wellbeing'

export interface VitalGroup {
  id: VitalGroupId
  types: readonly VitalType[]
}

export const VITAL_GROUPS: readonly VitalGroup[] = [
  { id: 'body-weight', types: ['body-weight'] },
  { id: 'spo2', types: ['spo2'] },
  { id: 'pulse', types: ['pulse'] },
  { id: 'bp', types: ['bp-systolic', 'bp-diastolic'] },
  { id: 'body-temperature', types: ['body-temperature'] },
  { id: 'blood-glucose', types: ['blood-glucose'] },
  { id: 'respiratory-rate', types: ['respiratory-rate'] },
  // the patient's own answers (issue 25, ADR 0042), charted with their bands like a vital
  { id: 'cat-score', types: ['cat-score'] },
  { id: 'wellbeing', types: ['wellbeing'] },
]

/** Decimals a clinician expects: weight and temperature to 0.1, saturation and pulse whole. */
const FRACTION_DIGITS: Readonly<Record<VitalType, number>> = {
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

/** The groups with at least one of the given types, in display order. */
export function groupsFor(types: Iterable<string>): VitalGroup[] {
  const present = new Set(types)
  return VITAL_GROUPS.filter((g) => g.types.some((t) => present.has(t)))
}

export function vitalLabel(type: string, language: Language): string {
  return isVitalType(type) ? VITAL_TYPES[type].label[language] : type
}

const UCUM_DISPLAY: Readonly<Record<string, string>> = {
  'mm[Hg]': 'mmHg',
  Cel: '°C',
  '[degF]': '°F',
  '{beats}/min': '/min',
}

/** UCUM unit as people write it ("mm[Hg]" → "mmHg", "Cel" → "°C"). */
export function displayUnit(type: string, unit: string): string {
  if (isVitalType(type) && VITAL_TYPES[type].unit === unit) return VITAL_TYPES[type].displayUnit
  return UCUM_DISPLAY[unit] ?? unit
}

export function formatVitalNumber(type: string, value: number, locale: string): string {
  return formatNumber(value, locale, isVitalType(type) ? FRACTION_DIGITS[type] : 1)
}

/** "95 %", "82,4 kg", "72/min"; a no-break space keeps the unit with its number. */
export function joinUnit(number: string, unit: string, locale: string): string {
  if (unit.startsWith('/')) return `${number}${unit}`
  if (unit === '%' && !locale.startsWith('nb')) return `${number}%`
  return `${number}\u00a0${unit}`
}

export function formatVital(type: string, value: number, unit: string, locale: string): string {
  return joinUnit(formatVitalNumber(type, value, locale), displayUnit(type, unit), locale)
}

/** "142/88 mmHg"; either half may be missing. */
export function formatBloodPressure(
  systolic: number | undefined,
  diastolic: number | undefined,
  unit: string,
  locale: string,
): string {
  const s = systolic === undefined ? '–' : formatVitalNumber('bp-systolic', systolic, locale)
  const d = diastolic === undefined ? '–' : formatVitalNumber('bp-diastolic', diastolic, locale)
  return joinUnit(`${s}/${d}`, displayUnit('bp-systolic', unit), locale)
}
