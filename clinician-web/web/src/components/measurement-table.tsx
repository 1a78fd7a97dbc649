import { READING_FLAGS } from '@varde/api-contract'
import { useId, useState } from 'react'
import { formatWeekdayDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import type { ChartRow } from './chart-rows'
import { formatBloodPressure, formatVital, type VitalGroup } from './vital-groups'

const COLLAPSED_ROWS = 5

/** The chart's data as a table, newest first: what a screen reader (or a careful nurse) reads. */
export function MeasurementTable({
  group,
  rows,
  label,
}: {
  group: VitalGroup
  rows: readonly ChartRow[]
  label: string
}) {
  const { t, locale } = useI18n()
  const [isExpanded, setExpanded] = useState(false)
  const tableId = useId()
  const newestFirst = [...rows].reverse()
  const shown = isExpanded ? newestFirst : newestFirst.slice(0, COLLAPSED_ROWS)
  return (
    <div className="measurement-table">
      <table id={tableId}>
        <caption>{t('table.caption', { label })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('table.time')}</th>
            <th scope="col">{t('table.value')}</th>
            <th scope="col">{t('table.notes')}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => (
            <tr key={row.t} className={row.isLate ? 'is-late' : undefined}>
              <td>
                <time dateTime={row.measuredAt}>{formatWeekdayDateTime(row.t, locale)}</time>
              </td>
              <td className="measurement-table__value">{formatRow(group, row, locale)}</td>
              <td>{row.flags.map((f) => flagText(f, t)).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > COLLAPSED_ROWS && (
        <button
          type="button"
          className="button button--quiet"
          aria-controls={tableId}
          aria-expanded={isExpanded}
          onClick={() => setExpanded(!isExpanded)}
        >
          {isExpanded ? t('table.showFewer') : t('table.showAll', { count: rows.length })}
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

const KNOWN_FLAGS = READING_FLAGS

function flagText(flag: string, t: ReturnType<typeof useI18n>['t']): string {
  return (KNOWN_FLAGS as readonly string[]).includes(flag)
    ? t(`flag.${flag as (typeof KNOWN_FLAGS)[number]}`)
    : flag
}
