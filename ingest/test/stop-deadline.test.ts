import { createBroker, type VardeBroker } from '@varde/broker'
import { createPool, migrate, seedDemo, startEmbeddedDatabase, type EmbeddedDatabase, type Pool } from '@varde/db'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIngest, type IngestService } from '../src/index.js'

// Issue 14, defect 3: ingest's stop() waited for its flushes whatever the
// database did: for a database that does not answer, for ever; for one that
// is gone, about 80 s of retries. It now stops by its deadline and says what
// it left without a receipt (the gateways re-send it).
const serviceSecret = 'stop-test-secret-0123456789abcdef'
let dir: string
let database: EmbeddedDatabase
let pool: Pool
let broker: VardeBroker
let mqttUrl: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'varde-stop-'))
  database = await startEmbeddedDatabase({ dataDir: dir })
  await migrate(database.url)
  pool = createPool(database.url, { max: 2 })
  await seedDemo(pool)
  broker = await createBroker({ db: pool, logger: pino({ level: 'silent' }), serviceSecret, mode: 'demo' })
  mqttUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
})
afterAll(async () => {
  await broker?.close()
  await pool?.end()
  await database?.stop()
  await rm(dir, { recursive: true, force: true })
})

/** Ingest whose log lines are kept, to read what stop() says it left. */
async function startLoggedIngest(clientId: string): Promise<{ ingest: IngestService; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } })
  const ingest = startIngest({ db: pool, mqttUrl, serviceSecret, logger, clientId })
  await ingest.ready
  return { ingest, lines }
}

async function connectGateway(id: string): Promise<{ client: MqttClient; send(batchId: string): Promise<void>; receipts: string[] }> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId: id, username: id, password: `${id}-secret`, clean: false, protocolVersion: 4, reconnectPeriod: 0 })
  await client.subscribeAsync(`varde/v1/gateways/${id}/receipts`, { qos: 1 })
  const receipts: string[] = []
  client.on('message', (_t, payload) => receipts.push((JSON.parse(payload.toString()) as { batchId: string }).batchId))
  let n = 0
  const send = async (batchId: string) => {
    await client.publishAsync(`varde/v1/gateways/${id}/measurements`, JSON.stringify({
      batchId, sentAt: new Date().toISOString(),
      measurements: [{ id: 'm1', deviceId: 'scale', type: 'body-weight', value: 70 + n / 10, unit: 'kg', measuredAt: new Date(Date.now() - ++n * 60_000).toISOString() }],
    }), { qos: 1 })
  }
  return { client, send, receipts }
}

describe('stop() with a database that does not answer', () => {
  it('returns by its deadline and logs the batches left without a receipt', async () => {
    const { ingest, lines } = await startLoggedIngest('ingest-stop-wedged')
    const gw = await connectGateway('demo-gw-001')
    await gw.send('before') // the gateway's context is looked up and kept: what follows needs only the store
    await expect.poll(() => gw.receipts, { timeout: 10_000 }).toEqual(['before'])
    // another session holds a lock on the keys table: the store statement waits for it, as for a hung database
    const blocker = await pool.connect()
    try {
      await blocker.query('BEGIN')
      await blocker.query('LOCK TABLE measurement_keys IN ACCESS EXCLUSIVE MODE')
      await gw.send('wedged')
      await expect.poll(() => ingest.stats().batches, { timeout: 10_000 }).toBe(2)
      const startedAt = Date.now()
      await ingest.stop({ timeoutMs: 1000 })
      expect(Date.now() - startedAt).toBeLessThan(5000)
      expect(lines.find((l) => l.event === 'stop-deadline')).toMatchObject({ batches: 1, readings: 1 })
      expect(gw.receipts).toEqual(['before'])
    } finally {
      await blocker.query('ROLLBACK')
      blocker.release()
      await gw.client.endAsync()
    }
  })
})

describe('stop() with the database gone', () => {
  it('stops retrying when its signal is aborted, and logs the batches left', async () => {
    const { ingest, lines } = await startLoggedIngest('ingest-stop-gone')
    const gw = await connectGateway('demo-gw-002')
    await gw.send('before')
    await expect.poll(() => gw.receipts, { timeout: 10_000 }).toEqual(['before'])
    const port = Number(new URL(database.url).port)
    await database.stop()
    try {
      await gw.send('gone-1')
      await gw.send('gone-2')
      // both in ingest's buffer before it stops: a failed flush of gone-1 alone (a loaded machine
      // delivers gone-2 later) would leave one batch to log, not two
      await expect.poll(() => ingest.stats().batches, { timeout: 10_000 }).toBe(3)
      await expect.poll(() => ingest.stats().storeErrors, { timeout: 10_000 }).toBeGreaterThan(0)
      const startedAt = Date.now()
      await ingest.stop({ signal: AbortSignal.timeout(1000) })
      expect(Date.now() - startedAt).toBeLessThan(5000)
      expect(lines.find((l) => l.event === 'stop-deadline')).toMatchObject({ batches: 2, readings: 2 })
      expect(gw.receipts).toEqual(['before'])
    } finally {
      database = await startEmbeddedDatabase({ dataDir: dir, port })
      await gw.client.endAsync()
    }
  })
})
