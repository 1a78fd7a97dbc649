import type { Trend } from '@varde/api-contract'
import { useQuery } from '@tanstack/react-query'
import { useRef, useState } from 'react'
import { CartesianGrid, Line, LineChart, ReferenceArea, XAxis, YAxis } from 'recharts'
import { getMyTrend } from '../api/my-page'
import { queryKeys } from '../api/query-keys'
import { formatDay } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { useElementWidth } from './use-element-width'
import { formatVital, formatVitalNumber } from './vital-groups'

const DAY_MS = 86_400_000
const RANGES = [14, 90] as const
type Range = (typeof RANGES)[number]

export interface MyTrendProps {
  vital: string
  unit: string
  /** My target range as the care team set it: the span outside which a reading turns yellow. */
  target: { low: number | null; high: number | null } | null
}

/**
 * My trend of one vital with my own target range (issue 25, /min-side):
 * the readings of the last two weeks or three months as a line, the target
 * range as a green field, and the same in one sentence for those who do not
 * read charts (a screen reader gets the sentence; the chart is its picture).
 * Large dots and labels: the patient reads it on a phone.
 */
export function MyTrend({ vital, unit, target }: MyTrendProps) {
  const { t, tp, locale } = useI18n()
  const [days, setDays] = useState<Range>(14)
  // the range ends at the next whole minute (a re-render asks for the same thing; a reading of this very minute is in it)
  const [now] = useState(() => Math.ceil((Date.now() + 1) / 60_000) * 60_000)
  const from = now - days * DAY_MS
  const query = useQuery({
    queryKey: queryKeys.myTrend(vital, days),
    queryFn: ({ signal }) => getMyTrend({ vital, from: new Date(from).toISOString(), to: new Date(now).toISOString() }, signal),
  })
  const box = useRef<HTMLDivElement>(null)
  const width = useElementWidth(box, 320)
  const points = query.data?.points ?? []
  // days on the axis whether or not she measured on them: a few on a phone, more on a wide screen
  const tickCount = width < 500 ? 4 : 7
  const ticks = Array.from({ length: tickCount }, (_, i) => from + Math.round((i * days) / (tickCount - 1)) * DAY_MS)
  const summary = query.data ? summaryOf(query.data, target) : null
  const f = (v: number) => formatVital(vital, v, unit, locale)
  const values = points.flatMap((p) => [p.min, p.max])
  const bounds = [...values, ...(target?.low != null ? [target.low] : []), ...(target?.high != null ? [target.high] : [])]
  const pad = bounds.length ? Math.max(1, (Math.max(...bounds) - Math.min(...bounds)) * 0.1) : 1
  const domain: [number, number] = bounds.length ? [Math.floor(Math.min(...bounds) - pad), Math.ceil(Math.max(...bounds) + pad)] : [0, 1]
  return (
    <div className="my-trend" ref={box}>
      <div className="my-trend__ranges" role="group" aria-label={t('myPage.trend.range')}>
        {RANGES.map((d) => (
          <button key={d} type="button" className="my-page__button" aria-pressed={d === days} onClick={() => setDays(d)}>
            {t(d === 14 ? 'myPage.trend.twoWeeks' : 'myPage.trend.threeMonths')}
          </button>
        ))}
      </div>
      {query.isError && <p className="my-page__warning">{t('myPage.trend.loadError')}</p>}
      {summary && (
        <p className="my-trend__summary">
          {summary.count === 0
            ? t('myPage.trend.none', { days })
            : tp('myPage.trend.count', summary.count, { days })}
          {summary.count > 0 && target && ` ${tp('myPage.trend.outside', summary.outside)}`}
          {summary.count > 0 && ` ${t('myPage.trend.span', { low: f(summary.low), high: f(summary.high) })}`}
        </p>
      )}
      {points.length > 0 && (
        <figure className="my-trend__chart" aria-hidden="true">
          <LineChart accessibilityLayer={false} width={Math.max(240, width)} height={220} data={points.map((p) => ({ at: Date.parse(p.at), mean: p.mean }))} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
            <CartesianGrid stroke="#d0d7de" strokeDasharray="3 3" />
            {target && <ReferenceArea y1={target.low ?? domain[0]} y2={target.high ?? domain[1]} fill="#1e7b34" fillOpacity={0.14} stroke="#1e7b34" strokeOpacity={0.5} ifOverflow="hidden" />}
            <XAxis dataKey="at" type="number" scale="time" domain={[from, now]} ticks={ticks} tickFormatter={(v: number) => formatDay(v, locale)} tick={{ fontSize: 15, fill: '#333' }} minTickGap={24} />
            <YAxis domain={domain} width={48} tick={{ fontSize: 15, fill: '#333' }} tickFormatter={(v: number) => formatVitalNumber(vital, v, locale)} />
            <Line dataKey="mean" type="linear" stroke="#0b5394" strokeWidth={3} dot={{ r: 5, fill: '#0b5394' }} isAnimationActive={false} />
          </LineChart>
          {target && <figcaption>{t('myPage.trend.legend')}</figcaption>}
        </figure>
      )}
    </div>
  )
}

/** How many readings, how many of them outside my target range, and the lowest and highest. */
function summaryOf(trend: Trend, target: MyTrendProps['target']): { count: number; outside: number; low: number; high: number } {
  let count = 0
  let outside = 0
  for (const p of trend.points) {
    count += p.n
    // a bucket (beyond ~1,000 readings) counts as outside by its envelope, each of its readings alike: an upper bound
    const isOutside = target !== null && ((target.low !== null && p.min < target.low) || (target.high !== null && p.max > target.high))
    if (isOutside) outside += trend.resolution === 'raw' ? 1 : p.n
  }
  const lows = trend.points.map((p) => p.min)
  const highs = trend.points.map((p) => p.max)
  return { count, outside, low: Math.min(...lows), high: Math.max(...highs) }
}
