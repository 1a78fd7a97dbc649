import { createBroker, type VardeBroker } from '@varde/broker'
import { countMeasurements, createPool, migrate, seedDemo, startEmbeddedDatabase, type EmbeddedDatabase, type Pool } from '@varde/db'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIngest, type IngestService } from '../src/index.js'

// The database goes away while gateways keep sending: ingest must hold the
// batches (no receipts, no loss), retry, and receipt everything once the
// database is back.
const logger = pino({ level: 'silent' })
const serviceSecret = 'outage-test-secret-0123456789abcdef'
let dir: string
let database: EmbeddedDatabase
let pool: Pool
let broker: VardeBroker
let ingest: IngestService
let mqttUrl: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'varde-outage-'))
  database = await startEmbeddedDatabase({ dataDir: dir })
  await migrate(database.url)
  pool = createPool(database.url, { max: 1 })
  await seedDemo(pool)
  broker = await createBroker({ db: pool, logger, serviceSecret, mode: 'demo' })
  mqttUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  ingest = startIngest({ db: pool, mqttUrl, serviceSecret, logger, clientId: 'ingest-outage' })
  await ingest.ready
})
afterAll(async () => {
  await ingest?.stop()
  await broker?.close()
  await pool?.end()
  await database?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('database outage', () => {
  it('sends no receipt while the database is down, then stores and receipts every batch once', async () => {
    const id = 'demo-gw-009'
    const gw = await mqtt.connectAsync(mqttUrl, { clientId: id, username: id, password: `${id}-secret`, clean: false, protocolVersion: 4 })
    await gw.subscribeAsync(`varde/v1/gateways/${id}/receipts`, { qos: 1 })
    const receipts: { batchId: string; accepted: string[] }[] = []
    let onReceipt = () => {}
    gw.on('message', (_t, p) => { receipts.push(JSON.parse(p.toString())); onReceipt() })

    const port = Number(new URL(database.url).port)
    await database.stop() // the database is gone; the gateway still authenticated before
    const sent = 20
    for (let i = 0; i < sent; i++) {
      await gw.publishAsync(`varde/v1/gateways/${id}/measurements`, JSON.stringify({
        batchId: `outage-${i}`, sentAt: new Date().toISOString(),
        measurements: [{ id: 'm', deviceId: 'scale', type: 'body-weight', value: 70 + i / 10, unit: 'kg', measuredAt: new Date().toISOString() }],
      }), { qos: 1 })
    }
    // ingest has tried and failed at least once: no receipt can have gone out
    await new Promise<void>((resolve) => {
      const check = () => (ingest.stats().storeErrors > 0 ? resolve() : setImmediate(check))
      check()
    })
    expect(receipts).toHaveLength(0)

    const all = new Promise<void>((resolve) => { onReceipt = () => { if (receipts.length === sent) resolve() } })
    database = await startEmbeddedDatabase({ dataDir: dir, port })
    await all
    expect(new Set(receipts.map((r) => r.batchId)).size).toBe(sent)
    expect(receipts.every((r) => r.accepted.length === 1)).toBe(true)
    expect(await countMeasurements(pool, { gatewayId: id })).toBe(sent)
    await gw.endAsync()
  })
})
