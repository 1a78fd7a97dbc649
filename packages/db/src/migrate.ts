import { fileURLToPath } from 'node:url'
import { runner } from 'node-pg-migrate'

/** The SQL migrations ship beside the compiled code (../migrations from src/ and dist/). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url))

export interface MigrateLogger {
  info(msg: string): void
}

/** Applies pending migrations; the same files run on the embedded database and on a real TimescaleDB. */
export async function migrate(databaseUrl: string, logger?: MigrateLogger): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'varde_migrations',
    checkOrder: true,
    log: (msg: string) => logger?.info(msg),
  })
  return applied.map((m) => m.name)
}
