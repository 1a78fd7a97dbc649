import { countMeasurements, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { partitionClientId, partitionOf } from '@varde/domain'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIngest, type IngestService } from '../src/index.js'
import { startMosquitto } from './mosquitto.js'

// Several ingest processes on a broker that delivers every batch to every one
// of them (Debian's mosquitto: no partition filter, unlike Varde's broker):
// each answers only its own partition's gateways, so every batch gets exactly
// one receipt and is stored once (docs/decisions/0012-deployment-shape.md).
const logger = pino({ level: 'silent' })
const serviceSecret = 'partitions-secret-0123456789abcdef'
let db: TestDatabase
let homes: DemoHome[]
let broker: Awaited<ReturnType<typeof startMosquitto>>
let ingests: IngestService[] = []

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  broker = await startMosquitto()
  ingests = [0, 1].map((index) => startIngest({
    db: db.pool, mqttUrl: broker.url, serviceSecret, logger, partition: { index, count: 2 }, clientId: partitionClientId({ index, count: 2 }), rules: false,
  }))
  await Promise.all(ingests.map((i) => i.ready))
})
afterAll(async () => {
  await Promise.all(ingests.map((i) => i.stop()))
  await broker?.stop()
  await db?.stop()
})

describe('two ingest partitions on a broker that does not filter', () => {
  it('answers every batch once, from the partition its gateway hashes to', async () => {
    const gateways = [homes.find((h) => partitionOf(h.gatewayId, 2) === 0)!, homes.find((h) => partitionOf(h.gatewayId, 2) === 1)!]
    const received: { gatewayId: string; batchId: string }[] = []
    const clients = await Promise.all(gateways.map(async (home) => {
      const client = await mqtt.connectAsync(broker.url, { clientId: home.gatewayId, clean: true, protocolVersion: 4 })
      client.on('message', (_t, p) => received.push({ gatewayId: home.gatewayId, batchId: (JSON.parse(p.toString()) as { batchId: string }).batchId }))
      await client.subscribeAsync(`varde/v1/gateways/${home.gatewayId}/receipts`, { qos: 1 })
      return client
    }))
    const t0 = Date.now() - 60_000
    for (let b = 0; b < 5; b++) {
      await Promise.all(clients.map((client, g) => client.publishAsync(`varde/v1/gateways/${gateways[g]!.gatewayId}/measurements`, JSON.stringify({
        batchId: `p${b}`, sentAt: new Date().toISOString(),
        measurements: [{ id: 'm1', deviceId: 'bp-1', type: 'pulse', value: 64, unit: '/min', measuredAt: new Date(t0 + (g * 5 + b) * 1000).toISOString() }],
      }), { qos: 1 })))
    }
    // both partitions' batches stored: each by its own ingest (the other passed over it)
    const deadline = Date.now() + 20_000
    while (received.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    for (const home of gateways) expect(await countMeasurements(db.pool, { gatewayId: home.gatewayId })).toBe(5)
    // a last round trip through both ingests: a second receipt of any batch would have come before its answer
    const marker = 'p-last'
    await Promise.all(clients.map((client, g) => client.publishAsync(`varde/v1/gateways/${gateways[g]!.gatewayId}/measurements`, JSON.stringify({
      batchId: marker, sentAt: new Date().toISOString(),
      measurements: [{ id: 'm1', deviceId: 'bp-1', type: 'pulse', value: 65, unit: '/min', measuredAt: new Date(t0 + (10 + g) * 1000).toISOString() }],
    }), { qos: 1 })))
    while (received.filter((r) => r.batchId === marker).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    for (const home of gateways) {
      expect(received.filter((r) => r.gatewayId === home.gatewayId).map((r) => r.batchId)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', marker])
    }
    expect(ingests.map((i) => i.stats().batches)).toEqual([6, 6])
    await Promise.all(clients.map((c) => c.endAsync()))
  })
})
