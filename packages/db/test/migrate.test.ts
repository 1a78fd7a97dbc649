import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrate, timescaledbOn } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// Runs on both databases (vitest projects node and node-postgres): the same
// migrations, and what differs between them is exactly what decision 9 says.
let db: TestDatabase

beforeAll(async () => {
  db = await startTestDatabase()
})
afterAll(async () => db?.stop())

describe('the migrations on this database', () => {
  it('make measurements a hypertable where TimescaleDB is, and a plain table with the same keys and index where it is not', async () => {
    const timescale = await timescaledbOn(db.pool)
    expect(timescale.isInstalled).toBe(db.kind === 'embedded')
    if (timescale.isInstalled) {
      const r = await db.pool.query(`SELECT hypertable_name FROM timescaledb_information.hypertables`)
      expect(r.rows.map((row) => row.hypertable_name)).toContain('measurements')
    }
    // the readings of a patient are found by an index that starts (patient, type, time), whatever its name
    const indexes = await db.pool.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'measurements'`)
    expect(indexes.rows.map((r) => r.indexdef)).toEqual(expect.arrayContaining([expect.stringMatching(/\(patient_id, type, measured_at/)]))
  })

  it("give the platform's role rows to read and write, and the access log to add to only", async () => {
    const r = await db.pool.query<{ table: string; privileges: string[] }>(
      `SELECT t AS table, array(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
                                 WHERE has_table_privilege('varde_platform', t, p)) AS privileges
         FROM unnest(ARRAY['patients', 'measurements', 'audit_log', 'varde_migrations']) t`,
    )
    expect(Object.fromEntries(r.rows.map((row) => [row.table, row.privileges]))).toEqual({
      patients: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
      measurements: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
      audit_log: ['SELECT', 'INSERT'],
      varde_migrations: ['SELECT'],
    })
    const schema = await db.pool.query<{ can: boolean }>(`SELECT has_schema_privilege('varde_platform', 'public', 'CREATE') AS can`)
    expect(schema.rows[0]?.can).toBe(false)
  })

  it('find nothing left to apply a second time', async () => {
    expect(await migrate(db.url, { requireTimescaledb: db.kind === 'embedded' })).toEqual([])
  })
})
