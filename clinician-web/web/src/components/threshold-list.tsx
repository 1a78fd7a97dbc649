import { isVitalType } from '@varde/domain'
import type { AlertReading } from '../api/types'
import { formatNumber } from '../i18n/format'
import { isMessageKey, useI18n, type I18n } from '../i18n/i18n'
import { formatVital, vitalLabel } from './vital-groups'

/** Keys whose numbers are in the measured quantity's unit (the others are counts of days, hours …). */
const VALUE_KEYS = new Set(['min', 'max', 'low', 'high', 'baseline', 'delta'])

/**
 * An alert's thresholds as the rule stored them. The shape varies by rule, so
 * keys we know are translated, limits get the unit of the reading they apply
 * to, and anything else is shown as it is.
 */
export function ThresholdList({
  thresholds,
  readings,
}: {
  thresholds: Record<string, unknown>
  readings: readonly AlertReading[]
}) {
  const i18n = useI18n()
  const first = readings[0]
  const entries = describeThresholds(
    thresholds,
    i18n,
    first ? { type: first.type, unit: first.unit } : null,
  )
  if (entries.length === 0) return null
  return (
    <dl className="thresholds">
      {entries.map(({ label, value }) => (
        <div key={label} className="thresholds__item">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  )
}

interface Quantity {
  type: string
  unit: string
}

export function describeThresholds(
  thresholds: Record<string, unknown>,
  i18n: I18n,
  quantity: Quantity | null,
  prefix = '',
): { label: string; value: string }[] {
  return Object.entries(thresholds).flatMap(([key, value]) => {
    const label = prefix ? `${prefix} – ${keyLabel(key, i18n)}` : keyLabel(key, i18n)
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const inner = isVitalType(key)
        ? { type: key, unit: quantity?.type === key ? quantity.unit : unitOf(key) }
        : quantity
      return describeThresholds(value as Record<string, unknown>, i18n, inner, label)
    }
    if (typeof value === 'number' && quantity && VALUE_KEYS.has(key)) {
      return [{ label, value: formatVital(quantity.type, value, quantity.unit, i18n.locale) }]
    }
    return [{ label, value: valueText(value, i18n.locale) }]
  })
}

function unitOf(type: string): string {
  return isVitalType(type)
    ? (
        {
          spo2: '%',
          pulse: '/min',
          'bp-systolic': 'mm[Hg]',
          'bp-diastolic': 'mm[Hg]',
          'body-weight': 'kg',
          'body-temperature': 'Cel',
          'blood-glucose': 'mmol/L',
          'respiratory-rate': '/min',
        } as const
      )[type]
    : ''
}

function keyLabel(key: string, { t, language }: I18n): string {
  if (isVitalType(key)) return vitalLabel(key, language)
  const messageKey = `threshold.${key}`
  return isMessageKey(messageKey) ? t(messageKey) : key
}

function valueText(value: unknown, locale: string): string {
  if (typeof value === 'number')
    return formatNumber(
      value,
      locale,
      Number.isInteger(value) ? 0 : Math.min(2, `${value}`.split('.')[1]?.length ?? 0),
    )
  if (Array.isArray(value)) return value.map((v) => valueText(v, locale)).join(', ')
  if (value === null || value === undefined) return '–'
  return String(value)
}
