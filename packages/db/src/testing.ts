import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmbeddedDatabase } from './embedded-database.js'
import { migrate } from './migrate.js'
import { createPool, type Pool } from './pool.js'

export interface TestDatabase {
  url: string
  pool: Pool
  dataDir: string
  stats(): { connections: number; queued: number; owner: number | null }
  stop(): Promise<void>
}

/** A fresh, migrated embedded database in a temporary directory, for one integration suite. */
export async function startTestDatabase(): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'varde-test-db-'))
  const db = await startEmbeddedDatabase({ dataDir })
  await migrate(db.url)
  const pool = createPool(db.url, { max: 2, applicationName: 'varde-test' })
  return {
    url: db.url,
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
