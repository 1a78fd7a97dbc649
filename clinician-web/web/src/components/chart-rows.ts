import type { VitalType } from '@varde/domain'
import type { LatestValue, Measurement } from '@varde/api-contract'
import type { VitalGroup } from './vital-groups'

/**
 * One row per point in time for a chart group: a blood pressure reading
 * arrives as two measurements (systolic, diastolic) with one measuredAt.
 */
export interface ChartRow {
  /** measuredAt in epoch ms: the chart's x. */
  t: number
  measuredAt: string
  values: Partial<Record<VitalType, number>>
  unit: string
  flags: string[]
  isLate: boolean
  /** A reading whose device clock was wrong and whose time the platform corrected. */
  isClockAdjusted: boolean
  /** Readings behind the row: 1 for a raw reading, the bucket's count when aggregated. */
  n: number
  /** The bucket's lowest and highest value per type; absent for a raw reading. */
  envelope?: Partial<Record<VitalType, [number, number]>>
}

export function buildChartRows(
  group: VitalGroup,
  measurements: readonly Measurement[],
): ChartRow[] {
  const types = new Set<string>(group.types)
  const rows = new Map<number, ChartRow>()
  for (const m of measurements) {
    if (!types.has(m.type)) continue
    const t = Date.parse(m.measuredAt)
    let row = rows.get(t)
    if (!row) {
      row = {
        t,
        measuredAt: m.measuredAt,
        values: {},
        unit: m.unit,
        flags: [],
        isLate: false,
        isClockAdjusted: false,
        n: 1,
      }
      rows.set(t, row)
    }
    row.values[m.type as VitalType] = m.value
    for (const f of m.flags) if (!row.flags.includes(f)) row.flags.push(f)
    row.isLate ||= m.flags.includes('late')
    row.isClockAdjusted ||= m.flags.includes('clock-adjusted')
  }
  return [...rows.values()].sort((a, b) => a.t - b.t)
}

/** Adds readings (from a live event) to a sorted list: no duplicates by id, still oldest first. */
export function mergeMeasurements(
  current: readonly Measurement[],
  incoming: readonly Measurement[],
): Measurement[] {
  if (incoming.length === 0) return current as Measurement[]
  // id and type together: one device measurement may carry several readings under one id (systolic, diastolic)
  const key = (m: Measurement) => `${m.id}\u0000${m.type}`
  const byId = new Map(current.map((m) => [key(m), m]))
  for (const m of incoming) byId.set(key(m), m)
  return [...byId.values()].sort((a, b) => Date.parse(a.measuredAt) - Date.parse(b.measuredAt))
}

/** The newest value per type from the server's `latest` and any readings seen since. */
export function mergeLatest(
  latest: Record<string, LatestValue>,
  readings: readonly Measurement[],
): Record<string, LatestValue> {
  const result: Record<string, LatestValue> = { ...latest }
  for (const r of readings) {
    const current = result[r.type]
    if (!current || Date.parse(r.measuredAt) >= Date.parse(current.measuredAt)) {
      result[r.type] = { value: r.value, unit: r.unit, measuredAt: r.measuredAt }
    }
  }
  return result
}
