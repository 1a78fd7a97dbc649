import type { VitalType } from '@varde/domain'
import { useRef, useState, type PointerEvent } from 'react'
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceArea,
  Tooltip,
  XAxis,
  YAxis,
  type DotItemDotProps,
  type TooltipContentProps,
} from 'recharts'
import { formatWeekdayDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import type { ChartRow } from './chart-rows'
import { chartTicks } from './chart-ticks'
import type { BandArea } from './threshold-bands'
import { useElementWidth } from './use-element-width'
import {
  displayUnit,
  formatVital,
  formatVitalNumber,
  vitalLabel,
  type VitalGroup,
} from './vital-groups'

const CHART_HEIGHT = 220

/**
 * The plot's edges inside the chart, in px: the margin, the y axis and the x
 * axis' padding. The alert markers and the zoom selection are HTML laid over
 * the chart and place themselves by these.
 */
export const PLOT_LEFT = 4 + 52 + 8
export const PLOT_RIGHT = 16 + 12

/** Line colour and dash per type: the two blood pressure lines differ in both, not colour alone. */
const SERIES_STYLE: Partial<Record<VitalType, { stroke: string; dash?: string; envelope: string }>> = {
  'bp-diastolic': { stroke: '#6b3a8a', dash: '6 4', envelope: '#e4d6ee' },
}
const DEFAULT_STYLE: { stroke: string; dash?: string; envelope: string } = {
  stroke: '#1d4f6e',
  envelope: '#cfe0ec',
}
/** Pale, so the series stays the strongest thing on the chart; their meaning is in the legend. */
export const BAND_FILL = { red: '#f9d3d0', yellow: '#fbeeb8' } as const

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
/** Beyond this many points a dot per reading is noise: only marked readings (late, clock-adjusted) keep theirs. */
const MAX_DOTS = 120

export interface VitalChartProps {
  group: VitalGroup
  rows: readonly ChartRow[]
  fromMs: number
  toMs: number
  bands: readonly BandArea[]
  /** Limits the y range takes in besides the readings (the bands' inner edges). */
  extraValues: readonly number[]
  /** A drag across the plot: the range to zoom to. */
  onZoom?: (fromMs: number, toMs: number) => void
}

export function seriesStyle(type: VitalType) {
  return SERIES_STYLE[type] ?? DEFAULT_STYLE
}

const envelopeKey = (type: string) => `${type}:envelope`

/** The chart itself is decoration for sighted users; the section's summary and table carry the data. */
export function VitalChart({
  group,
  rows,
  fromMs,
  toMs,
  bands,
  extraValues,
  onZoom,
}: VitalChartProps) {
  const { locale, language } = useI18n()
  const containerRef = useRef<HTMLDivElement>(null)
  const width = useElementWidth(containerRef, 640)
  const [drag, setDrag] = useState<{ startX: number; x: number } | null>(null)
  const data = rows.map((r) => {
    const row: Record<string, unknown> = {
      t: r.t,
      isLate: r.isLate,
      isClockAdjusted: r.isClockAdjusted,
      ...r.values,
    }
    for (const [type, range] of Object.entries(r.envelope ?? {})) row[envelopeKey(type)] = range
    return row
  })
  const hasEnvelope = rows.some((r) => r.envelope !== undefined)
  const unit = rows[0] ? displayUnit(group.types[0] ?? group.id, rows[0].unit) : ''
  const y = yScale(group, rows, extraValues)
  const ticks = chartTicks(fromMs, toMs, Math.max(3, Math.floor((width - PLOT_LEFT) / 70)))
  const showsEveryDot = rows.length <= MAX_DOTS && !hasEnvelope
  const hasMarkedRows = rows.some((r) => r.isLate || r.isClockAdjusted)
  const dotRadius = rows.length > 40 ? 2.5 : 3.5

  const renderDot = (props: DotItemDotProps) => {
    const { cx, cy, payload, stroke } = props
    if (typeof cx !== 'number' || typeof cy !== 'number') return <g />
    const p = payload as { isLate?: boolean; isClockAdjusted?: boolean }
    if (p.isLate) {
      return (
        <path
          d={`M${cx} ${cy - 6}L${cx + 6} ${cy}L${cx} ${cy + 6}L${cx - 6} ${cy}Z`}
          fill="#ffffff"
          stroke={stroke}
          strokeWidth={2}
          className="vital-chart__late"
        />
      )
    }
    if (p.isClockAdjusted) {
      return (
        <rect
          x={cx - 5}
          y={cy - 5}
          width={10}
          height={10}
          fill="#ffffff"
          stroke={stroke}
          strokeWidth={2}
          className="vital-chart__clock-adjusted"
        />
      )
    }
    if (!showsEveryDot) return <g />
    return <circle cx={cx} cy={cy} r={dotRadius} fill={stroke} stroke={stroke} />
  }

  // zoom: a drag across the plot (mouse, pen or a finger; vertical swipes still scroll, see CSS)
  const plotWidth = Math.max(1, width - PLOT_LEFT - PLOT_RIGHT)
  const xOf = (event: PointerEvent<HTMLDivElement>) => {
    const rect = event.currentTarget.getBoundingClientRect()
    return Math.min(Math.max(event.clientX - rect.left, PLOT_LEFT), PLOT_LEFT + plotWidth)
  }
  const timeAt = (x: number) => fromMs + ((x - PLOT_LEFT) / plotWidth) * (toMs - fromMs)
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (!onZoom || event.button !== 0) return
    event.currentTarget.setPointerCapture?.(event.pointerId)
    const x = xOf(event)
    setDrag({ startX: x, x })
  }
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (drag) setDrag({ ...drag, x: xOf(event) })
  }
  const onPointerUp = () => {
    if (!drag || !onZoom) return
    setDrag(null)
    // a few pixels are a click or a tap, not a zoom
    if (Math.abs(drag.x - drag.startX) < 8) return
    onZoom(timeAt(drag.startX), timeAt(drag.x))
  }

  return (
    <div
      ref={containerRef}
      className={onZoom ? 'vital-chart vital-chart--zoomable' : 'vital-chart'}
      aria-hidden="true"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => setDrag(null)}
    >
      <ComposedChart
        width={width}
        height={CHART_HEIGHT}
        data={data}
        margin={{ top: 24, right: 16, bottom: 4, left: 4 }}
        accessibilityLayer={false}
        // one hover line through every vital's chart: comparison along one time axis
        syncId="patient-trends"
        syncMethod="value"
      >
        {y &&
          bands.map((band, i) => (
            <ReferenceArea
              key={i}
              y1={Math.max(band.y1 ?? y.domain[0], y.domain[0])}
              y2={Math.min(band.y2 ?? y.domain[1], y.domain[1])}
              fill={BAND_FILL[band.severity]}
              fillOpacity={1}
              stroke="none"
              ifOverflow="hidden"
              className={`vital-chart__band vital-chart__band--${band.severity}`}
            />
          ))}
        <CartesianGrid stroke="#dde3e9" vertical={false} />
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={[fromMs, toMs]}
          ticks={ticks.ticks}
          tickFormatter={(ms: number) => ticks.format(ms, locale)}
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
          allowDataOverflow
        />
        <Tooltip
          content={(props: TooltipContentProps) => (
            <ChartTooltip {...props} group={group} rows={rows} />
          )}
          isAnimationActive={false}
        />
        {hasEnvelope &&
          group.types.map((type) => (
            <Area
              key={envelopeKey(type)}
              dataKey={envelopeKey(type)}
              type="linear"
              stroke="none"
              fill={seriesStyle(type).envelope}
              fillOpacity={0.9}
              connectNulls
              isAnimationActive={false}
              activeDot={false}
              className="vital-chart__envelope"
            />
          ))}
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
              // no dot to draw (a year's buckets): no per-point render at all
              dot={showsEveryDot || hasMarkedRows ? renderDot : false}
              activeDot={{ r: 6 }}
              connectNulls
              isAnimationActive={false}
            />
          )
        })}
      </ComposedChart>
      {drag && (
        <div
          className="vital-chart__selection"
          style={{ left: Math.min(drag.startX, drag.x), width: Math.abs(drag.x - drag.startX) }}
        />
      )}
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
        const range = row.envelope?.[type]
        return (
          <p key={type}>
            {group.types.length > 1 ? `${vitalLabel(type, language)}: ` : ''}
            <strong>{formatVital(type, value, row.unit, locale)}</strong>
            {range &&
              ` (${t('chart.envelopeRange', {
                min: formatVitalNumber(type, range[0], locale),
                max: formatVitalNumber(type, range[1], locale),
                count: row.n,
              })})`}
          </p>
        )
      })}
      {row.isLate && <p className="chart-tooltip__flag">{t('flag.late')}</p>}
      {row.isClockAdjusted && <p className="chart-tooltip__flag">{t('flag.clock-adjusted')}</p>}
    </div>
  )
}

/** A y range with room around the data and evenly spaced round ticks (88, 90 … 98, not 88, 91, 94, 98). */
export function yScale(
  group: VitalGroup,
  rows: readonly ChartRow[],
  extraValues: readonly number[] = [],
): { domain: [number, number]; ticks: number[] } | null {
  const values = rows.flatMap((r) =>
    group.types.flatMap((type) => {
      const range = r.envelope?.[type]
      if (range) return range
      const v = r.values[type]
      return v === undefined ? [] : [v]
    }),
  )
  if (values.length === 0) return null
  values.push(...extraValues)
  const type = group.types[0] as VitalType
  let min = values.reduce((a, b) => Math.min(a, b))
  let max = values.reduce((a, b) => Math.max(a, b))
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
