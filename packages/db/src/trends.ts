import type { Queryable } from './pool.js'

/**
 * Trends at scale (issue 21, docs/decisions/0029-trend-rollups.md): a vital of
 * one patient over any range from 24 hours to 5 years in at most ~1,000
 * points, from the raw readings when there are few enough, else from the
 * rollups of migration 0028 (5 min, 1 h, 1 d), merged into wider buckets
 * when the range asks for it, each point with its min/max envelope.
 */

/** The rollups' widths, seconds; a trend bucket is a whole multiple of one of them. */
export const ROLLUP_WIDTHS = [300, 3600, 86_400] as const

/** The most points a trend gives (the "~1,000"). */
export const TREND_MAX_POINTS = 1000

export interface TrendQuery {
  tenantId: string
  patientId: string
  type: string
  from: Date
  to: Date
  maxPoints?: number
}

export interface TrendPoint {
  /** The bucket's start (raw: the reading's time). */
  at: Date
  n: number
  min: number
  max: number
  mean: number
  /** Raw only: the reading's flags (late, clock-adjusted …), so the chart marks those that are. */
  flags?: string[]
}

/** How many readings of the range had this value (on the vital's grid when aggregated; migration 0045). */
export interface TrendBin {
  value: number
  n: number
}

export interface Trend {
  /** `raw`: each reading; otherwise the bucket's width in seconds. */
  resolution: 'raw' | number
  /** The range actually covered: [from, to) widened to whole buckets. */
  from: Date
  to: Date
  points: TrendPoint[]
  /**
   * The range's readings by value, ascending (decision 46): the reader counts
   * them into bands under the thresholds in force when it asks. Raw: the
   * readings' own values; aggregated: each reading's value on the vital's grid.
   */
  bins: TrendBin[]
}

const ORIGIN = Date.UTC(2000, 0, 1)

/**
 * The bucket width for a range: at most maxPoints buckets, built from the
 * narrowest rollup of which the range holds at most 4 × maxPoints rows (the
 * rows read bound the time: 30 days of 5-minute rollups are 8,640 rows,
 * measured 157 ms p50 by bench:trends, of hourly ones 720), a whole multiple
 * of it.
 */
export function trendBucketSeconds(rangeMs: number, maxPoints = TREND_MAX_POINTS): { width: number; base: number } {
  // one bucket more than the range divides into, for a range not on bucket edges
  const step = Math.max(1, Math.ceil(rangeMs / 1000 / Math.max(1, maxPoints - 1)))
  const base = ROLLUP_WIDTHS.find((w) => rangeMs / 1000 / w <= 4 * maxPoints) ?? ROLLUP_WIDTHS[ROLLUP_WIDTHS.length - 1]!
  return { width: Math.ceil(step / base) * base, base }
}

const floorTo = (t: number, widthMs: number) => ORIGIN + Math.floor((t - ORIGIN) / widthMs) * widthMs
const ceilTo = (t: number, widthMs: number) => ORIGIN + Math.ceil((t - ORIGIN) / widthMs) * widthMs

