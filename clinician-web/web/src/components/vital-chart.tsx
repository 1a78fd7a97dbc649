import type { VitalType } from '@varde/domain'
import { useRef } from 'react'
import {
  CartesianGrid,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
  type DotItemDotProps,
  type TooltipContentProps,
} from 'recharts'
import { formatDay, formatWeekdayDateTime, osloMidnight } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import type { ChartRow } from './chart-rows'
import { useElementWidth } from './use-element-width'
import {
  displayUnit,
  formatVital,
  formatVitalNumber,
  vitalLabel,
  type VitalGroup,
} from './vital-groups'

const DAY_MS = 24 * 60 * 60 * 1000
const CHART_HEIGHT = 220

/** Line colour and dash per type: the two blood pressure lines differ in both, not colour alone. */
const SERIES_STYLE: Partial<Record<VitalType, { stroke: string; dash?: string }>> = {
  'bp-diastolic': { stroke: '#6b3a8a', dash: '6 4' },
}
const DEFAULT_STROKE = '#1d4f6e'

/** Smallest sensible y span per type, so a flat week is not drawn as a storm. */
const MIN_SPAN: Partial<Record<VitalType, number>> = {
  'body-weight': 4,
  spo2: 8,
  pulse: 30,
  'bp-systolic': 40,
  'bp-diastolic': 40,
  'body-temperature': 2,
  'blood-glucose': 6,
  'respiratory-rate': 10,
}
const MAX_VALUE: Partial<Record<VitalType, number>> = { spo2: 100 }

export interface VitalChartProps {
  group: VitalGroup
  rows: readonly ChartRow[]
  fromMs: number
  toMs: number
  rangeDays: number
}

export function seriesStyle(type: VitalType) {
  return SERIES_STYLE[type] ?? { stroke: DEFAULT_STROKE }
}

/** The chart itself is decoration for sighted users; the section's summary and table carry the data. */
export function VitalChart({ group, rows, fromMs, toMs, rangeDays }: VitalChartProps) {
  const { locale, language } = useI18n()
  const containerRef = useRef<HTMLDivElement>(null)
  const width = useElementWidth(containerRef, 640)
  const data = rows.map((r) => ({ t: r.t, isLate: r.isLate, ...r.values }))
  const unit = rows[0] ? displayUnit(group.types[0] ?? group.id, rows[0].unit) : ''
  const y = yScale(group, rows)
  // a quarter's daily readings: smaller dots, so the line still reads as a line
  const dotRadius = rows.length > 40 ? 2.5 : 3.5

  const renderDot = (props: DotItemDotProps) => {
    const { cx, cy, payload, stroke } = props
    if (typeof cx !== 'number' || typeof cy !== 'number') return null
    if ((payload as { isLate?: boolean }).isLate) {
      return (
        <path
          d={`M${cx} ${cy - 6}L${cx + 6} ${cy}L${cx} ${cy + 6}L${cx - 6} ${cy}Z`}
          fill="#ffffff"
          stroke={stroke}
          strokeWidth={2}
        />
      )
    }
    return <circle cx={cx} cy={cy} r={dotRadius} fill={stroke} stroke={stroke} />
  }

  return (
    <div ref={containerRef} className="vital-chart" aria-hidden="true">
      <LineChart
        width={width}
        height={CHART_HEIGHT}
        data={data}
        margin={{ top: 24, right: 16, bottom: 4, left: 4 }}
        accessibilityLayer={false}
      >
        <CartesianGrid stroke="#dde3e9" vertical={false} />
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={[fromMs, toMs]}
          ticks={dayTicks(fromMs, toMs, rangeDays)}
          tickFormatter={(ms: number) => formatDay(ms, locale)}
          stroke="#5a6876"
          tick={{ fill: '#3d4a57', fontSize: 12 }}
          // room for the newest point, which sits at "now" on the right edge
          padding={{ left: 8, right: 12 }}
          allowDataOverflow
        />
        <YAxis
          domain={y?.domain ?? ['auto', 'auto']}
          ticks={y?.ticks}
          interval={0}
          width={52}
          stroke="#5a6876"
          tick={{ fill: '#3d4a57', fontSize: 12 }}
          tickFormatter={(v: number) => formatVitalNumber(group.types[0] ?? '', v, locale)}
          label={
            unit
              ? { value: unit, position: 'top', offset: 10, fill: '#3d4a57', fontSize: 12 }
              : undefined
          }
          allowDecimals
        />
        <Tooltip
          content={(props: TooltipContentProps) => (
            <ChartTooltip {...props} group={group} rows={rows} />
          )}
          isAnimationActive={false}
        />
        {group.types.map((type) => {
          const style = seriesStyle(type)
          return (
            <Line
              key={type}
              dataKey={type}
              name={vitalLabel(type, language)}
              type="linear"
              stroke={style.stroke}
              strokeWidth={2}
              strokeDasharray={style.dash}
              dot={renderDot}
              activeDot={{ r: 6 }}
              connectNulls
              isAnimationActive={false}
            />
          )
        })}
      </LineChart>
    </div>
  )
}

