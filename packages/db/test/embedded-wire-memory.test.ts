import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/index.js'

// Issue 14, memory soak: the embedded database's heap grew about 8 MiB a
// minute under the simulator, because PGlite kept every parsed message of
// every response served through the wire gate (rows of health data among
// them). 40 MB of rows served must leave the heap about where it was.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

let dir: string
let db: EmbeddedDatabase
let client: pg.Client

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'varde-wire-memory-'))
  db = await startEmbeddedDatabase({ dataDir: dir })
  client = new pg.Client({ connectionString: db.url })
  await client.connect()
})

afterAll(async () => {
  await client?.end()
  await db?.stop()
  await rm(dir, { recursive: true, force: true })
})

const heapAfterGc = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

describe('the wire gate', () => {
  it('keeps nothing of the responses it has served', async () => {
    // 1 MB a response, as 50 rows of 20,000 characters
    const sql = `SELECT repeat('x', 20000) || n AS row FROM generate_series(1, 50) AS n`
    await client.query(sql) // warm: the statement's first run allocates what stays
    const before = heapAfterGc()
    for (let i = 0; i < 40; i++) {
      const { rows } = await client.query(sql)
      expect(rows).toHaveLength(50)
    }
    const grownMb = (heapAfterGc() - before) / 1e6
    expect(grownMb).toBeLessThan(10)
  })
})
