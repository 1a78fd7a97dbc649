import { execFile } from 'node:child_process'
import { mkdtemp, rm, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { seedDemo, storeBatches } from '@varde/db'
import { startTestDatabase, TEST_DB_ENV, type TestDatabase } from '@varde/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// deploy/README.md "Backups": the restore test an operator runs on a nightly dump
// (deploy/backup/restore-test.sh), here on the run's real PostgreSQL server
// (vitest project node-postgres) with Debian's pg_dump, pg_restore and psql.
const run = promisify(execFile)
const RESTORE_TEST = fileURLToPath(new URL('../../deploy/backup/restore-test.sh', import.meta.url))
let db: TestDatabase
let dir: string
beforeAll(async () => {
  db = await startTestDatabase()
  dir = await mkdtemp(join(tmpdir(), 'varde-restore-'))
  const [home] = await seedDemo(db.pool)
  await storeBatches(db.pool, [{
    gatewayId: home!.gatewayId, tenantId: 'demo', patientId: home!.patientId, batchId: 'restore-1', receivedAt: new Date(), rejections: [],
    readings: [{ measurementId: 'm1', deviceId: 'ox-1', type: 'spo2', value: 95, unit: '%', originalValue: null, originalUnit: null, measuredAt: new Date(), flags: [], battery: null, source: 'decoded' }],
  }])
})
afterAll(async () => {
  await db?.stop()
  await rm(dir, { recursive: true, force: true })
})

/** libpq's variables for the run's server, as its superuser (the restore test creates and drops a scratch database). */
function superuser(): NodeJS.ProcessEnv {
  const url = new URL(process.env[TEST_DB_ENV.serverUrl] ?? '')
  return { ...process.env, PGHOST: url.hostname, PGPORT: url.port, PGUSER: decodeURIComponent(url.username) }
}

describe('the restore test of deploy/README.md', () => {
  it('restores a pg_dump of the platform\'s database into a scratch database, finds its rows, and leaves nothing behind', async () => {
    const dump = join(dir, 'varde.dump')
    await run('pg_dump', ['-Fc', '-f', dump, db.ownerUrl])
    const { stdout } = await run('bash', [RESTORE_TEST, dump], { env: superuser() })
    expect(stdout).toContain('restore-test: measurements: 1 rows')
    expect(stdout).toMatch(/restore-test: patients: 14 rows/)
    expect(stdout).toMatch(/restore-test: latest migration in the dump: \d{4}_/)
    const { stdout: left } = await run('psql', ['-d', 'postgres', '-Atc', "SELECT count(*) FROM pg_database WHERE datname LIKE 'varde_restore_test_%'"], { env: superuser() })
    expect(left.trim()).toBe('0')
  })

  it('fails on a damaged dump, and still drops its scratch database', async () => {
    const dump = join(dir, 'damaged.dump')
    await run('pg_dump', ['-Fc', '-f', dump, db.ownerUrl])
    await truncate(dump, 2000)
    const failed = await run('bash', [RESTORE_TEST, dump], { env: superuser() }).then(() => null, (err: { code: number }) => err)
    expect(failed?.code).toBeGreaterThan(0)
    const { stdout: left } = await run('psql', ['-d', 'postgres', '-Atc', "SELECT count(*) FROM pg_database WHERE datname LIKE 'varde_restore_test_%'"], { env: superuser() })
    expect(left.trim()).toBe('0')
  })
})
