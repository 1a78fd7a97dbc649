import pg from 'pg'
import { migrate } from './migrate.js'
import { PostgresServerError, startPostgresServer } from './postgres-server.js'
import { TEMPLATE_DATABASE, TEST_DB_ENV } from './testing.js'

/**
 * Vitest globalSetup of the project `node-postgres` (vitest.config.ts): one
 * real PostgreSQL server for the whole run, with a migrated template database
 * each suite's database is copied from; stopped and removed after the run.
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
    const reason = err instanceof PostgresServerError ? err.message : `could not start PostgreSQL: ${(err as Error).message}`
    process.env[TEST_DB_ENV.serverError] = reason
    console.error(`\n*** varde: the real-server suites will fail: ${reason}\n`)
    return async () => {}
  }
  const admin = new pg.Client({ connectionString: server.url })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE} TEMPLATE template0`)
  await admin.end()
  const templateUrl = new URL(server.url)
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`
  const notices: string[] = []
  await migrate(templateUrl.toString(), { logger: { info: () => {}, warn: (m) => notices.push(m) } })
  console.log(`varde: real PostgreSQL for the 'node-postgres' suites at ${server.url} (${notices.length} degradations without TimescaleDB)`)
  process.env[TEST_DB_ENV.serverUrl] = server.url
  return async () => {
    await server.stop()
  }
}
