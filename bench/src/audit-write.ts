import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { AuditBatcher, createPool, migrate, recordAccess, seedDemo, startEmbeddedDatabase, tenantWalled, type AccessEntry } from '@varde/db'
import pg from 'pg'

/**
 * Issue 19: does the access log's hash chain (migration 0020) slow reads?
 * One "read" is what the access layer does for GET /api/patients/:id: the
 * patient's row through the tenant wall, then its access-log entry through
 * the tenant wall (each its own transaction, as tenantWalled runs them).
 * Rounds alternate the chain trigger off (the log as before 0020) and on,
 * the same database and data, `--concurrency` readers of one tenant at once
 * (the worst case: they queue on the tenant's head row).
 *
 *   npm run bench:audit                                  (embedded database, about 30 s)
 *   npm run bench:audit -- --postgres postgres://owner@host/db   (a real server, a migrated scratch database)
 */
const { values: args } = parseArgs({ options: {
  reads: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '8' }, rounds: { type: 'string', default: '3' },
  postgres: { type: 'string' },
} })
const reads = Number(args.reads)
const concurrency = Number(args.concurrency)
const rounds = Number(args.rounds)

let stopDb: () => Promise<void> = async () => {}
let url = args.postgres
if (!url) {
  const dataDir = mkdtempSync(join(tmpdir(), 'varde-bench-audit-'))
  const db = await startEmbeddedDatabase({ dataDir })
  url = db.url
  stopDb = async () => { await db.stop(); rmSync(dataDir, { recursive: true, force: true }) }
}
await migrate(url, {})
const pool = createPool(url, { max: concurrency, applicationName: 'bench-audit' })
const owner = new pg.Client({ connectionString: url })
await owner.connect()
await seedDemo(pool)
const { rows: patients } = await pool.query<{ id: string }>(`SELECT id FROM patients WHERE tenant_id = 'demo'`)
const walled = tenantWalled(pool, 'demo')

const batcher = new AuditBatcher(pool)
type Mode = 'off' | 'on' | 'batched'

async function oneRead(i: number, mode: Mode): Promise<number> {
  const started = performance.now()
  const patientId = patients[i % patients.length]!.id
  await walled.query('SELECT id, display_name FROM patients WHERE tenant_id = $1 AND id = $2', ['demo', patientId])
  const entry: AccessEntry = { tenantId: 'demo', actorUserId: null, actor: 'bench', action: 'read', resourceType: 'Patient', resourceId: patientId, patientId, outcome: 'allowed' }
  await (mode === 'batched' ? batcher.write([entry]) : recordAccess(walled, entry))
  return performance.now() - started
}

async function round(mode: Mode): Promise<{ mode: Mode; perSecond: number; p50: number; p95: number; p99: number }> {
  await owner.query(`ALTER TABLE audit_log ${mode !== 'off' ? 'ENABLE' : 'DISABLE'} TRIGGER audit_log_chain`)
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < reads; i = next++) latencies.push(await oneRead(i, mode))
  }))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! * 100) / 100
  return { mode, perSecond: Math.round(reads / seconds), p50: q(0.5), p95: q(0.95), p99: q(0.99) }
}

// the "before" rounds (no chain) still fill the NOT NULL seq/prev_hash/hash, from a sequence and empty text: the bench's scratch database only
await owner.query(`CREATE SEQUENCE bench_seq START 1000000000; ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT nextval('bench_seq'),
  ALTER COLUMN prev_hash SET DEFAULT '', ALTER COLUMN hash SET DEFAULT ''`)
const results: Awaited<ReturnType<typeof round>>[] = []
try {
  await round('on') // warm-up
  for (let r = 0; r < rounds; r++) for (const mode of ['off', 'on', 'batched'] as const) results.push(await round(mode))
} finally {
  await owner.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_chain')
  await owner.end()
  await pool.end()
  await stopDb()
}
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; ${args.postgres ? 'real PostgreSQL' : 'embedded database'}; ${reads} reads per round, ${concurrency} at once, one tenant`)
console.log('chain    reads/s  p50 ms  p95 ms  p99 ms   (off: the log as before 0020; on: chained, an insert per read; batched: chained, AuditBatcher)')
for (const r of results) console.log(`${r.mode.padEnd(7)}  ${String(r.perSecond).padStart(7)}  ${String(r.p50).padStart(6)}  ${String(r.p95).padStart(6)}  ${String(r.p99).padStart(6)}`)
const mean = (mode: Mode, k: 'perSecond' | 'p50' | 'p95') => results.filter((r) => r.mode === mode).reduce((s, r) => s + r[k], 0) / rounds
for (const mode of ['on', 'batched'] as const) {
  console.log(`ratio ${mode}/off: reads/s ${(mean(mode, 'perSecond') / mean('off', 'perSecond')).toFixed(2)}, p50 ${(mean(mode, 'p50') / mean('off', 'p50')).toFixed(2)}, p95 ${(mean(mode, 'p95') / mean('off', 'p95')).toFixed(2)}`)
}
