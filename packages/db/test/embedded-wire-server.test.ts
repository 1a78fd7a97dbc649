import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/index.js'

// The embedded database is one Postgres session shared by every connection:
// requests must run whole and one at a time, and a transaction must keep the
// session until it ends, or concurrent clients hang or get each other's rows.
let dir: string
let db: EmbeddedDatabase
const clients: pg.Client[] = []

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url })
  c.on('error', () => {})
  await c.connect()
  clients.push(c)
  return c
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'varde-wire-'))
  db = await startEmbeddedDatabase({ dataDir: dir })
})
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => {})))
  await db?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('EmbeddedWireServer', () => {
  it('answers requests of every size around PGlite\'s 8 KiB input pages (one ending on a page once hung)', async () => {
    const c = await connect()
    // Parse + Bind + Describe grow by a byte per step: one of them ends exactly on 8,192, and later on 16,384
    for (const around of [8192, 16384]) {
      for (let length = around - 140; length <= around - 40; length++) {
        const { rows } = await c.query<{ n: number }>('SELECT length($1::text) AS n', ['a'.repeat(length)])
        expect(rows[0]?.n).toBe(length)
      }
    }
    expect(db.stats()).toMatchObject({ cutResponses: 0 })
  })

  it('answers concurrent parameterized queries from several connections, each with its own rows', async () => {
    const cs = await Promise.all([connect(), connect(), connect(), connect()])
    const wrong = await Promise.all(cs.map(async (c, i) => {
      let bad = 0
      for (let k = 0; k < 200; k++) {
        const { rows } = await c.query<{ s: number; t: string }>('SELECT $1::int + $2::int AS s, $3::text AS t', [k, i, `c${i}`])
        if (rows[0]?.s !== k + i || rows[0]?.t !== `c${i}`) bad++
      }
      return bad
    }))
    expect(wrong).toEqual([0, 0, 0, 0])
  })

  it('keeps the session with a connection inside a transaction, and rolls back one that dies in it', async () => {
    const [a, b, c] = await Promise.all([connect(), connect(), connect()])
    await a.query('CREATE TABLE tx (owner int)')
    await Promise.all([a, b, c].map(async (client, i) => {
      for (let k = 0; k < 20; k++) {
        await client.query('BEGIN')
        await client.query('INSERT INTO tx VALUES ($1)', [i])
        await client.query(k % 2 ? 'ROLLBACK' : 'COMMIT')
      }
    }))
    expect((await a.query('SELECT count(*)::int AS n FROM tx')).rows[0]).toEqual({ n: 30 })

    await b.query('BEGIN')
    await b.query('INSERT INTO tx VALUES (99)')
    const closed = new Promise((resolve) => b.once('end', resolve))
    ;(b as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
    await closed
    expect((await c.query('SELECT count(*)::int AS n FROM tx WHERE owner = 99')).rows[0]).toEqual({ n: 0 })
  })
})
