import { randomUUID } from 'node:crypto'
import { classifyValue, breachedSide, countBands, type Band } from '@varde/domain'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyRetention, readTrend, refreshAllRollups, trendBucketSeconds, type Trend } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

let db: TestDatabase

beforeAll(async () => {
  db = await startTestDatabase()
  await db.pool.query(`INSERT INTO tenants (id, name) VALUES ('trends', 'Trends') ON CONFLICT DO NOTHING`)
})
afterAll(async () => db?.stop())

const T0 = Date.UTC(2026, 0, 1)
const DAY = 86_400_000

/** Stores readings as ingest would leave them (the row trigger marks their days dirty). */
async function store(patientId: string, readings: { at: number; value: number }[], type = 'spo2') {
  if (readings.length === 0) return
  await db.pool.query(
    `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
     SELECT 'trends', $1, 'gw', 'dev', 'b', 'm' || i, $2, v, '%', at, now(), 'decoded'
       FROM unnest($3::double precision[], $4::timestamptz[]) WITH ORDINALITY AS x (v, at, i)`,
    [patientId, type, readings.map((r) => r.value), readings.map((r) => new Date(r.at))],
  )
}

/** What the raw readings give for a query: the oracle the rollups must equal. */
function expected(readings: { at: number; value: number }[], from: number, to: number, maxPoints: number): Omit<Trend, 'from' | 'to'> {
  const inRange = readings.filter((r) => r.at >= from && r.at < to)
  if (inRange.length <= maxPoints)
    return { resolution: 'raw', points: [...inRange].sort((a, b) => a.at - b.at).map((r) => ({ at: new Date(r.at), n: 1, min: r.value, max: r.value, mean: r.value })) }
  const { width } = trendBucketSeconds(to - from, maxPoints)
  const w = width * 1000
  const origin = Date.UTC(2000, 0, 1)
  const lo = origin + Math.floor((from - origin) / w) * w
  const hi = origin + Math.ceil((to - origin) / w) * w
  const buckets = new Map<number, number[]>()
  for (const r of readings.filter((x) => x.at >= lo && x.at < hi)) {
    const b = origin + Math.floor((r.at - origin) / w) * w
    buckets.set(b, [...(buckets.get(b) ?? []), r.value])
  }
  return {
    resolution: width,
    points: [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([at, vs]) => ({
      at: new Date(at), n: vs.length, min: Math.min(...vs), max: Math.max(...vs), mean: vs.reduce((s, v) => s + v, 0) / vs.length,
    })),
  }
}

function expectSame(actual: Trend, wanted: ReturnType<typeof expected>) {
  expect(actual.resolution).toBe(wanted.resolution)
  expect(actual.points.map((p) => [p.at.toISOString(), p.n, p.min, p.max])).toEqual(wanted.points.map((p) => [p.at.toISOString(), p.n, p.min, p.max]))
  actual.points.forEach((p, i) => expect(p.mean).toBeCloseTo(wanted.points[i]!.mean, 9))
}

// distinct times: two readings of one instant would collide on the table's key
const readingsArb = fc.uniqueArray(
  fc.record({ at: fc.integer({ min: T0, max: T0 + 40 * DAY }), value: fc.integer({ min: 700, max: 1000 }).map((v) => v / 10) }),
  { selector: (r) => r.at, minLength: 0, maxLength: 120 },
)

