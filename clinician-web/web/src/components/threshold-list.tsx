import { isVitalType, VITAL_TYPES } from '@varde/domain'
import type { AlertReading } from '@varde/api-contract'
import { formatNumber } from '../i18n/format'
import { isMessageKey, useI18n, type I18n } from '../i18n/i18n'
import { formatVital, vitalLabel } from './vital-groups'

/** Keys whose numbers are in the measured quantity's unit (the others are counts of days, hours, points …). */
const VALUE_KEYS = new Set([
  'min',
  'max',
  'low',
  'high',
  'baseline',
  'delta',
  'yellowDelta',
  'redDelta',
])
/** Keys in kilograms of body weight, whatever was measured. */
const WEIGHT_KEYS = new Set(['yellowGainKg', 'redGainKg'])
/**
 * The rules' inner workings, not what a nurse weighs an alert by: how far a
 * value must come back before the condition counts as over, how many readings
 * a baseline or a score needs.
 */
const HIDDEN_KEYS = new Set([
  'hysteresis',
  'hysteresisKg',
  'hysteresisPercent',
  'minReadings',
  'minParameters',
])
/**
 * The order a nurse reads a rule in: what it watches, its limits (red first),
 * then windows and schedules. Stored parameters come back from the database
 * in its own key order (jsonb), so this restores a readable one; keys not
 * listed follow in the order given.
 */
const KEY_ORDER = [
  'vital',
  'direction',
  'vitals',
  'red',
  'yellow',
  'redGainKg',
  'yellowGainKg',
  'redDelta',
  'yellowDelta',
  'redScore',
  'yellowScore',
  'redAfterHours',
  'yellowAfterHours',
  'yellowAtOrBelowPercent',
  'windowDays',
  'windowMinutes',
  'windowStart',
  'deadline',
  'weekdays',
  'severity',
  'spo2Scale',
  'isOnSupplementalOxygen',
]
const rank = (key: string) => {
  const i = KEY_ORDER.indexOf(key)
  return i < 0 ? KEY_ORDER.length : i
}

/**
 * An alert's thresholds as the rule stored them. The shape varies by rule
 * (`@varde/domain` rule-set.ts: bands per vital, weight-gain limits, NEWS2
 * scores, schedules …), so keys we know are translated, limits get the unit
 * of the quantity they apply to, and anything else is shown as it is.
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

interface Limit {
  value: number
  isInclusive: boolean
}

export function describeThresholds(
  thresholds: Record<string, unknown>,
  i18n: I18n,
  quantity: Quantity | null,
  prefix = '',
): { label: string; value: string }[] {
  // a rule about one vital (baseline deviation, missed measurement) gives its limits in that vital's unit
  const own = thresholds.vital
  const q =
    !prefix && typeof own === 'string' && isVitalType(own) ? quantityOf(own, quantity) : quantity
  const ordered = Object.entries(thresholds).sort(([a], [b]) => rank(a) - rank(b))
  return ordered.flatMap(([key, value]) => {
    if (HIDDEN_KEYS.has(key) || value === null || value === undefined) return []
    const label = prefix ? `${prefix} – ${keyLabel(key, i18n)}` : keyLabel(key, i18n)
    if (key === 'vitals' && Array.isArray(value))
      return value.flatMap((b) => bandEntries(b, i18n, q))
    if ((key === 'red' || key === 'yellow') && isRecord(value) && q) {
      const text = limitsText(value, q, i18n.locale)
      return text ? [{ label, value: text }] : []
    }
    if (isLimit(value) && q) return [{ label, value: limitText(key, value, q, i18n.locale) }]
    if (isRecord(value)) {
      const inner = isVitalType(key) ? quantityOf(key, quantity) : q
      return describeThresholds(value, i18n, inner, label)
    }
    if (typeof value === 'number' && q && VALUE_KEYS.has(key)) {
      return [{ label, value: formatVital(q.type, value, q.unit, i18n.locale) }]
    }
    if (typeof value === 'number' && WEIGHT_KEYS.has(key)) {
      return [{ label, value: formatVital('body-weight', value, 'kg', i18n.locale) }]
    }
    return [{ label, value: valueText(key, value, i18n) }]
  })
}

/** One vital's red and yellow bands: "Oksygenmetning – Rød grense: ≤ 91 %". */
function bandEntries(
  bands: unknown,
  i18n: I18n,
  quantity: Quantity | null,
): { label: string; value: string }[] {
  if (!isRecord(bands) || typeof bands.vital !== 'string' || !isVitalType(bands.vital)) return []
  const q = quantityOf(bands.vital, quantity)
  const name = vitalLabel(bands.vital, i18n.language)
  return (['red', 'yellow'] as const).flatMap((severity) => {
    const band = bands[severity]
    const text = isRecord(band) ? limitsText(band, q, i18n.locale) : ''
    return text ? [{ label: `${name} – ${i18n.t(`threshold.${severity}`)}`, value: text }] : []
  })
}

