import type { LatestValue } from '@varde/api-contract'
import { countBands, type VitalBands } from '@varde/domain'
import { memo } from 'react'
import { formatDateTime } from '../i18n/format'
import { useI18n, type I18n } from '../i18n/i18n'
import { AlertMarkers, type AlertMarker } from './alert-markers'
import { ChartLegend } from './chart-legend'
import type { ChartRow } from './chart-rows'
import { formatGroupValue } from './latest-values'
import { formatRow, MeasurementTable } from './measurement-table'
import { RelativeTime } from './relative-time'
import { bandAreas, innerLimits } from './threshold-bands'
import { formatResolution } from './trend-resolution'
import { VitalChart } from './vital-chart'
import {
  displayUnit,
  formatVital,
  formatVitalNumber,
  vitalLabel,
  type VitalGroup,
} from './vital-groups'
import './trend-charts.css'

export interface VitalSectionProps {
  group: VitalGroup
  rows: readonly ChartRow[]
  latest: Record<string, LatestValue>
  fromMs: number
  toMs: number
  /** "siste 7 dager", "1. mars – 3. mars 2026": the range in words, for the summary. */
  period: string
  /** `raw`, or the buckets' width in seconds. */
  resolution: 'raw' | number
  /** The patient's bands of the group's first vital (blood pressure: the systolic's). */
  bands: VitalBands | undefined
  /** The trend's readings by value (the bands' vital), counted into the bands in words (decision 46). */
  bins?: readonly { value: number; n: number }[] | undefined
  markers: readonly AlertMarker[]
  /** The table alone, every row (the page's table view). */
  isTableView: boolean
  onZoom: (fromMs: number, toMs: number) => void
}

/**
 * One vital (or blood pressure's pair): the newest value as text, the trend
 * as a chart with a spoken summary, alert markers, and the numbers as a table.
 * Test hooks: `chart-<group>` on the section (with `data-resolution`), `latest-<type>` on the newest value.
 */
/** Memoised: a page render (a live reading, another vital's trend arriving) redraws only the charts whose data changed. */
export const VitalSection = memo(function VitalSection({
  group,
  rows,
  latest,
  fromMs,
  toMs,
  period,
  resolution,
  bands,
  bins,
  markers,
  isTableView,
  onZoom,
}: VitalSectionProps) {
  const i18n = useI18n()
  const { t, language } = i18n
  const label = group.id === 'bp' ? t('vital.bp') : vitalLabel(group.id, language)
  const headingId = `vital-${group.id}-heading`
  const newestAt = group.types
    .map((type) => latest[type]?.measuredAt)
    .filter((v): v is string => v !== undefined)
    .sort((a, b) => Date.parse(a) - Date.parse(b))
    .at(-1)
  const summary = chartSummary(i18n, group, label, rows, period, resolution)
  const areas = bandAreas(bands)
  return (
    <section
      className={isTableView ? 'vital-section vital-section--table' : 'vital-section'}
      aria-labelledby={headingId}
      data-testid={`chart-${group.id}`}
      data-resolution={String(resolution)}
      data-points={rows.length}
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
          {!isTableView && (
            <figure className="vital-section__figure">
              <div className="vital-chart-frame">
                <div role="img" aria-label={summary}>
                  <VitalChart
                    group={group}
                    rows={rows}
                    fromMs={fromMs}
                    toMs={toMs}
                    bands={areas}
                    extraValues={innerLimits(bands)}
                    onZoom={onZoom}
                  />
                </div>
                <AlertMarkers markers={markers} fromMs={fromMs} toMs={toMs} />
              </div>
              <ChartLegend
                group={group}
                hasLate={rows.some((r) => r.isLate)}
                hasClockAdjusted={rows.some((r) => r.isClockAdjusted)}
                hasEnvelope={resolution !== 'raw'}
                bands={bands}
                hasMarkers={markers.length > 0}
              />
              <p className="print-only vital-section__print-summary">{summary}</p>
            </figure>
          )}
          <MeasurementTable
            group={group}
            rows={rows}
            label={label}
            resolution={resolution}
            isExpanded={isTableView}
          />
        </div>
      )}
      {rows.length > 0 && bands && bins && bins.length > 0 && (
        <BandCountsText bands={bands} bins={bins} groupId={group.id} />
      )}
    </section>
  )
})

/** How many of the range's readings fell in each band, under the bands drawn (chart and table view alike). */
function BandCountsText({ bands, bins, groupId }: { bands: VitalBands; bins: readonly { value: number; n: number }[]; groupId: string }) {
  const { t } = useI18n()
  // numbers as the locale writes them ("1 200"): interpolate formats them
  return (
    <p className="vital-section__band-counts" data-testid={`band-counts-${groupId}`}>
      {t('chart.bandCounts', { ...countBands(bins, bands) })}
    </p>
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
  period: string,
  resolution: 'raw' | number = 'raw',
): string {
  const { t, locale } = i18n
  const newest = rows.at(-1)
  if (!newest) return t('chart.summaryEmpty', { label, period })
  const isPair = group.types.length > 1
  const ranges = group.types.flatMap((type) => {
    const values = rows.flatMap((r) => {
      const envelope = r.envelope?.[type]
      if (envelope) return envelope
      const v = r.values[type]
      return v === undefined ? [] : [v]
    })
    if (values.length === 0) return []
    const min = formatVital(type, values.reduce((a, b) => Math.min(a, b)), newest.unit, locale)
    const max = formatVital(type, values.reduce((a, b) => Math.max(a, b)), newest.unit, locale)
    return [
      isPair && isPairedType(type)
        ? t('chart.rangeOf', { label: t(`chart.${type}`), min, max })
        : t('chart.range', { min, max }),
    ]
  })
  const lateCount = rows.filter((r) => r.isLate).length
  const count = rows.reduce((sum, r) => sum + r.n, 0)
  const parts = [
    resolution === 'raw'
      ? t('chart.summary', {
          label,
          period,
          count,
          range: ranges.join(', '),
          latest: `${formatRow(group, newest, locale)}, ${formatDateTime(newest.t, locale)}`,
        })
      : t('chart.summaryAggregated', {
          label,
          period,
          count,
          range: ranges.join(', '),
          width: formatResolution(i18n, resolution),
          time: formatDateTime(newest.t, locale),
          mean: formatRow(group, newest, locale),
        }),
  ]
  if (lateCount > 0) parts.push(`${t('chart.late', { count: lateCount })}.`)
  return parts.join(' ')
}

const isPairedType = (type: string): type is 'bp-systolic' | 'bp-diastolic' =>
  type === 'bp-systolic' || type === 'bp-diastolic'
