import { mkdtemp, rm } from 'node:fs/promises'
import { connect as connectSocket, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/index.js'

// Issue 14, defect 1: one socket that sent a StartupMessage and closed when
// asked for its password (as psql does on Ctrl-C at the prompt) wedged the
// embedded database for good. Whatever an outsider sends to the port, before
// or after start-up, must cost the other connections nothing.
const PASSWORD = 'outsider-test-password'
const STARTUP_TIMEOUT_MS = 400
const IDLE_IN_TRANSACTION_MS = 600
let dir: string
let db: EmbeddedDatabase
let port: number
let client: pg.Client

/** A query that must be answered within `ms`, or the test fails naming it (a wedged gate never answers). */
async function answered(c: pg.Client, sql: string, ms = 5000): Promise<unknown[]> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer to ${sql} within ${ms} ms: the gate is wedged`)), ms) })
  try {
    return (await Promise.race([c.query(sql), deadline])).rows
  } finally {
    clearTimeout(timer)
  }
}

function startupMessage(user = 'postgres', database = 'postgres'): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`)
  const message = Buffer.alloc(8 + params.length)
  message.writeInt32BE(message.length, 0)
  message.writeInt32BE(196608, 4) // protocol 3.0
  params.copy(message, 8)
  return message
}

const special = (code: number): Buffer => {
  const b = Buffer.alloc(16)
  b.writeInt32BE(16, 0)
  b.writeInt32BE(code, 4)
  return b
}

/** A raw socket, with everything the server sent collected and a promise for its close. */
async function rawSocket(): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void>; firstBytes: Promise<Buffer> }> {
  const socket = connectSocket(port, '127.0.0.1')
  const chunks: Buffer[] = []
  let gotBytes: (b: Buffer) => void = () => {}
  const firstBytes = new Promise<Buffer>((resolve) => { gotBytes = resolve })
  socket.on('data', (chunk: Buffer) => { chunks.push(chunk); gotBytes(chunk) })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  return { socket, received: () => Buffer.concat(chunks), closed, firstBytes }
}

async function connectClient(password = PASSWORD): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', password })
  c.on('error', () => {})
  await c.connect()
  return c
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'varde-wire-outsiders-'))
  db = await startEmbeddedDatabase({
    dataDir: dir, password: PASSWORD, startupTimeoutMs: STARTUP_TIMEOUT_MS, idleInTransactionTimeoutMs: IDLE_IN_TRANSACTION_MS,
  })
  port = Number(new URL(db.url).port)
  client = await connectClient()
  await answered(client, 'CREATE TABLE kept (n int)')
})
afterAll(async () => {
  await client?.end().catch(() => {})
  await db?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('the embedded database against outsiders on its port', () => {
  it('stays answering after a socket closes when asked for its password (psql and Ctrl-C at the prompt)', async () => {
    for (let i = 0; i < 5; i++) {
      const s = await rawSocket()
      s.socket.write(startupMessage())
      const reply = await s.firstBytes
      expect(String.fromCharCode(reply[0] as number)).toBe('R') // an authentication request
      expect(reply.readInt32BE(5)).toBe(5) // MD5, as Postgres asks
      s.socket.destroy()
      await s.closed
    }
    expect(await answered(client, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    const fresh = await connectClient()
    expect(await answered(fresh, 'SELECT 2 AS two')).toEqual([{ two: 2 }])
    await fresh.end()
    expect(db.stats()).toMatchObject({ owner: null, queued: 0 })
  })

  it('closes a connection that does not finish start-up in time, and one that sends a wrong password', async () => {
    const silent = await rawSocket()
    const started = await rawSocket()
    started.socket.write(startupMessage())
    await started.firstBytes
    await Promise.all([silent.closed, started.closed]) // by the start-up deadline, not by us
    expect(await answered(client, 'SELECT 3 AS three')).toEqual([{ three: 3 }])

    await expect(connectClient('wrong')).rejects.toMatchObject({ code: '28P01' })
    expect(await answered(client, 'SELECT 4 AS four')).toEqual([{ four: 4 }])
  })

  it('survives garbage before start-up: huge and negative lengths, random bytes, CancelRequest, SSLRequest then close, 200 sockets at once', async () => {
    const hugeLength = Buffer.alloc(8)
    hugeLength.writeInt32BE(0x7fffffff, 0)
    const negativeLength = Buffer.alloc(8)
    negativeLength.writeInt32BE(-8, 0)
    const randomBytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))
    const inputs = [hugeLength, negativeLength, randomBytes, special(80877102), special(80877103).subarray(0, 8), Buffer.from('GET / HTTP/1.1\r\n\r\n')]
    const sockets = await Promise.all(inputs.map(async (bytes) => {
      const s = await rawSocket()
      s.socket.write(bytes)
      return s
    }))
    // every one is closed by the server (at once, or at the start-up deadline): none waits for ever
    await Promise.all(sockets.map((s) => s.closed))

    const many = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const s = await rawSocket()
      if (i % 2) s.socket.write(startupMessage())
      return s
    }))
    await Promise.all(many.map((s) => s.closed))
    expect(await answered(client, 'SELECT 5 AS five')).toEqual([{ five: 5 }])
    expect(db.stats()).toMatchObject({ owner: null, queued: 0 })
  })

  it('survives garbage after start-up: an unknown message type, a negative length, a huge length', async () => {
    for (const bytes of [Buffer.from('Z\0\0\0\x05I'), Buffer.from('Q\xff\xff\xff\xf0', 'latin1'), Buffer.from('Q\x7f\xff\xff\xff', 'latin1')]) {
      const c = await connectClient()
      const closed = new Promise<void>((resolve) => c.once('end', () => resolve()))
      ;(c as unknown as { connection: { stream: Socket } }).connection.stream.write(bytes)
      await closed
    }
    expect(await answered(client, 'SELECT 6 AS six')).toEqual([{ six: 6 }])
  })

  it('takes the session back from a connection idle in a transaction, rolling it back', async () => {
    const idle = await connectClient()
    const ended = new Promise<Error>((resolve) => idle.once('error', resolve))
    await answered(idle, 'BEGIN')
    await answered(idle, 'INSERT INTO kept VALUES (1)')
    // the other connection waits only until the idle-in-transaction deadline
    expect(await answered(client, 'SELECT count(*)::int AS n FROM kept', 5000)).toEqual([{ n: 0 }])
    expect(await ended).toMatchObject({ code: '25P03' })
  })
})
