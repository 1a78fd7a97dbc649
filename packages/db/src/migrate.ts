import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { runner } from 'node-pg-migrate'

/** The SQL migrations ship beside the compiled code (../migrations from src/ and dist/). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url))
const MIGRATIONS_TABLE = 'varde_migrations'

export interface MigrateLogger {
  info(msg: string): void
  warn?(msg: string): void
}

export interface MigrateOptions {
  logger?: MigrateLogger
  /**
   * Refuse to migrate a server on which TimescaleDB cannot be created
   * (production, unless VARDE_ALLOW_NO_TIMESCALEDB=true; docs/decisions/0008).
   */
  requireTimescaledb?: boolean
}

export class MigrateError extends Error {
  constructor(
    readonly code: 'timescaledb-missing' | 'migrations-need-owner',
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`)
    this.name = 'MigrateError'
  }
}

/**
 * A migration's statement that only TimescaleDB has is guarded in the SQL and,
 * on a server without it, raises a NOTICE with this prefix saying what stands
 * instead (the pattern: docs/decisions/0009-plain-postgresql.md).
 */
export const WITHOUT_TIMESCALEDB_NOTICE = 'without-timescaledb:'

/**
 * Applies pending migrations; the same files run on the embedded database, on
 * a real TimescaleDB, and (degraded, each degradation logged) on a plain
 * PostgreSQL server.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<string[]> {
  const { logger } = options
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'varde-migrate' })
  client.on('notice', (notice) => {
    if (notice.message?.startsWith(WITHOUT_TIMESCALEDB_NOTICE)) (logger?.warn ?? logger?.info)?.call(logger, notice.message)
  })
  await client.connect()
  try {
    const timescale = await timescaledbOn(client)
    if (!timescale.isAvailable && !timescale.isInstalled) {
      if (options.requireTimescaledb)
        throw new MigrateError(
          'timescaledb-missing',
          'the database server has no TimescaleDB extension; production needs it (install TimescaleDB, or set VARDE_ALLOW_NO_TIMESCALEDB=true to run on plain PostgreSQL: docs/decisions/0009-plain-postgresql.md)',
        )
      ;(logger?.warn ?? logger?.info)?.call(logger, `${WITHOUT_TIMESCALEDB_NOTICE} the server has no TimescaleDB extension; migrating to plain PostgreSQL tables (docs/decisions/0009-plain-postgresql.md)`)
    }
    // The platform's own role (varde_platform, migration 0009) may not touch the
    // schema, nor even node-pg-migrate's table: look first, run only when needed.
    const pending = await pendingMigrations(client)
    if (pending.length === 0) return []
    if (!(await canChangeSchema(client)))
      throw new MigrateError(
        'migrations-need-owner',
        `${pending.length} migration(s) pending (${pending.join(', ')}), and this database role may not change the schema: run them as the owner (VARDE_MIGRATE_DATABASE_URL; docs/decisions/0009-plain-postgresql.md)`,
      )
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      checkOrder: true,
      log: (msg: string) => logger?.info(msg),
    })
    return applied.map((m) => m.name)
  } finally {
    await client.end()
  }
}

export interface TimescaledbStatus {
  /** The server can create the extension (it is installed on the server). */
  isAvailable: boolean
  /** The extension exists in this database. */
  isInstalled: boolean
}

/** Whether TimescaleDB is there: the one switch of the guarded migrations and of the platform's Timescale-only work. */
export async function timescaledbOn(db: Pick<pg.ClientBase, 'query'>): Promise<TimescaledbStatus> {
  const r = await db.query<{ available: boolean; installed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
            EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed`,
  )
  const row = r.rows[0]
  return { isAvailable: Boolean(row?.available), isInstalled: Boolean(row?.installed) }
}


/** The migration files not yet recorded as applied, in order. */
async function pendingMigrations(client: pg.ClientBase): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -'.sql'.length)).sort()
  const table = await client.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [MIGRATIONS_TABLE])
  if (!table.rows[0]?.exists) return files
  const applied = await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`)
  const done = new Set(applied.rows.map((r) => r.name))
  return files.filter((f) => !done.has(f))
}

async function canChangeSchema(client: pg.ClientBase): Promise<boolean> {
  const r = await client.query<{ can: boolean }>(`SELECT has_schema_privilege('public', 'CREATE') AS can`)
  return Boolean(r.rows[0]?.can)
}