function ChartTooltip({
  active,
  label,
  group,
  rows,
}: TooltipContentProps & { group: VitalGroup; rows: readonly ChartRow[] }) {
  const { locale, language, t } = useI18n()
  if (!active || typeof label !== 'number') return null
  const row = rows.find((r) => r.t === label)
  if (!row) return null
  return (
    <div className="chart-tooltip">
      <p className="chart-tooltip__time">{formatWeekdayDateTime(row.t, locale)}</p>
      {group.types.map((type) => {
        const value = row.values[type]
        if (value === undefined) return null
        return (
          <p key={type}>
            {group.types.length > 1 ? `${vitalLabel(type, language)}: ` : ''}
            <strong>{formatVital(type, value, row.unit, locale)}</strong>
          </p>
        )
      })}
      {row.isLate && <p className="chart-tooltip__flag">{t('flag.late')}</p>}
    </div>
  )
}

/** Oslo midnights: every day for a week, every fifth for a month, every second week for a quarter. */
export function dayTicks(fromMs: number, toMs: number, rangeDays: number): number[] {
  const step = rangeDays <= 7 ? 1 : rangeDays <= 30 ? 5 : 14
  const ticks: number[] = []
  let day = osloMidnight(toMs)
  while (day >= fromMs) {
    ticks.unshift(day)
    // a DST change moves midnight by an hour; re-anchor on each step
    day = osloMidnight(day - (step - 1) * DAY_MS - DAY_MS / 2)
  }
  return ticks
}

/** A y range with room around the data and evenly spaced round ticks (88, 90 … 98, not 88, 91, 94, 98). */
export function yScale(
  group: VitalGroup,
  rows: readonly ChartRow[],
): { domain: [number, number]; ticks: number[] } | null {
  const values = rows.flatMap((r) =>
    group.types.map((type) => r.values[type]).filter((v): v is number => v !== undefined),
  )
  if (values.length === 0) return null
  const type = group.types[0] as VitalType
  let min = Math.min(...values)
  let max = Math.max(...values)
  const minSpan = group.types.reduce((span, t) => Math.max(span, MIN_SPAN[t] ?? 0), 0)
  const pad = Math.max((max - min) * 0.15, (minSpan - (max - min)) / 2, 0)
  min -= pad
  max += pad
  const cap = MAX_VALUE[type]
  if (cap !== undefined && max > cap) {
    min -= max - cap
    max = cap
  }
  const step = niceStep(max - min)
  const low = Math.floor(min / step) * step
  const high = Math.ceil(max / step) * step
  const ticks: number[] = []
  for (let v = low; v <= high + step / 2; v += step) ticks.push(Number(v.toFixed(6)))
  return { domain: [low, high], ticks }
}

function niceStep(span: number): number {
  if (span <= 0) return 1
  const raw = span / 5
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const n = raw / magnitude
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * magnitude
}
