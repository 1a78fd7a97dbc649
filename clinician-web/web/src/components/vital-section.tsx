import type { LatestValue } from '@varde/api-contract'
import { formatDateTime } from '../i18n/format'
import { useI18n, type I18n } from '../i18n/i18n'
import { ChartLegend } from './chart-legend'
import type { ChartRow } from './chart-rows'
import { formatGroupValue } from './latest-values'
import { formatRow, MeasurementTable } from './measurement-table'
import { RelativeTime } from './relative-time'
import { VitalChart } from './vital-chart'
import {
  displayUnit,
  formatVital,
  formatVitalNumber,
  vitalLabel,
  type VitalGroup,
} from './vital-groups'

export interface VitalSectionProps {
  group: VitalGroup
  rows: readonly ChartRow[]
  latest: Record<string, LatestValue>
  fromMs: number
  toMs: number
  rangeDays: number
}

/**
 * One vital (or blood pressure's pair): the newest value as text, the trend
 * as a chart with a spoken summary, and the numbers as a table.
 * Test hooks: `chart-<group>` on the section, `latest-<type>` on the newest value.
 */
export function VitalSection({ group, rows, latest, fromMs, toMs, rangeDays }: VitalSectionProps) {
  const i18n = useI18n()
  const { t, language } = i18n
  const label = group.id === 'bp' ? t('vital.bp') : vitalLabel(group.id, language)
  const headingId = `vital-${group.id}-heading`
  const newestAt = group.types
    .map((type) => latest[type]?.measuredAt)
    .filter((v): v is string => v !== undefined)
    .sort((a, b) => Date.parse(a) - Date.parse(b))
    .at(-1)
  return (
    <section
      className="vital-section"
      aria-labelledby={headingId}
      data-testid={`chart-${group.id}`}
    >
      <header className="vital-section__header">
        <h3 id={headingId}>{label}</h3>
        {newestAt && (
          <p className="vital-section__latest">
            <span className="vital-section__latest-label">{t('patient.latest')}: </span>
            <LatestValueText group={group} latest={latest} locale={i18n.locale} />{' '}
            <RelativeTime value={newestAt} className="vital-section__latest-time" />
          </p>
        )}
      </header>
      {rows.length === 0 ? (
        <p className="vital-section__empty">{t('patient.noDataInRange')}</p>
      ) : (
        <div className="vital-section__body">
          <figure className="vital-section__figure">
            <div role="img" aria-label={chartSummary(i18n, group, label, rows, rangeDays)}>
              <VitalChart
                group={group}
                rows={rows}
                fromMs={fromMs}
                toMs={toMs}
                rangeDays={rangeDays}
              />
            </div>
            <ChartLegend group={group} hasLate={rows.some((r) => r.isLate)} />
          </figure>
          <MeasurementTable group={group} rows={rows} label={label} />
        </div>
      )}
    </section>
  )
}

function LatestValueText({
  group,
  latest,
  locale,
}: {
  group: VitalGroup
  latest: Record<string, LatestValue>
  locale: string
}) {
  if (group.id === 'bp') {
    const s = latest['bp-systolic']
    const d = latest['bp-diastolic']
    return (
      <strong className="vital-section__latest-value" data-testid="latest-bp">
        <span data-testid="latest-bp-systolic">
          {s ? formatVitalNumber('bp-systolic', s.value, locale) : '–'}
        </span>
        /
        <span data-testid="latest-bp-diastolic">
          {d ? formatVitalNumber('bp-diastolic', d.value, locale) : '–'}
        </span>
        {'\u00a0'}
        {displayUnit('bp-systolic', s?.unit ?? d?.unit ?? 'mm[Hg]')}
      </strong>
    )
  }
  const type = group.types[0] ?? group.id
  return (
    <strong className="vital-section__latest-value" data-testid={`latest-${type}`}>
      {formatGroupValue(group, latest, locale)}
    </strong>
  )
}

export function chartSummary(
  i18n: I18n,
  group: VitalGroup,
  label: string,
  rows: readonly ChartRow[],
  rangeDays: number,
): string {
  const { t, locale } = i18n
  const newest = rows.at(-1)
  if (!newest) return t('chart.summaryEmpty', { label, days: rangeDays })
  const isPair = group.types.length > 1
  const ranges = group.types.flatMap((type) => {
    const values = rows.map((r) => r.values[type]).filter((v): v is number => v !== undefined)
    if (values.length === 0) return []
    const min = formatVital(type, Math.min(...values), newest.unit, locale)
    const max = formatVital(type, Math.max(...values), newest.unit, locale)
    return [
      isPair && isPairedType(type)
        ? t('chart.rangeOf', { label: t(`chart.${type}`), min, max })
        : t('chart.range', { min, max }),
    ]
  })
  const lateCount = rows.filter((r) => r.isLate).length
  const summary = t('chart.summary', {
    label,
    days: rangeDays,
    count: rows.length,
    range: ranges.join(', '),
    latest: `${formatRow(group, newest, locale)}, ${formatDateTime(newest.t, locale)}`,
  })
  return lateCount > 0 ? `${summary} ${t('chart.late', { count: lateCount })}.` : summary
}

const isPairedType = (type: string): type is 'bp-systolic' | 'bp-diastolic' =>
  type === 'bp-systolic' || type === 'bp-diastolic'