export async function readTrend(db: Queryable, q: TrendQuery): Promise<Trend> {
  const maxPoints = q.maxPoints ?? TREND_MAX_POINTS
  const key = [q.tenantId, q.patientId, q.type]
  const { width, base } = trendBucketSeconds(q.to.getTime() - q.from.getTime(), maxPoints)
  const from = new Date(floorTo(q.from.getTime(), width * 1000))
  const to = new Date(ceilTo(q.to.getTime(), width * 1000))
  // the dirty days of the asked range and of the range widened to whole buckets (a superset)
  const dirty = (await db.query<{ day: Date }>(
    `SELECT day FROM measurement_rollup_dirty
      WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND day > $4::timestamptz - INTERVAL '1 day' AND day < $5 ORDER BY day`,
    [...key, from, to],
  )).rows.map((r) => r.day)
  const touching = (a: Date, b: Date) => dirty.filter((d) => d.getTime() + DAY_MS > a.getTime() && d < b)
  const { low, high } = await countReadings(db, q, touching(q.from, q.to), maxPoints + 1)
  // only when an edge day leaves it open (a short range across dense days) are the raw readings counted
  const fewEnough = high <= maxPoints ? true : low > maxPoints ? false : await atMost(db, q, maxPoints)
  if (fewEnough) {
    const rows = await db.query<{ at: Date; value: number; flags: string[] }>(
      `SELECT measured_at AS at, value, flags FROM measurements
        WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND measured_at >= $4 AND measured_at < $5
        ORDER BY measured_at, id`,
      [...key, q.from, q.to],
    )
    const counts = new Map<number, number>()
    for (const r of rows.rows) counts.set(r.value, (counts.get(r.value) ?? 0) + 1)
    return {
      resolution: 'raw', from: q.from, to: q.to,
      points: rows.rows.map((r) => ({ at: r.at, n: 1, min: r.value, max: r.value, mean: r.value, ...(r.flags.length ? { flags: r.flags } : {}) })),
      bins: [...counts].sort((a, b) => a[0] - b[0]).map(([value, n]) => ({ value, n })),
    }
  }
  // Real-time aggregation: a dirty day (readings stored since its last refresh)
  // is read raw, every other day from its rollups; both merged into the bucket.
  // The raw part's bounds are the dirty days' own span, not the range: a year's
  // chunks are not planned for today's readings.
  const dirtyHere = touching(from, to)
  const rawPart = dirtyHere.length === 0 ? '' : `
       UNION ALL
       SELECT measured_at, 1, value, value, value FROM measurements
        WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND measured_at >= $9 AND measured_at < $10
          AND date_bin(INTERVAL '1 day', measured_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') = ANY ($8::timestamptz[])`
  const rows = await db.query<{ at: Date; n: number; min: number; max: number; sum: number }>(
    `WITH parts AS (
       SELECT bucket, n, min, max, sum FROM measurement_rollups
        WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND width = $6 AND bucket >= $4 AND bucket < $5
          AND date_bin(INTERVAL '1 day', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00') <> ALL ($8::timestamptz[])${rawPart}
     )
     SELECT date_bin(make_interval(secs => $7), bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS at,
            sum(n)::int AS n, min(min) AS min, max(max) AS max, sum(sum) AS sum
       FROM parts GROUP BY 1 ORDER BY 1`,
    [...key, from, to, base, width, dirtyHere, ...(dirtyHere.length === 0 ? [] : rawBounds({ from, to }, dirtyHere))],
  )
  return {
    resolution: width, from, to,
    points: rows.rows.map((r) => ({ at: r.at, n: r.n, min: r.min, max: r.max, mean: r.sum / r.n })),
    bins: await readBins(db, q, from, to, dirtyHere),
  }
}

/**
 * The range's value bins (migration 0045): whole days from the daily bins,
 * the hours left from the hourly ones, the rest from the 5-minute ones (a
 * year reads ~365 × a day's distinct values, not 105,120 buckets'), clean days
 * only; the dirty days' readings binned raw, as the points take them.
 */
async function readBins(db: Queryable, q: TrendQuery, from: Date, to: Date, dirty: Date[]): Promise<TrendBin[]> {
  const params: unknown[] = [q.tenantId, q.patientId, q.type, dirty]
  const parts = cover(from.getTime(), to.getTime(), [...ROLLUP_WIDTHS].reverse()).map(([width, lo, hi]) => {
    params.push(width, new Date(lo), new Date(hi))
    const i = params.length
    return `SELECT bin, n FROM measurement_rollup_bins
             WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND width = $${i - 2} AND bucket >= $${i - 1} AND bucket < $${i}
               AND date_bin(INTERVAL '1 day', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00') <> ALL ($4::timestamptz[])`
  })
  if (dirty.length > 0) {
    params.push(...rawBounds({ from, to }, dirty))
    const i = params.length
    parts.push(`SELECT round(value * varde_vital_bin_scale($3))::integer, 1 FROM measurements
                 WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND measured_at >= $${i - 1} AND measured_at < $${i}
                   AND date_bin(INTERVAL '1 day', measured_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') = ANY ($4::timestamptz[])`)
  }
  if (parts.length === 0) return []
  const rows = await db.query<{ value: number; n: number }>(
    `SELECT bin::float8 / varde_vital_bin_scale($3::text) AS value, sum(n)::int AS n FROM (${parts.join(' UNION ALL ')}) x GROUP BY bin ORDER BY bin`,
    params,
  )
  return rows.rows
}

/** [from, to) as whole buckets, widest first: [width, from, to) pieces that tile it (both ends on 5-minute edges). */
function cover(lo: number, hi: number, widths: readonly number[]): [number, number, number][] {
  const [w, ...rest] = widths
  if (w === undefined || lo >= hi) return []
  const a = ceilTo(lo, w * 1000)
  const b = floorTo(hi, w * 1000)
  if (a >= b) return cover(lo, hi, rest)
  return [[w, a, b], ...cover(lo, a, rest), ...cover(b, hi, rest)]
}