describe('trend rollups', () => {
  it('equal what the raw readings give, for random readings, ranges and point budgets, refreshed or not (property)', async () => {
    await fc.assert(fc.asyncProperty(
      readingsArb, fc.integer({ min: T0 - DAY, max: T0 + 41 * DAY }), fc.integer({ min: 60_000, max: 45 * DAY }),
      fc.integer({ min: 3, max: 60 }), fc.boolean(),
      async (readings, from, span, maxPoints, isRefreshed) => {
        const patientId = randomUUID()
        // half stored before a refresh, half after: rollups and the dirty days' raw readings meet in one answer
        const half = Math.floor(readings.length / 2)
        await store(patientId, readings.slice(0, half))
        await refreshAllRollups(db.pool)
        await store(patientId, readings.slice(half))
        if (isRefreshed) await refreshAllRollups(db.pool)
        const trend = await readTrend(db.pool, { tenantId: 'trends', patientId, type: 'spo2', from: new Date(from), to: new Date(from + span), maxPoints })
        expectSame(trend, expected(readings, from, from + span, maxPoints))
        expect(trend.points.length).toBeLessThanOrEqual(maxPoints + 1)
      },
    ), { numRuns: 25 })
  })

  it('per-band counts from the bins equal classifying the raw readings, under random thresholds (property, decision 46)', async () => {
    // readings on the vital's grid (1 % SpO2, 0.1 °C), as devices send them; limits on the grid, inclusive or not
    const vitalArb = fc.constantFrom({ type: 'spo2', scale: 1, lo: 70, hi: 100 }, { type: 'body-temperature', scale: 10, lo: 340, hi: 410 })
    const limitArb = (lo: number, hi: number, scale: number) => fc.option(fc.record({ value: fc.integer({ min: lo, max: hi }).map((v) => v / scale), isInclusive: fc.boolean() }), { nil: undefined })
    await fc.assert(fc.asyncProperty(
      vitalArb.chain((v) => fc.record({
        vital: fc.constant(v),
        readings: fc.uniqueArray(fc.record({ at: fc.integer({ min: T0, max: T0 + 40 * DAY }), value: fc.integer({ min: v.lo, max: v.hi }).map((x) => x / v.scale) }), { selector: (r) => r.at, maxLength: 150 }),
        bands: fc.record({
          red: fc.record({ low: limitArb(v.lo, v.hi, v.scale), high: limitArb(v.lo, v.hi, v.scale) }),
          yellow: fc.record({ low: limitArb(v.lo, v.hi, v.scale), high: limitArb(v.lo, v.hi, v.scale) }),
        }),
      })),
      fc.integer({ min: T0 - DAY, max: T0 + 41 * DAY }), fc.integer({ min: 60_000, max: 45 * DAY }), fc.integer({ min: 3, max: 60 }),
      async ({ vital, readings, bands }, from, span, maxPoints) => {
        const patientId = randomUUID()
        const half = Math.floor(readings.length / 2)
        await store(patientId, readings.slice(0, half), vital.type)
        await refreshAllRollups(db.pool)
        await store(patientId, readings.slice(half), vital.type)
        const trend = await readTrend(db.pool, { tenantId: 'trends', patientId, type: vital.type, from: new Date(from), to: new Date(from + span), maxPoints })
        const clean = (b: { low?: Band['low'] | undefined; high?: Band['high'] | undefined }): Band => ({ ...(b.low ? { low: b.low } : {}), ...(b.high ? { high: b.high } : {}) })
        const severity = { red: clean(bands.red), yellow: clean(bands.yellow) }
        const wanted = { normal: 0, yellowLow: 0, yellowHigh: 0, redLow: 0, redHigh: 0 }
        for (const r of readings.filter((x) => x.at >= trend.from.getTime() && x.at < trend.to.getTime())) {
          const s = classifyValue(severity, r.value)
          if (s === null) wanted.normal++
          else wanted[`${s}${breachedSide(severity[s], r.value) === 'low' ? 'Low' : 'High'}`]++
        }
        expect(countBands(trend.bins, severity)).toEqual(wanted)
      },
    ), { numRuns: 25 })
  })

  it('a late reading updates its old buckets: at once in the trend (real-time), and in the rollups after the refresh', async () => {
    const patientId = randomUUID()
    const minutes = Array.from({ length: 2000 }, (_, i) => ({ at: T0 + i * 60_000, value: 95 }))
    await store(patientId, minutes)
    await refreshAllRollups(db.pool)
    const read = () => readTrend(db.pool, { tenantId: 'trends', patientId, type: 'spo2', from: new Date(T0), to: new Date(T0 + 2 * DAY) })
    expect((await read()).points[0]).toMatchObject({ n: 5, min: 95, max: 95 })
    // measured 90 s into the first bucket, stored now (days later)
    await store(patientId, [{ at: T0 + 90_000, value: 80 }])
    expect((await read()).points[0]).toMatchObject({ n: 6, min: 80, max: 95 })
    await refreshAllRollups(db.pool)
    const rollup = await db.pool.query(`SELECT n, min FROM measurement_rollups WHERE patient_id = $1 AND width = 300 AND bucket = $2`, [patientId, new Date(T0)])
    expect(rollup.rows[0]).toEqual({ n: 6, min: 80 })
    expect((await db.pool.query('SELECT count(*)::int AS n FROM measurement_rollup_dirty WHERE patient_id = $1', [patientId])).rows[0]).toEqual({ n: 0 })
    expect((await read()).points[0]).toMatchObject({ n: 6, min: 80, max: 95 })
  })

  it('retention never removes a reading younger than the tenant setting, and removes every older one (property)', async () => {
    await fc.assert(fc.asyncProperty(
      readingsArb, fc.integer({ min: 1, max: 45 }), fc.integer({ min: T0, max: T0 + 50 * DAY }),
      async (readings, days, at) => {
        const tenant = `ret-${randomUUID().slice(0, 8)}`
        await db.pool.query('INSERT INTO tenants (id, name, raw_retention_days) VALUES ($1, $1, $2)', [tenant, days])
        const patientId = randomUUID()
        await db.pool.query(
          `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
           SELECT $1, $2, 'gw', 'dev', 'b', 'm' || i, 'spo2', v, '%', t, now(), 'decoded'
             FROM unnest($3::double precision[], $4::timestamptz[]) WITH ORDINALITY AS x (v, t, i)`,
          [tenant, patientId, readings.map((r) => r.value), readings.map((r) => new Date(r.at))],
        )
        await refreshAllRollups(db.pool)
        const cutoff = at - days * DAY
        const gone = await applyRetention(db.pool, new Date(at))
        const left = (await db.pool.query<{ t: Date }>('SELECT measured_at AS t FROM measurements WHERE tenant_id = $1 ORDER BY 1', [tenant])).rows.map((r) => r.t.getTime())
        expect(left).toEqual(readings.map((r) => r.at).filter((t) => t >= cutoff).sort((a, b) => a - b))
        expect(gone).toBeGreaterThanOrEqual(readings.filter((r) => r.at < cutoff).length)
        // and the trend agrees with what is left
        await refreshAllRollups(db.pool)
        const trend = await readTrend(db.pool, { tenantId: tenant, patientId, type: 'spo2', from: new Date(T0 - DAY), to: new Date(T0 + 45 * DAY), maxPoints: 5 })
        expect(trend.points.reduce((s, p) => s + p.n, 0)).toBe(left.filter((t) => t >= T0 - DAY && t < T0 + 45 * DAY).length)
      },
    ), { numRuns: 15 })
  })

  it('gives at most ~1,000 points for any range from 24 hours to 5 years', () => {
    for (const days of [1, 7, 30, 90, 365, 5 * 365 + 1]) {
      const { width, base } = trendBucketSeconds(days * DAY)
      expect(width % base).toBe(0)
      expect(Math.ceil((days * DAY) / (width * 1000)) + 1).toBeLessThanOrEqual(1001)
    }
  })
})
