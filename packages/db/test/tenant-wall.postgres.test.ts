import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordAccess, seedDemo, tenantWalled, type DemoHome } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// Only in the vitest project node-postgres: the platform's role (varde_app, a
// member of varde_platform) is subject to row-level security there; the
// embedded database's one superuser session bypasses it (tenant-wall.test.ts
// checks the policies and the setting there).
let db: TestDatabase
let homes: DemoHome[]
let owner: pg.Client
let otherPatientId: string
beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  owner = new pg.Client({ connectionString: db.ownerUrl })
  await owner.connect()
  await owner.query(`INSERT INTO tenants (id, name) VALUES ('nabo', 'Nabo kommune')`)
  otherPatientId = (await owner.query<{ id: string }>(`INSERT INTO patients (tenant_id, display_name) VALUES ('nabo', 'Nabo pasient') RETURNING id`)).rows[0]!.id
})
afterAll(async () => {
  await owner?.end()
  await db?.stop()
})

describe('the tenant wall on the real server', () => {
  it('keeps the platform\'s role to the tenant set, whatever the WHERE forgot, and leaves unset work (services) unwalled', async () => {
    const demo = tenantWalled(db.pool, 'demo')
    const nabo = tenantWalled(db.pool, 'nabo')
    const count = async (q: typeof demo, sql: string, values: unknown[] = []) => Number((await q.query<{ n: string }>(sql, values)).rows[0]!.n)
    // a query that forgot its tenant: behind the wall it sees its own tenant's rows only
    expect(await count(demo, 'SELECT count(*) AS n FROM patients')).toBe(homes.length)
    expect(await count(nabo, 'SELECT count(*) AS n FROM patients')).toBe(1)
    expect(await count(demo, 'SELECT count(*) AS n FROM patients WHERE id = $1', [otherPatientId])).toBe(0)
    // nor can it write another tenant's rows
    await expect(demo.query(`INSERT INTO patients (tenant_id, display_name) VALUES ('nabo', 'smuggled')`)).rejects.toMatchObject({ code: '42501' })
    expect((await demo.query(`UPDATE patients SET display_name = 'renamed' WHERE id = $1`, [otherPatientId])).rowCount).toBe(0)
    expect((await demo.query(`DELETE FROM patients WHERE id = $1`, [otherPatientId])).rowCount).toBe(0)
    // the access log: insert-only (migration 0009), and only for the tenant set
    const entry = { actorUserId: null, actor: 'wall-test', action: 'read', resourceType: 'Patient', outcome: 'allowed' as const }
    await recordAccess(demo, { ...entry, tenantId: 'demo', patientId: homes[0]!.patientId })
    await expect(recordAccess(demo, { ...entry, tenantId: 'nabo', patientId: otherPatientId })).rejects.toMatchObject({ code: '42501' })
    await expect(demo.query(`UPDATE audit_log SET actor = 'rewritten'`)).rejects.toMatchObject({ code: '42501' })
    // without the setting (login, the broker, ingest, the rules' claims): every tenant, as before
    expect(await count(db.pool as unknown as typeof demo, 'SELECT count(*) AS n FROM patients')).toBe(homes.length + 1)
  })
})
