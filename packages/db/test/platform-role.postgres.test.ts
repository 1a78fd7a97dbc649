import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { runner } from 'node-pg-migrate'
import { migrate, MigrateError, MIGRATIONS_DIR, seedDemo } from '../src/index.js'
import { startTestDatabase, TEST_PLATFORM_ROLE, type TestDatabase } from '../src/testing.js'

// Only in the vitest project node-postgres: the suites there connect as a login
// role of varde_platform (migration 0009), as the platform does in production.
let db: TestDatabase

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
})
afterAll(async () => db?.stop())

/** The SQLSTATE a statement fails with as the platform's role, or null when it succeeds. */
async function failure(sql: string): Promise<string | null> {
  try {
    await db.pool.query(sql)
    return null
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

const INSUFFICIENT_PRIVILEGE = '42501'

describe("the platform's least-privileged database role", () => {
  it('is what the suites run as', async () => {
    const r = await db.pool.query<{ role: string; isMember: boolean }>(`SELECT current_user AS role, pg_has_role('varde_platform', 'MEMBER') AS "isMember"`)
    expect(r.rows[0]).toEqual({ role: TEST_PLATFORM_ROLE, isMember: true })
  })

  it('cannot change the schema: no CREATE, ALTER, DROP or TRUNCATE', async () => {
    expect(await failure(`CREATE TABLE intruder (id int)`)).toBe(INSUFFICIENT_PRIVILEGE)
    expect(await failure(`ALTER TABLE patients ADD COLUMN intruder text`)).toBe(INSUFFICIENT_PRIVILEGE)
    expect(await failure(`DROP TABLE rejections`)).toBe(INSUFFICIENT_PRIVILEGE)
    expect(await failure(`TRUNCATE measurements`)).toBe(INSUFFICIENT_PRIVILEGE)
    expect(await failure(`CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'`)).toBe(INSUFFICIENT_PRIVILEGE)
  })

  it('adds to the access log and reads it, but cannot rewrite or empty it', async () => {
    expect(
      await failure(`INSERT INTO audit_log (tenant_id, actor, action, resource_type, outcome) VALUES ('demo', 'test', 'read', 'patient', 'allowed')`),
    ).toBeNull()
    expect(await failure(`SELECT count(*) FROM audit_log`)).toBeNull()
    expect(await failure(`UPDATE audit_log SET outcome = 'denied'`)).toBe(INSUFFICIENT_PRIVILEGE)
    expect(await failure(`DELETE FROM audit_log`)).toBe(INSUFFICIENT_PRIVILEGE)
    expect(await failure(`TRUNCATE audit_log`)).toBe(INSUFFICIENT_PRIVILEGE)
    const kept = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE outcome = 'allowed' AND actor = 'test'`)
    expect(Number(kept.rows[0]?.n)).toBe(1)
  })

  it('starts against a migrated database, but leaves a pending migration to the owner with a clear error', async () => {
    expect(await migrate(db.url)).toEqual([])
    const owner = new pg.Client({ connectionString: db.ownerUrl })
    await owner.connect()
    try {
      // the latest migration undone (its Down section), so it is pending again; migrations apply in order
      // (node-pg-migrate's checkOrder), so only the latest can be, whichever it is when more are added
      const [undone] = await runner({ dbClient: owner, dir: MIGRATIONS_DIR, direction: 'down', count: 1, migrationsTable: 'varde_migrations', log: () => {} })
      expect(undone?.name).toMatch(/^\d{4}/)
      const refused = await migrate(db.url).catch((err: unknown) => err)
      expect(refused).toBeInstanceOf(MigrateError)
      expect(refused).toMatchObject({ code: 'migrations-need-owner' })
      expect((refused as Error).message).toContain(undone!.name)
      expect(await migrate(db.ownerUrl)).toEqual([undone!.name])
    } finally {
      await owner.end()
    }
  })
})
