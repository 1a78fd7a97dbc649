import type { Measurement, Trend, TrendPoint } from '@varde/api-contract'
import type { VitalType } from '@varde/domain'
import type { ChartRow } from './chart-rows'
import { unitOfVital } from './rule-bands'
import type { VitalGroup } from './vital-groups'

/**
 * A group's rows from its vitals' trends (one per type; blood pressure's two
 * share their instants: a reading's measuredAt, or a bucket's start). A raw
 * point keeps its flags (late, clock-adjusted); a bucket has none, only its
 * envelope, so late marks appear only at raw resolution.
 */
export function buildTrendRows(
  group: VitalGroup,
  trends: Partial<Record<VitalType, Trend>>,
): ChartRow[] {
  const rows = new Map<number, ChartRow>()
  for (const type of group.types) {
    const trend = trends[type]
    if (!trend) continue
    const isRaw = trend.resolution === 'raw'
    // not in the answer: a trend is in its vital's stored unit
    const unit = unitOfVital(type)
    for (const p of trend.points) {
      const t = Date.parse(p.at)
      let row = rows.get(t)
      if (!row) {
        row = { t, measuredAt: p.at, values: {}, unit, flags: [], isLate: false, isClockAdjusted: false, n: 0 }
        rows.set(t, row)
      }
      row.values[type] = p.mean
      row.n = Math.max(row.n, p.n)
      if (!isRaw || p.n > 1) row.envelope = { ...row.envelope, [type]: [p.min, p.max] }
      for (const f of p.flags ?? []) if (!row.flags.includes(f)) row.flags.push(f)
      row.isLate ||= row.flags.includes('late')
      row.isClockAdjusted ||= row.flags.includes('clock-adjusted')
    }
  }
  return [...rows.values()].sort((a, b) => a.t - b.t)
}

/**
 * Live readings into a cached trend: each as a raw point after the trend's
 * start, once (a replay after a reconnect sends the same reading again).
 */
export function appendReadings(trend: Trend, readings: readonly Measurement[]): Trend {
  const fromMs = Date.parse(trend.from)
  const seen = new Set(trend.points.map((p) => `${p.at}\u0000${p.mean}`))
  const added: TrendPoint[] = []
  for (const r of readings) {
    if (r.type !== trend.vital || Date.parse(r.measuredAt) < fromMs) continue
    const at = new Date(Date.parse(r.measuredAt)).toISOString()
    const key = `${at}\u0000${r.value}`
    if (seen.has(key)) continue
    seen.add(key)
    added.push({ at, n: 1, min: r.value, max: r.value, mean: r.value, ...(r.flags.length ? { flags: r.flags } : {}) })
  }
  if (added.length === 0) return trend
  const points = [...trend.points, ...added].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  return { ...trend, points }
}
