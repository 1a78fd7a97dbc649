import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purgeExpiredAuditEntries, recordAccess, verifyAuditChain, walkLogEntries } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// The access log's retention (migration 0024, docs/decisions/0025), on both
// databases: the purge, run as the platform connects (on a real server a role
// without DELETE on audit_log), deletes only entries older than the tenant's
// setting, anchors the cut so verify still passes after it, and verify still
// names an entry altered after the cut. Nothing else gets through the trigger.
// (With them, the export's walk of the log, which shares the database.)
let db: TestDatabase
let owner: pg.Client
beforeAll(async () => {
  db = await startTestDatabase()
  owner = new pg.Client({ connectionString: db.ownerUrl })
  await owner.connect()
})
afterAll(async () => {
  await owner?.end()
  await db?.stop()
})

const DAY_MS = 86_400_000
let tenantNo = 0

/** A tenant of its own with entries `ageDays` old, written in the order given (the chain's order), through the chain trigger. */
async function tenantWith(retentionYears: number, ageDays: number[]): Promise<string> {
  const tenantId = `ret-${++tenantNo}`
  await owner.query('INSERT INTO tenants (id, name, audit_retention_years) VALUES ($1, $1, $2)', [tenantId, retentionYears])
  for (const [i, age] of ageDays.entries()) {
    await owner.query(
      `INSERT INTO audit_log (at, tenant_id, actor, action, resource_type, resource_id, outcome)
       VALUES (now() - make_interval(secs => $2::double precision), $1, 'retention-test', 'read', 'Patient', $3, 'allowed')`,
      [tenantId, age * 86_400, `e${i}`])
  }
  return tenantId
}

const entriesOf = async (tenantId: string) =>
  (await owner.query<{ resource_id: string; at: Date; action: string }>(
    'SELECT resource_id, at, action FROM audit_log WHERE tenant_id = $1 ORDER BY seq', [tenantId])).rows