/** Whether the range holds at most maxPoints raw readings; bounded: reads at most maxPoints + 1 index entries. */
async function atMost(db: Queryable, q: TrendQuery, maxPoints: number): Promise<boolean> {
  const few = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM measurements WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND measured_at >= $4 AND measured_at < $5
        LIMIT $6) x`,
    [q.tenantId, q.patientId, q.type, q.from, q.to, maxPoints + 1],
  )
  return (few.rows[0]?.n ?? 0) <= maxPoints
}

const DAY_MS = 86_400_000

/**
 * How many readings the range holds, told from the rollups, not the raw
 * table: the daily rollups of clean days inside the range count exactly, the
 * two edge days (partly inside) bound it from above, and the dirty days
 * (readings stored since their last refresh) are counted raw, each within its
 * own day, so the planner opens only their chunks. The count across a year of
 * raw chunks this replaces cost most of the 1-year read (the planner opened
 * all 53 weekly chunks; bench:trends). low = high when no edge day is in doubt.
 */
async function countReadings(db: Queryable, q: TrendQuery, dirty: Date[], limit: number): Promise<{ low: number; high: number }> {
  const key = [q.tenantId, q.patientId, q.type]
  const days = await db.query<{ inner: string; edge: string }>(
    `SELECT coalesce(sum(n) FILTER (WHERE bucket >= $4 AND bucket + INTERVAL '1 day' <= $5), 0) AS inner,
            coalesce(sum(n) FILTER (WHERE bucket < $4 OR bucket + INTERVAL '1 day' > $5), 0) AS edge
       FROM measurement_rollups
      WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND width = 86400
        AND bucket > $4::timestamptz - INTERVAL '1 day' AND bucket < $5 AND bucket <> ALL ($6::timestamptz[])`,
    [...key, q.from, q.to, dirty],
  )
  let raw = 0
  if (dirty.length > 0) {
    const r = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT 1 FROM measurements
          WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND measured_at >= $4 AND measured_at < $5
            AND date_bin(INTERVAL '1 day', measured_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') = ANY ($6::timestamptz[])
          LIMIT $7) x`,
      [...key, ...rawBounds(q, dirty), dirty, limit],
    )
    raw = r.rows[0]?.n ?? 0
  }
  const inner = Number(days.rows[0]?.inner ?? 0)
  return { low: inner + raw, high: inner + Number(days.rows[0]?.edge ?? 0) + raw }
}

/** The range narrowed to the dirty days' span: constant bounds, so only their chunks are planned. */
function rawBounds(q: { from: Date; to: Date }, dirty: Date[]): [Date, Date] {
  const lo = Math.min(...dirty.map((d) => d.getTime()))
  const hi = Math.max(...dirty.map((d) => d.getTime())) + DAY_MS
  return [new Date(Math.max(lo, q.from.getTime())), new Date(Math.min(hi, q.to.getTime()))]
}

/**
 * Recomputes the buckets of at most maxDays dirty (patient, vital, day)s,
 * oldest marks first, only those marked at least `settleSeconds` ago by the
 * database's clock (default 0: all; migration 0031); returns how many it did
 * (0: nothing left).
 */
export async function refreshRollups(db: Queryable, maxDays = 500, settleSeconds = 0): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT varde_refresh_rollups($1, CASE WHEN $2::float8 > 0 THEN now() - make_interval(secs => $2::float8) ELSE 'infinity' END) AS n`,
    [maxDays, settleSeconds],
  )
  return r.rows[0]?.n ?? 0
}

/** Refreshes until no day is dirty (tests, the bench); returns the days done. */
export async function refreshAllRollups(db: Queryable, maxDays = 500): Promise<number> {
  let total = 0
  for (let n = await refreshRollups(db, maxDays); n > 0; n = await refreshRollups(db, maxDays)) total += n
  return total
}

/**
 * Deletes raw readings older than each tenant's `raw_retention_days` (null:
 * kept) as of `at`, with the rollups of whole days before the cutoff; returns
 * the readings deleted. Never one measured at or after `at - days`.
 */
export async function applyRetention(db: Queryable, at: Date = new Date()): Promise<number> {
  const r = await db.query<{ n: string }>('SELECT varde_apply_retention($1) AS n', [at])
  return Number(r.rows[0]?.n ?? 0)
}
