import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo, tenantWalled, tenantWalledPool } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// The second tenant wall (migration 0012, docs/decisions/0012): on both
// databases the policies exist and the per-transaction setting goes through
// (on the embedded one, through its wire gate, one session: it must not
// outlive its transaction); on the real server, as the platform's role, it
// keeps each statement to its tenant's rows (tenant-wall.postgres.test.ts).
let db: TestDatabase
let owner: pg.Client
beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
  owner = new pg.Client({ connectionString: db.ownerUrl })
  await owner.connect()
  await owner.query(`INSERT INTO tenants (id, name) VALUES ('nabo', 'Nabo kommune')`)
})
afterAll(async () => {
  await owner?.end()
  await db?.stop()
})

const setting = async (q: { query: TestDatabase['pool']['query'] }) =>
  ((await q.query<{ t: string | null }>(`SELECT current_setting('app.tenant_id', true) AS t`)).rows[0]?.t ?? '')

describe('the tenant wall', () => {
  it('stands on every table with a tenant_id (a new tenant table without it fails here)', async () => {
    const { rows } = await owner.query<{ table: string; rls: boolean; policy: boolean }>(`
      SELECT c.relname AS table, c.relrowsecurity AS rls,
             EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname AND p.policyname = 'tenant_wall') AS policy
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
         AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
       ORDER BY 1`)
    expect(rows.length).toBeGreaterThanOrEqual(14)
    expect(rows.filter((r) => !r.rls || !r.policy).map((r) => r.table)).toEqual([])
  })

  it('sets the tenant for the statement\'s own transaction only: the connection (the embedded database\'s one session) keeps nothing', async () => {
    const walled = tenantWalled(db.pool, 'demo')
    for (let i = 0; i < 5; i++) {
      expect(await setting(walled)).toBe('demo')
      expect(await setting(db.pool)).toBe('')
    }
    // statements at once on a pool of two: each in its own transaction, each with its tenant
    const [a, b, c] = await Promise.all([setting(tenantWalled(db.pool, 'demo')), setting(tenantWalled(db.pool, 'nabo')), setting(db.pool)])
    expect([a, b, c]).toEqual(['demo', 'nabo', ''])
    // a failing statement rolls its transaction back and leaves the connection usable, without the setting
    await expect(walled.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' })
    expect(await setting(db.pool)).toBe('')
    expect(tenantWalledPool(db.pool, 'demo')).not.toBe(db.pool)
    expect(tenantWalledPool(owner, 'demo')).toBe(owner)
  })
})
