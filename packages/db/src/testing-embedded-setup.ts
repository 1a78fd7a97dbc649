import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmbeddedDatabase } from './embedded-database.js'
import { migrate } from './migrate.js'
import { TEST_DB_ENV } from './testing.js'

/**
 * Vitest globalSetup of the projects that start embedded databases
 * (vitest.config.ts): one migrated embedded database, stopped cleanly, whose
 * files each suite copies (startTestDatabase) instead of running initdb and
 * every migration again. Measured on 2 busy cores (wall time, so rough): a
 * fresh start and migrate 6–24 s, a copy, start and (no-op) migrate about 2 s;
 * in CPU time about 1 s less per suite. Some sixty suites start one, and their
 * beforeAll (60 s at most) no longer waits on initdb when the machine is
 * loaded. Removed after the run.
 *
 * The workers inherit process.env, so the directory travels there. When the
 * template cannot be made, the setup does not throw: it says why, and the
 * suites migrate fresh databases as before.
 */
export default async function setup(): Promise<() => Promise<void>> {
  // VARDE_TEST_EMBEDDED_TEMPLATE=off: every suite migrates a fresh database, as before (to compare, or to rule the copy out)
  // (or a template already made: the projects node and node-serial each run this setup, the teardowns after the whole run)
  if (process.env[TEST_DB_ENV.embeddedTemplate]) return async () => {}
  const dir = await mkdtemp(join(tmpdir(), 'varde-test-template-'))
  try {
    const db = await startEmbeddedDatabase({ dataDir: dir })
    try {
      await migrate(db.url, { requireTimescaledb: true })
    } finally {
      await db.stop()
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    console.error(`\n*** varde: no embedded template database (${(err as Error).message}); each suite migrates its own\n`)
    return async () => {}
  }
  process.env[TEST_DB_ENV.embeddedTemplate] = join(dir, 'pgdata')
  return () => rm(dir, { recursive: true, force: true })
}