/** A band's limits as guidelines write them: "≤ 91 %", "≤ 40/min, ≥ 131/min". */
function limitsText(band: Record<string, unknown>, q: Quantity, locale: string): string {
  return (['low', 'high'] as const)
    .flatMap((side) => {
      const limit = band[side]
      return isLimit(limit) ? [limitText(side, limit, q, locale)] : []
    })
    .join(', ')
}

function limitText(side: string, limit: Limit, q: Quantity, locale: string): string {
  const sign = side === 'low' ? (limit.isInclusive ? '≤' : '<') : limit.isInclusive ? '≥' : '>'
  // a no-break space keeps "≤ 91 %" on one line; a band's two limits may wrap between them
  return `${sign}\u00a0${formatVital(q.type, limit.value, q.unit, locale)}`
}

/** The vital's unit: the reading's when it is of that vital, else the vital's own. */
function quantityOf(type: string, reading: Quantity | null): Quantity {
  if (reading?.type === type) return reading
  return { type, unit: isVitalType(type) ? VITAL_TYPES[type].unit : '' }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function isLimit(value: unknown): value is Limit {
  return (
    isRecord(value) && typeof value.value === 'number' && typeof value.isInclusive === 'boolean'
  )
}

function keyLabel(key: string, { t, language }: I18n): string {
  if (isVitalType(key)) return vitalLabel(key, language)
  const messageKey = `threshold.${key}`
  return isMessageKey(messageKey) ? t(messageKey) : key
}

function valueText(key: string, value: unknown, i18n: I18n): string {
  const { t, locale, language } = i18n
  if (typeof value === 'boolean') return t(value ? 'threshold.yes' : 'threshold.no')
  if (key === 'vital' && typeof value === 'string') return vitalLabel(value, language)
  if (key === 'severity' && (value === 'red' || value === 'yellow'))
    return t(`alerts.severity.${value}`)
  if (key === 'direction' && (value === 'below' || value === 'above'))
    return t(`threshold.direction.${value}`)
  if (key === 'weekdays' && Array.isArray(value))
    return value.map((d) => (typeof d === 'number' ? weekdayName(d, locale) : String(d))).join(', ')
  if (typeof value === 'number')
    return formatNumber(
      value,
      locale,
      Number.isInteger(value) ? 0 : Math.min(2, `${value}`.split('.')[1]?.length ?? 0),
    )
  if (Array.isArray(value)) return value.map((v) => valueText('', v, i18n)).join(', ')
  if (isRecord(value)) return JSON.stringify(value)
  return String(value)
}

/** ISO weekday (1 = Monday) in the reader's language: "man.", "Mon". */
function weekdayName(isoDay: number, locale: string): string {
  // 2024-01-01 was a Monday
  const date = new Date(Date.UTC(2024, 0, isoDay, 12))
  return new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(date)
}
