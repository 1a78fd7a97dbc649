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

export interface Trend {
  /** `raw`: each reading; otherwise the bucket's width in seconds. */
  resolution: 'raw' | number
  /** The range actually covered: [from, to) widened to whole buckets. */
  from: Date
  to: Date
  points: TrendPoint[]
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
  // bounded whatever the range: at most maxPoints + 1 index entries are read
  const few = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM measurements WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND measured_at >= $4 AND measured_at < $5
        LIMIT $6) x`,
    [...key, q.from, q.to, maxPoints + 1],
  )
  if ((few.rows[0]?.n ?? 0) <= maxPoints) {
    const rows = await db.query<{ at: Date; value: number; flags: string[] }>(
      `SELECT measured_at AS at, value, flags FROM measurements
        WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND measured_at >= $4 AND measured_at < $5
        ORDER BY measured_at, id`,
      [...key, q.from, q.to],
    )
    return {
      resolution: 'raw', from: q.from, to: q.to,
      points: rows.rows.map((r) => ({ at: r.at, n: 1, min: r.value, max: r.value, mean: r.value, ...(r.flags.length ? { flags: r.flags } : {}) })),
    }
  }
  const { width, base } = trendBucketSeconds(q.to.getTime() - q.from.getTime(), maxPoints)
  const from = new Date(floorTo(q.from.getTime(), width * 1000))
  const to = new Date(ceilTo(q.to.getTime(), width * 1000))
  // Real-time aggregation: a dirty day (readings stored since its last refresh)
  // is read raw, every other day from its rollups; both merged into the bucket.
  const rows = await db.query<{ at: Date; n: number; min: number; max: number; sum: number }>(
    `WITH dirty AS (
       SELECT day FROM measurement_rollup_dirty
        WHERE tenant_id = $1 AND patient_id = $2 AND type = $3 AND day >= $4::timestamptz - INTERVAL '1 day' AND day < $5
     ), parts AS (
       SELECT r.bucket, r.n, r.min, r.max, r.sum FROM measurement_rollups r
        WHERE r.tenant_id = $1 AND r.patient_id = $2 AND r.type = $3 AND r.width = $6 AND r.bucket >= $4 AND r.bucket < $5
          AND NOT EXISTS (SELECT 1 FROM dirty WHERE r.bucket >= dirty.day AND r.bucket < dirty.day + INTERVAL '1 day')
       UNION ALL
       SELECT m.measured_at, 1, m.value, m.value, m.value FROM dirty
         JOIN measurements m ON m.measured_at >= dirty.day AND m.measured_at < dirty.day + INTERVAL '1 day'
        WHERE m.tenant_id = $1 AND m.patient_id = $2 AND m.type = $3 AND m.measured_at >= $4 AND m.measured_at < $5
     )
     SELECT date_bin(make_interval(secs => $7), bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS at,
            sum(n)::int AS n, min(min) AS min, max(max) AS max, sum(sum) AS sum
       FROM parts GROUP BY 1 ORDER BY 1`,
    [...key, from, to, base, width],
  )
  return {
    resolution: width, from, to,
    points: rows.rows.map((r) => ({ at: r.at, n: r.n, min: r.min, max: r.max, mean: r.sum / r.n })),
  }
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
