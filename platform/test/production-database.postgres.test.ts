import { Writable } from 'node:stream'
import { loadPlatformConfig } from '@varde/config'
import { createPostgresTestDatabase } from '@varde/db/testing'
import pg from 'pg'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { startPlatform } from '../src/index.js'

// Only in the vitest project node-postgres: Debian's PostgreSQL, which has no
// TimescaleDB (docs/decisions/0009-plain-postgresql.md).
let drop: (() => Promise<void>) | undefined
afterEach(async () => {
  await drop?.()
  drop = undefined
})

const production = (databaseUrl: string, extra: Record<string, string> = {}) =>
  loadPlatformConfig({
    VARDE_MODE: 'production', DATABASE_URL: databaseUrl, VARDE_SERVICE_SECRET: 'production-db-test-secret-0123456789',
    VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0', VARDE_BIND_HOST: '127.0.0.1', VARDE_PARTS: 'broker,ingest,server', ...extra,
  })

function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  return { logger: pino({ level: 'info' }, sink), lines }
}

async function publicTables(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return Number((await client.query(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`)).rows[0].count)
  } finally {
    await client.end()
  }
}

describe('production mode on a PostgreSQL server without TimescaleDB', () => {
  it('refuses to start, naming VARDE_ALLOW_NO_TIMESCALEDB, and leaves the database untouched', async () => {
    const db = await createPostgresTestDatabase()
    drop = db.drop
    const { logger } = capturingLogger()
    const refused = await startPlatform(production(db.url), logger).catch((err: unknown) => err)
    expect(refused).toMatchObject({ code: 'timescaledb-missing' })
    expect((refused as Error).message).toContain('VARDE_ALLOW_NO_TIMESCALEDB=true')
    expect(await publicTables(db.url)).toBe(0)
  })

  it('starts with VARDE_ALLOW_NO_TIMESCALEDB=true, saying at start what it runs without; migrates as the owner, runs as the least-privileged role', async () => {
    const db = await createPostgresTestDatabase()
    drop = db.drop
    const { logger, lines } = capturingLogger()
    const config = production(db.platformUrl, { VARDE_ALLOW_NO_TIMESCALEDB: 'true', VARDE_MIGRATE_DATABASE_URL: db.url })
    const platform = await startPlatform(config, logger)
    try {
      expect((await fetch(`${platform.httpUrl}/healthz`)).status).toBe(200)
      const client = new pg.Client({ connectionString: db.url })
      await client.connect()
      const sessions = await client
        .query<{ usename: string }>(`SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'varde-platform'`)
        .finally(() => client.end())
      expect(sessions.rows).toEqual([{ usename: 'varde_app' }])
      const degraded = lines.filter((l) => l.event === 'without-timescaledb').map((l) => String(l.msg))
      expect(degraded).toEqual(expect.arrayContaining([expect.stringContaining('measurements is a plain table')]))
      expect(lines.filter((l) => l.event === 'without-timescaledb').every((l) => l.level === 40)).toBe(true)
    } finally {
      await platform.stop()
    }
  })
})
