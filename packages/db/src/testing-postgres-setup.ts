import pg from 'pg'
import { migrate } from './migrate.js'
import { PostgresServerError, startPostgresServer } from './postgres-server.js'
import { TEMPLATE_DATABASE, TEST_DB_ENV, TEST_PLATFORM_ROLE } from './testing.js'

/**
 * Vitest globalSetup of the project `node-postgres` (vitest.config.ts): one
 * real PostgreSQL server for the whole run, with a migrated template database
 * each suite's database is copied from, and the login role the suites connect
 * as (least-privileged, like the platform's); stopped and removed after the run.
 *
 * The workers inherit process.env, so the URL travels there. When PostgreSQL
 * is missing the setup does not throw (that would stop the embedded suites
 * too): it leaves the reason, and every real-server suite fails with it.
 */
export default async function setup(): Promise<() => Promise<void>> {
  let server
  try {
    server = await startPostgresServer()
  } catch (err) {
    return failed(err instanceof PostgresServerError ? err.message : `could not start PostgreSQL: ${(err as Error).message}`)
  }
  try {
    const notices = await createTemplate(server.url)
    console.log(`varde: real PostgreSQL for the 'node-postgres' suites at ${server.url} (${notices.length} degradations without TimescaleDB)`)
  } catch (err) {
    await server.stop()
    return failed(`the migrations failed on PostgreSQL: ${(err as Error).message}`)
  }
  process.env[TEST_DB_ENV.serverUrl] = server.url
  return () => server.stop()
}

function failed(reason: string): () => Promise<void> {
  process.env[TEST_DB_ENV.serverError] = reason
  console.error(`\n*** varde: the real-server suites (project node-postgres) will fail: ${reason}\n`)
  return async () => {}
}

/** The migrated template database; returns the migrations' without-TimescaleDB notices. */
async function createTemplate(serverUrl: string): Promise<string[]> {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE} TEMPLATE template0`)
  } finally {
    await admin.end()
  }
  const templateUrl = new URL(serverUrl)
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`
  const notices: string[] = []
  await migrate(templateUrl.toString(), { logger: { info: () => {}, warn: (m) => notices.push(m) } })
  // the suites run as the platform does in production: a login role of the least-privileged group
  const roles = new pg.Client({ connectionString: serverUrl })
  await roles.connect()
  try {
    await roles.query(`CREATE ROLE ${TEST_PLATFORM_ROLE} LOGIN IN ROLE varde_platform`)
  } finally {
    await roles.end()
  }
  return notices
}
