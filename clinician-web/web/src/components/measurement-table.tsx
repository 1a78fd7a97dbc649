import { READING_FLAGS } from '@varde/api-contract'
import { useId, useState } from 'react'
import type { VitalType } from '@varde/domain'
import { formatNumber, formatWeekdayDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import type { ChartRow } from './chart-rows'
import {
  displayUnit,
  formatBloodPressure,
  formatVital,
  formatVitalNumber,
  joinUnit,
  type VitalGroup,
} from './vital-groups'
import { formatResolution } from './trend-resolution'

const COLLAPSED_ROWS = 5

/** The chart's data as a table, newest first: what a screen reader (or a careful nurse) reads. */
export function MeasurementTable({
  group,
  rows,
  label,
  resolution = 'raw',
  isExpanded: isAlwaysExpanded = false,
}: {
  group: VitalGroup
  rows: readonly ChartRow[]
  label: string
  /** Buckets (seconds wide): each row is a period's mean, lowest–highest and count. */
  resolution?: 'raw' | number
  /** Every row, no toggle (the page's table view). */
  isExpanded?: boolean
}) {
  const i18n = useI18n()
  const { t, locale } = i18n
  const [isToggled, setExpanded] = useState(false)
  const isExpanded = isAlwaysExpanded || isToggled
  const tableId = useId()
  const newestFirst = [...rows].reverse()
  const shown = isExpanded ? newestFirst : newestFirst.slice(0, COLLAPSED_ROWS)
  const isAggregated = resolution !== 'raw'
  return (
    <div className="measurement-table">
      <table id={tableId}>
        <caption>
          {isAggregated
            ? t('table.captionAggregated', { label, width: formatResolution(i18n, resolution) })
            : t('table.caption', { label })}
        </caption>
        <thead>
          <tr>
            <th scope="col">{isAggregated ? t('table.periodStart') : t('table.time')}</th>
            <th scope="col">{isAggregated ? t('table.mean') : t('table.value')}</th>
            {isAggregated && <th scope="col">{t('table.lowHigh')}</th>}
            {isAggregated && <th scope="col">{t('table.count')}</th>}
            {!isAggregated && <th scope="col">{t('table.notes')}</th>}
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => (
            <tr key={row.t} className={row.isLate ? 'is-late' : undefined}>
              <td>
                <time dateTime={row.measuredAt}>{formatWeekdayDateTime(row.t, locale)}</time>
              </td>
              <td className="measurement-table__value">{formatRow(group, row, locale)}</td>
              {isAggregated && <td>{formatEnvelope(group, row, locale)}</td>}
              {isAggregated && <td>{formatNumber(row.n, locale)}</td>}
              {!isAggregated && <td>{row.flags.map((f) => flagText(f, t)).join(', ')}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {!isAlwaysExpanded && rows.length > COLLAPSED_ROWS && (
        <button
          type="button"
          className="button button--quiet"
          aria-controls={tableId}
          aria-expanded={isExpanded}
          onClick={() => setExpanded(!isExpanded)}
        >
          {isExpanded
            ? t('table.showFewer')
            : t(isAggregated ? 'table.showAllPeriods' : 'table.showAll', { count: rows.length })}
        </button>
      )}
    </div>
  )
}

export function formatRow(group: VitalGroup, row: ChartRow, locale: string): string {
  if (group.id === 'bp')
    return formatBloodPressure(
      row.values['bp-systolic'],
      row.values['bp-diastolic'],
      row.unit,
      locale,
    )
  const type = group.types[0] ?? group.id
  const value = row.values[type as keyof ChartRow['values']]
  return value === undefined ? '–' : formatVital(type, value, row.unit, locale)
}

/** "91–97 %", or for blood pressure "128–150/80–95 mmHg". */
function formatEnvelope(group: VitalGroup, row: ChartRow, locale: string): string {
  const rangeOf = (type: VitalType) => {
    const r = row.envelope?.[type]
    return r ? `${formatVitalNumber(type, r[0], locale)}–${formatVitalNumber(type, r[1], locale)}` : '–'
  }
  const unit = displayUnit(group.types[0] ?? group.id, row.unit)
  return joinUnit(group.types.map(rangeOf).join('/'), unit, locale)
}

const KNOWN_FLAGS = READING_FLAGS

function flagText(flag: string, t: ReturnType<typeof useI18n>['t']): string {
  return (KNOWN_FLAGS as readonly string[]).includes(flag)
    ? t(`flag.${flag as (typeof KNOWN_FLAGS)[number]}`)
    : flag
}
