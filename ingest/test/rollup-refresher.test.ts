import { randomUUID } from 'node:crypto'
import type { Queryable } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRollupRefresher } from '../src/index.js'

// The refresh cadence (docs/decisions/0032): the background rounds take only
// settled dirty days, a few per statement, and go on by themselves while a
// round was full; refreshNow takes every day. A fresh day recomputed at every
// round held the embedded database's one session for seconds under load.
const logger = pino({ level: 'silent' })
let db: TestDatabase

beforeAll(async () => {
  db = await startTestDatabase()
  await db.pool.query(`INSERT INTO tenants (id, name) VALUES ('rollups', 'Rollups') ON CONFLICT DO NOTHING`)
})
afterAll(async () => db?.stop())

const DAY = 86_400_000
const T0 = Date.UTC(2026, 2, 1)

/** One reading on each of `days` UTC days, as ingest stores them (the row trigger marks each day dirty). */
async function storeDays(patientId: string, days: number) {
  await db.pool.query(
    `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
     SELECT 'rollups', $1, 'gw', 'dev', 'b', 'm' || i, 'spo2', 95, '%', $2::timestamptz + i * INTERVAL '1 day', now(), 'decoded'
       FROM generate_series(0, $3 - 1) AS i`,
    [patientId, new Date(T0), days],
  )
}

const dirtyDays = async (patientId: string) =>
  (await db.pool.query<{ day: Date }>('SELECT day FROM measurement_rollup_dirty WHERE patient_id = $1 ORDER BY day', [patientId])).rows.map((r) => r.day.getTime())

async function until(check: () => Promise<boolean>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('the rollup refresher', () => {
  it('refreshes settled days in small rounds until none is left, leaves a day still being marked, and refreshNow takes it', async () => {
    const patientId = randomUUID()
    await storeDays(patientId, 5)
    // four days marked two minutes ago (settled), the fifth just now
    await db.pool.query(
      `UPDATE measurement_rollup_dirty SET marked_at = now() - INTERVAL '2 minutes' WHERE patient_id = $1 AND day < $2`,
      [patientId, new Date(T0 + 4 * DAY)],
    )
    // the rounds counted, so the test can see rounds pass without taking the fresh day
    let rounds = 0
    const counted = {
      query: (text: string, values?: unknown[]) => {
        if (text.includes('varde_refresh_rollups')) rounds++
        return db.pool.query(text, values)
      },
    } as unknown as Queryable
    const refresher = startRollupRefresher({ db: counted, logger, intervalMs: 20, settleMs: 60_000, daysPerRound: 1 })
    try {
      // one day per round: four rounds, each full one waking the next
      await until(async () => (await dirtyDays(patientId)).length === 1, 'the settled days to be refreshed')
      const after = rounds
      await until(async () => rounds >= after + 3, 'three more rounds')
      expect(await dirtyDays(patientId)).toEqual([T0 + 4 * DAY])
      const built = await db.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM measurement_rollups WHERE patient_id = $1 AND width = 86400', [patientId])
      expect(built.rows[0]!.n).toBe(4)
      expect(await refresher.refreshNow()).toBeGreaterThanOrEqual(1)
      expect(await dirtyDays(patientId)).toEqual([])
    } finally {
      await refresher.stop()
    }
  })

  it('stops at once while it pauses between full rounds', async () => {
    const patientId = randomUUID()
    await storeDays(patientId, 3)
    await db.pool.query(`UPDATE measurement_rollup_dirty SET marked_at = now() - INTERVAL '1 hour' WHERE patient_id = $1`, [patientId])
    const refresher = startRollupRefresher({ db: db.pool, logger, intervalMs: 10, settleMs: 1000, daysPerRound: 1 })
    await until(async () => (await dirtyDays(patientId)).length < 3, 'a first round')
    await refresher.stop()
  })
})
