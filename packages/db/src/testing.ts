import { randomBytes } from 'node:crypto'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startEmbeddedDatabase } from './embedded-database.js'
import { migrate } from './migrate.js'
import { createPool, type Pool } from './pool.js'
import { POSTGRES_MISSING_HINT } from './postgres-server.js'

// A whole server of its own, for tests that need one (several processes, a restart).
export { startPostgresServer, type PostgresServer } from './postgres-server.js'

export interface TestDatabase {
  /** `embedded`: TimescaleDB in PGlite; `postgres`: a database of its own on the run's real PostgreSQL server. */
  kind: 'embedded' | 'postgres'
  /** As the platform connects: on `postgres` the least-privileged role (TEST_PLATFORM_ROLE, member of varde_platform). */
  url: string
  /** As the schema's owner, who migrates (embedded: the same as url). */
  ownerUrl: string
  pool: Pool
  /** The embedded database's directory; empty for `postgres`. */
  dataDir: string
  /** The embedded gate's figures; for `postgres`, the suite pool's (no gate: the server has a session per connection). */
  stats(): { connections: number; queued: number; owner: number | null }
  stop(): Promise<void>
}

/**
 * The environment the real-server suites run with (vitest project
 * `node-postgres`): VARDE_TEST_DB=postgres switches startTestDatabase, and the
 * project's global setup (test-postgres-setup.ts) starts one server for the run
 * and leaves its superuser URL here, or why it could not.
 */
export const TEST_DB_ENV = {
  kind: 'VARDE_TEST_DB', serverUrl: 'VARDE_TEST_PG_URL', serverError: 'VARDE_TEST_PG_ERROR',
  /** The migrated embedded database's files (testing-embedded-setup.ts) each suite's copy starts from. */
  embeddedTemplate: 'VARDE_TEST_EMBEDDED_TEMPLATE',
} as const

/** The migrated database every suite's database is copied from (CREATE DATABASE … TEMPLATE: no migration per suite). */
export const TEMPLATE_DATABASE = 'varde_template'

/** The login role the real-server suites run as: a member of varde_platform (migration 0009), as the platform in production. */
export const TEST_PLATFORM_ROLE = 'varde_app'

/**
 * A fresh, migrated database for one integration suite: by default an embedded
 * database in a temporary directory; with VARDE_TEST_DB=postgres a database of
 * its own on the run's PostgreSQL server, dropped by stop().
 */
export async function startTestDatabase(): Promise<TestDatabase> {
  return process.env[TEST_DB_ENV.kind] === 'postgres' ? startPostgresTestDatabase() : startEmbeddedTestDatabase()
}

async function startEmbeddedTestDatabase(): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'varde-test-db-'))
  // the run's migrated template, copied: initdb and every migration once per run, not per suite
  const template = process.env[TEST_DB_ENV.embeddedTemplate]
  if (template && template !== 'off') await cp(template, join(dataDir, 'pgdata'), { recursive: true })
  const db = await startEmbeddedDatabase({ dataDir })
  // the embedded database always has TimescaleDB: a migration that lost it would fail here
  // (on a copy of the template, a check that every migration is there)
  await migrate(db.url, { requireTimescaledb: true })
  const pool = createPool(db.url, { max: 2, applicationName: 'varde-test' })
  return {
    kind: 'embedded',
    url: db.url,
    ownerUrl: db.url,
    pool,
    dataDir,
    stats: () => db.stats(),
    async stop() {
      await pool.end()
      await db.stop()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/** A new empty database on the run's server, not migrated (for suites that test migrating itself). */
export async function createPostgresTestDatabase(
  options: { template?: string } = {},
): Promise<{ url: string; platformUrl: string; drop(): Promise<void> }> {
  const serverUrl = testServerUrl()
  const name = `varde_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await onServer(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${options.template ?? 'template0'}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const platformUrl = new URL(url)
  platformUrl.username = TEST_PLATFORM_ROLE
  return {
    url: url.toString(),
    platformUrl: platformUrl.toString(),
    // FORCE: a suite's leftover connections (a stopped service's pool) must not keep the database
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
}

async function startPostgresTestDatabase(): Promise<TestDatabase> {
  const db = await createPostgresTestDatabase({ template: TEMPLATE_DATABASE })
  const pool = createPool(db.platformUrl, { max: 2, applicationName: 'varde-test' })
  return {
    kind: 'postgres',
    url: db.platformUrl,
    ownerUrl: db.url,
    pool,
    dataDir: '',
    stats: () => ({ connections: pool.totalCount, queued: pool.waitingCount, owner: null }),
    async stop() {
      await pool.end()
      await db.drop()
    },
  }
}

function testServerUrl(): string {
  const url = process.env[TEST_DB_ENV.serverUrl]
  if (url) return url
  throw new Error(
    process.env[TEST_DB_ENV.serverError] ??
      `${TEST_DB_ENV.kind}=postgres, but no server was started: run through the vitest project 'node-postgres' (its globalSetup starts one). ${POSTGRES_MISSING_HINT}`,
  )
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'varde-test-admin' })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}
