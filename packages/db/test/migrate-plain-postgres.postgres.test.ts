import { afterEach, describe, expect, it } from 'vitest'
import pg from 'pg'
import { migrate, MigrateError, WITHOUT_TIMESCALEDB_NOTICE } from '../src/index.js'
import { createPostgresTestDatabase } from '../src/testing.js'

// Only in the vitest project node-postgres: an empty database on Debian's
// PostgreSQL, which has no TimescaleDB (docs/decisions/0009-plain-postgresql.md).
let drop: (() => Promise<void>) | undefined
afterEach(async () => {
  await drop?.()
  drop = undefined
})

async function emptyDatabase(): Promise<string> {
  const db = await createPostgresTestDatabase()
  drop = db.drop
  return db.url
}

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const r = await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
    return r.rows.map((row) => row.tablename)
  } finally {
    await client.end()
  }
}

describe('migrating a PostgreSQL server without TimescaleDB', () => {
  it('applies every migration and logs each skipped TimescaleDB statement', async () => {
    const url = await emptyDatabase()
    const warnings: string[] = []
    const applied = await migrate(url, { logger: { info: () => {}, warn: (m) => warnings.push(m) } })
    expect(applied[0]).toBe('0001_foundation')
    expect(await tables(url)).toEqual(expect.arrayContaining(['measurements', 'measurement_keys', 'alerts', 'rule_work', 'varde_migrations']))
    expect(warnings.every((w) => w.startsWith(WITHOUT_TIMESCALEDB_NOTICE))).toBe(true)
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('the server has no TimescaleDB extension'),
        expect.stringContaining('extension timescaledb is not available'),
        expect.stringContaining('measurements is a plain table'),
      ]),
    )
  })

  it('refuses, before changing anything, when TimescaleDB is required (production without VARDE_ALLOW_NO_TIMESCALEDB)', async () => {
    const url = await emptyDatabase()
    const refused = await migrate(url, { requireTimescaledb: true }).catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(MigrateError)
    expect(refused).toMatchObject({ code: 'timescaledb-missing' })
    expect((refused as Error).message).toContain('VARDE_ALLOW_NO_TIMESCALEDB=true')
    expect(await tables(url)).toEqual([])
  })
})
