import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPool, recordAccess, recordAccesses, seedDemo, tenantWalled, verifyAuditChain, type AccessEntry } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// The access log's tamper evidence (migration 0020, docs/decisions/0019): on
// both databases, as the platform connects, the log refuses change; each
// tenant's entries form one hash chain even under concurrent writers; and an
// entry altered behind the platform's back (as the owner, the trigger
// disabled) is named by verify as the first broken link.
let db: TestDatabase
let owner: pg.Client
beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
  owner = new pg.Client({ connectionString: db.ownerUrl })
  await owner.connect()
})
afterAll(async () => {
  await owner?.end()
  await db?.stop()
})

const entry = (tenantId: string, n: number): AccessEntry => ({
  tenantId, actorUserId: null, actor: 'chain-test', action: 'read', resourceType: 'Patient', resourceId: `p-${n}`,
  outcome: n % 5 === 0 ? 'denied' : 'allowed', details: { n, note: 'æøå "quoted"', nested: { b: 1, a: [1.50, null] } },
})

describe('the access log hash chain', () => {
  it('refuses UPDATE, DELETE and TRUNCATE to the platform', async () => {
    await recordAccess(db.pool, entry('demo', 1))
    await expect(db.pool.query(`UPDATE audit_log SET actor = 'rewritten'`)).rejects.toMatchObject({ code: '42501' })
    await expect(db.pool.query(`DELETE FROM audit_log`)).rejects.toMatchObject({ code: '42501' })
    // refused by the trigger, or first by the foreign key of audit_reviews: either way the log stays
    await expect(db.pool.query(`TRUNCATE audit_log`)).rejects.toMatchObject({ code: expect.stringMatching(/^(42501|0A000)$/) })
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM audit_log`)).rows[0].n).toBe(1)
  })

  it('chains each tenant on its own, without a fork under concurrent writers', async () => {
    await owner.query(`INSERT INTO tenants (id, name) VALUES ('nabo', 'Nabo kommune') ON CONFLICT DO NOTHING`)
    const writers = createPool(db.url, { max: 4, applicationName: 'chain-writers' })
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => {
        const tenant = i % 2 === 0 ? 'demo' : 'nabo'
        // half through the tenant wall (one transaction each, as the access layer writes), half several rows in one statement
        return i % 4 < 2
          ? recordAccess(tenantWalled(writers, tenant), entry(tenant, i))
          : recordAccesses(writers, [entry(tenant, i), entry(tenant, i + 100)])
      }))
    } finally {
      await writers.end()
    }
    const report = await verifyAuditChain(owner)
    expect(report.broken, JSON.stringify(report.broken)).toEqual([])
    const { rows } = await owner.query<{ tenant_id: string; n: string; max: string }>(
      'SELECT tenant_id, count(*) AS n, max(seq) AS max FROM audit_log GROUP BY 1 ORDER BY 1')
    for (const r of rows) expect(r.max).toBe(r.n)
    expect(report.tenants.map((t) => [t.tenantId, t.entries])).toEqual(rows.map((r) => [r.tenant_id, Number(r.n)]))
  })

  it('names the first broken link when an entry is altered behind the platform\'s back', async () => {
    const { rows: [victim] } = await owner.query<{ id: string; seq: string }>(
      `SELECT id::text, seq::text FROM audit_log WHERE tenant_id = 'demo' ORDER BY seq OFFSET 3 LIMIT 1`)
    await tamper(`UPDATE audit_log SET outcome = 'allowed', details = details || '{"n": 999}' WHERE id = ${victim!.id}`)
    const report = await verifyAuditChain(owner)
    expect(report.broken).toEqual([{ tenantId: 'demo', id: victim!.id, seq: Number(victim!.seq), problem: 'hash-mismatch' }])
    // the other tenant's chain is untouched
    expect((await verifyAuditChain(owner, { tenantId: 'nabo' })).broken).toEqual([])
  })

  it('finds a deleted entry and a cut-off end', async () => {
    const { rows: [gone] } = await owner.query<{ id: string; seq: string }>(
      `SELECT id::text, seq::text FROM audit_log WHERE tenant_id = 'nabo' ORDER BY seq OFFSET 5 LIMIT 1`)
    await tamper(`DELETE FROM audit_log WHERE id = ${gone!.id}`)
    const [broken] = (await verifyAuditChain(owner, { tenantId: 'nabo', pageSize: 4 })).broken
    expect(broken).toMatchObject({ tenantId: 'nabo', seq: Number(gone!.seq) + 1, problem: 'missing-entries' })

    await owner.query(`INSERT INTO tenants (id, name) VALUES ('tail', 'Tail') ON CONFLICT DO NOTHING`)
    for (let i = 0; i < 3; i++) await recordAccess(db.pool, entry('tail', i))
    await tamper(`DELETE FROM audit_log WHERE tenant_id = 'tail' AND seq = 3`)
    expect((await verifyAuditChain(owner, { tenantId: 'tail' })).broken).toEqual([{ tenantId: 'tail', id: null, seq: 3, problem: 'missing-entries' }])
  })
})

/** As the owner (a DBA), with the append-only trigger disabled for the one statement. */
async function tamper(sql: string): Promise<void> {
  await owner.query('BEGIN')
  await owner.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')
  await owner.query(sql)
  await owner.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only')
  await owner.query('COMMIT')
}