describe('the access log\'s retention', () => {
  it('never removes an entry younger than the tenant\'s setting, and verify passes after every purge', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 12 }),
      // ages in days, up to 15 years; written in this order, so the chain is not in time order
      fc.array(fc.integer({ min: 0, max: 15 * 366 }), { minLength: 1, maxLength: 12 }),
      async (years, ages) => {
        const tenantId = await tenantWith(years, ages)
        const before = await entriesOf(tenantId)
        await purgeExpiredAuditEntries(db.pool)
        const after = (await entriesOf(tenantId)).filter((e) => e.action !== 'purge')
        const kept = new Set(after.map((e) => e.resource_id))
        const cut = Date.now() - years * 365 * DAY_MS
        for (const e of before) if (e.at.getTime() > cut) expect(kept.has(e.resource_id), `${e.resource_id} at ${e.at.toISOString()}`).toBe(true)
        // what is deleted is a prefix of the chain
        expect(after.map((e) => e.resource_id)).toEqual(before.slice(before.length - after.length).map((e) => e.resource_id))
        const report = await verifyAuditChain(owner, { tenantId })
        expect(report.broken).toEqual([])
      }), { numRuns: 25 })
  })

  it('anchors the cut and logs the purge; a later purge finds nothing more; verify still names an entry altered after the cut', async () => {
    const tenantId = await tenantWith(1, [800, 700, 600, 10, 5, 1])
    const [purge] = (await purgeExpiredAuditEntries(db.pool)).filter((p) => p.tenantId === tenantId)
    expect(purge).toEqual({ tenantId, throughSeq: 3, deleted: 3 })
    expect((await purgeExpiredAuditEntries(db.pool)).filter((p) => p.tenantId === tenantId)).toEqual([])
    const { rows: [anchor] } = await owner.query('SELECT seq::int, hash, entries::int FROM audit_anchors WHERE tenant_id = $1', [tenantId])
    expect(anchor).toMatchObject({ seq: 3, entries: 3 })
    const { rows: [entry] } = await owner.query(`SELECT details FROM audit_log WHERE tenant_id = $1 AND action = 'purge'`, [tenantId])
    expect(entry.details).toMatchObject({ throughSeq: 3, anchorHash: anchor.hash, entries: 3, retentionYears: 1 })
    const intact = await verifyAuditChain(owner, { tenantId })
    expect(intact.broken).toEqual([])
    expect(intact.tenants[0]).toMatchObject({ fromSeq: 3, entries: 4, headSeq: 7 })

    const { rows: [victim] } = await owner.query<{ id: string }>(`SELECT id::text FROM audit_log WHERE tenant_id = $1 AND seq = 5`, [tenantId])
    await owner.query('BEGIN')
    await owner.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')
    await owner.query(`UPDATE audit_log SET actor = 'someone-else' WHERE id = $1`, [victim!.id])
    await owner.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only')
    await owner.query('COMMIT')
    expect((await verifyAuditChain(owner, { tenantId })).broken).toEqual([{ tenantId, id: victim!.id, seq: 5, problem: 'hash-mismatch' }])
  })

  it('names a cut made behind the purge\'s back: an anchor row forged by a DBA and the entries before it deleted', async () => {
    const tenantId = await tenantWith(10, [5, 4, 3, 2])
    const { rows: [second] } = await owner.query<{ hash: string }>('SELECT hash FROM audit_log WHERE tenant_id = $1 AND seq = 2', [tenantId])
    await owner.query('BEGIN')
    await owner.query(`INSERT INTO audit_anchors (tenant_id, seq, hash, entries, cutoff) VALUES ($1, 2, $2, 2, now())`, [tenantId, second!.hash])
    await owner.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')
    await owner.query('DELETE FROM audit_log WHERE tenant_id = $1 AND seq <= 2', [tenantId])
    await owner.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only')
    await owner.query('COMMIT')
    expect((await verifyAuditChain(owner, { tenantId })).broken).toEqual([{ tenantId, id: null, seq: 2, problem: 'cut-unconfirmed' }])
  })

  it('keeps the narrow path narrow: no DELETE outside the purge, not even of an anchored tenant\'s old entries', async () => {
    const tenantId = await tenantWith(1, [900, 1])
    await purgeExpiredAuditEntries(db.pool)
    await recordAccess(db.pool, { tenantId, actorUserId: null, actor: 'x', action: 'read', resourceType: 'Patient', outcome: 'allowed' })
    await expect(db.pool.query('DELETE FROM audit_log WHERE tenant_id = $1', [tenantId])).rejects.toMatchObject({ code: '42501' })
    // the purge's own setting does not open the door to the platform either: the row is not covered by an anchor
    const client = await db.pool.connect()
    try {
      await client.query('BEGIN')
      await client.query(`SELECT set_config('app.audit_purge', 'on', true)`)
      await expect(client.query('DELETE FROM audit_log WHERE tenant_id = $1', [tenantId])).rejects.toMatchObject({ code: '42501' })
      await client.query('ROLLBACK')
    } finally {
      client.release()
    }
    // nor may the platform write an anchor of its own
    if (db.kind === 'postgres') {
      await expect(db.pool.query(`INSERT INTO audit_anchors (tenant_id, seq, hash, entries, cutoff) VALUES ($1, 99, 'x', 1, now())`, [tenantId]))
        .rejects.toMatchObject({ code: '42501' })
    }
    expect((await entriesOf(tenantId)).length).toBe(3)
  })
})

describe('the export\'s walk of the log', () => {
  it('gives every entry of the filter once, newest first, across page boundaries, and none written after it began', async () => {
    const tenantId = await tenantWith(10, [0, 0, 0, 0, 0, 0, 0])
    await recordAccess(db.pool, { tenantId, actorUserId: null, actor: 'other', action: 'read', resourceType: 'Patient', outcome: 'denied' })
    const seen: string[] = []
    for await (const e of walkLogEntries(db.pool, { tenantId, username: 'retention-test' }, 3)) {
      seen.push(e.resourceId ?? '')
      if (seen.length === 1) await recordAccess(db.pool, { tenantId, actorUserId: null, actor: 'retention-test', action: 'read', resourceType: 'Patient', resourceId: 'late', outcome: 'allowed' })
    }
    expect(seen).toEqual(['e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e0'])
    const empty: unknown[] = []
    for await (const e of walkLogEntries(db.pool, { tenantId: 'no-such-tenant' }, 3)) empty.push(e)
    expect(empty).toEqual([])
  })
})
