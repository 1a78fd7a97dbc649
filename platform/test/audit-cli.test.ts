import pg from 'pg'
import { recordAccess, seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAuditCli } from '../src/audit-cli.js'

// `npm run varde -- audit verify` (issue 19 acceptance): an entry altered
// behind the platform's back, as the owner with the append-only trigger
// disabled, makes verify fail and name that entry.
let db: TestDatabase
beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
  for (let i = 0; i < 6; i++) {
    await recordAccess(db.pool, { tenantId: 'demo', actorUserId: null, actor: 'sykepleier', action: 'read', resourceType: 'Patient', resourceId: `p${i}`, outcome: 'allowed' })
  }
})
afterAll(async () => db?.stop())

async function verify(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = []
  const code = await runAuditCli(['audit', 'verify', ...argv], { VARDE_MIGRATE_DATABASE_URL: db.ownerUrl }, { out: (l) => out.push(l), err: (l) => out.push(l) })
  return { code, out: out.join('\n') }
}

describe('varde audit verify', () => {
  it('passes on an intact log and fails at the entry altered behind the platform\'s back', async () => {
    const intact = await verify()
    expect(intact.code).toBe(0)
    expect(intact.out).toMatch(/^demo: \d+ entries, chain intact, head [0-9a-f]{64}$/m)

    const owner = new pg.Client({ connectionString: db.ownerUrl })
    await owner.connect()
    try {
      const { rows: [row] } = await owner.query<{ id: string; seq: string }>(
        `SELECT id::text, seq::text FROM audit_log WHERE tenant_id = 'demo' AND resource_id = 'p3'`)
      await owner.query('BEGIN')
      await owner.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')
      await owner.query(`UPDATE audit_log SET actor = 'someone-else' WHERE id = $1`, [row!.id])
      await owner.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only')
      await owner.query('COMMIT')
      const broken = await verify('--tenant', 'demo')
      expect(broken.code).toBe(1)
      expect(broken.out).toBe(`demo: BROKEN at entry seq ${row!.seq} (audit_log id ${row!.id}): hash-mismatch`)
      expect(JSON.parse((await verify('--json')).out).broken).toEqual([{ tenantId: 'demo', id: row!.id, seq: Number(row!.seq), problem: 'hash-mismatch' }])
    } finally {
      await owner.end()
    }
  })
})
