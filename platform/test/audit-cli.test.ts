import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import pino from 'pino'
import { recordAccess, seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAuditCli } from '../src/audit-cli.js'
import { startAuditRetention } from '../src/audit-retention.js'

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

async function audit(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = []
  const code = await runAuditCli(['audit', ...argv], { VARDE_MIGRATE_DATABASE_URL: db.ownerUrl }, { out: (l) => out.push(l), err: (l) => out.push(l) })
  return { code, out: out.join('\n') }
}
const verify = (...argv: string[]) => audit('verify', ...argv)

/** As the owner (a DBA) behind the platform's back, the append-only trigger disabled for the statements. */
async function asDba(...statements: [string, unknown[]?][]): Promise<void> {
  const owner = new pg.Client({ connectionString: db.ownerUrl })
  await owner.connect()
  try {
    await owner.query('BEGIN')
    await owner.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')
    for (const [sql, params] of statements) await owner.query(sql, params)
    await owner.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only')
    await owner.query('COMMIT')
  } finally {
    await owner.end()
  }
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

describe('varde audit anchor and verify --anchor', () => {
  it('finds a tail cut off together with its head, and a tail rewritten, which the chain alone cannot show', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'varde-anchor-'))
    try {
      await db.pool.query(`INSERT INTO tenants (id, name) VALUES ('anchored', 'Anchored') ON CONFLICT DO NOTHING`)
      for (let i = 0; i < 5; i++) await recordAccess(db.pool, { tenantId: 'anchored', actorUserId: null, actor: 'x', action: 'read', resourceType: 'Patient', resourceId: `a${i}`, outcome: 'allowed' })
      const file = join(dir, 'anchor.json')
      const written = await audit('anchor', '--tenant', 'anchored', '--out', file)
      expect(written.code).toBe(0)
      const anchor = JSON.parse(await readFile(file, 'utf8'))
      expect(anchor).toMatchObject({ kind: 'varde-audit-anchor', version: 1, tenants: [{ tenantId: 'anchored', seq: 5, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }] })
      expect((await audit('anchor', '--out', file)).code).toBe(2) // never over an anchor kept before
      expect((await verify('--tenant', 'anchored', '--anchor', file)).code).toBe(0)

      // the DBA cuts off the last two entries and moves the head back: the chain alone holds
      await asDba(
        [`DELETE FROM audit_log WHERE tenant_id = 'anchored' AND seq > 3`],
        [`UPDATE audit_chain_heads SET seq = 3, hash = (SELECT hash FROM audit_log WHERE tenant_id = 'anchored' AND seq = 3) WHERE tenant_id = 'anchored'`])
      expect((await verify('--tenant', 'anchored')).code).toBe(0)
      const cut = await verify('--tenant', 'anchored', '--anchor', file)
      expect(cut).toEqual({ code: 1, out: 'anchored: BROKEN at entry seq 5 (an anchored head is no longer in the log): anchor-missing' })

      // … and writes two other entries in their place, chained: seq 5 is there again, with another hash
      for (const r of ['b4', 'b5']) await recordAccess(db.pool, { tenantId: 'anchored', actorUserId: null, actor: 'x', action: 'read', resourceType: 'Patient', resourceId: r, outcome: 'allowed' })
      expect((await verify('--tenant', 'anchored')).code).toBe(0)
      const { rows: [fifth] } = await db.pool.query<{ id: string }>(`SELECT id::text FROM audit_log WHERE tenant_id = 'anchored' AND resource_id = 'b5'`)
      expect(await verify('--tenant', 'anchored', '--anchor', file))
        .toEqual({ code: 1, out: `anchored: BROKEN at entry seq 5 (audit_log id ${fifth!.id}): anchor-mismatch` })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses an anchor file that is not one, with exit code 2 and why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'varde-anchor-'))
    try {
      const file = join(dir, 'bad.json')
      await writeFile(file, JSON.stringify({ kind: 'varde-audit-anchor', version: 1, tenants: [{ tenantId: 'demo', seq: 'x', hash: 'nope' }] }))
      expect(await verify('--anchor', file)).toEqual({ code: 2, out: `varde: the anchor file ${file} cannot be used: tenants[0] is not { tenantId, seq, hash }` })
      await writeFile(file, '{')
      expect((await verify('--anchor', file)).out).toMatch(/cannot be used: not JSON$/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the retention job', () => {
  it('purges what is past a tenant\'s retention, and verify passes after the cut', async () => {
    await db.pool.query(`INSERT INTO tenants (id, name, audit_retention_years) VALUES ('kept', 'Kept', 2) ON CONFLICT DO NOTHING`)
    const owner = new pg.Client({ connectionString: db.ownerUrl })
    await owner.connect()
    try {
      for (const days of [1000, 900, 3]) {
        await owner.query(`INSERT INTO audit_log (at, tenant_id, actor, action, resource_type, outcome)
          VALUES (now() - make_interval(days => $1), 'kept', 'x', 'read', 'Patient', 'allowed')`, [days])
      }
    } finally {
      await owner.end()
    }
    const retention = startAuditRetention({ db: db.pool, logger: pino({ level: 'silent' }) })
    try {
      await retention.runNow() // after the start's run (or as it: a wake before it begins is coalesced)
    } finally {
      await retention.stop()
    }
    const { rows } = await db.pool.query<{ seq: number; action: string }>(`SELECT seq::int, action FROM audit_log WHERE tenant_id = 'kept' ORDER BY seq`)
    expect(rows).toEqual([{ seq: 3, action: 'read' }, { seq: 4, action: 'purge' }])
    expect(await verify('--tenant', 'kept')).toMatchObject({ code: 0, out: expect.stringMatching(/^kept: 2 entries after the retention's cut at seq 2, chain intact/) })
  })
})
