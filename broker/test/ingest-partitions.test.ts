import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { partitionClientId, partitionOf } from '@varde/domain'
import type { MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBroker, type VardeBroker } from '../src/index.js'
import { connectGateway, connectService, messagesOf } from './mqtt-clients.js'
import { startRedis } from './redis-server.js'

// Several ingest processes (docs/decisions/0012): each, named by its client id
// varde-ingest-k-of-n, receives only the batches of its partition's gateways,
// online and from its persistent session's queue after an outage, on the
// broker's disk store and on Redis alike. Without it every ingest process would
// receive (and pass over) every batch: no saving from a second process.
const serviceSecret = 'ingest-partitions-secret-0123456789abcdef'
const logger = pino({ level: 'silent' })
let db: TestDatabase
let homes: DemoHome[]
let redis: Awaited<ReturnType<typeof startRedis>>
beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
  await db?.stop()
})

const batch = (batchId: string) => JSON.stringify({ batchId, sentAt: new Date().toISOString(), measurements: [] })

describe.each(['disk', 'redis'] as const)('ingest partitions on the broker (%s)', (store) => {
  let broker: VardeBroker
  let url: string
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'varde-broker-partitions-'))
    broker = await createBroker({
      db: db.pool, logger, serviceSecret, mode: 'demo', ...(store === 'redis' ? { redisUrl: redis.url, brokerId: 'partitions' } : { persistenceDir: dir }),
    })
    url = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  })
  afterAll(async () => {
    await broker?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const ingestOf = async (index: number) => {
    const client = await connectService(url, 'ingest', serviceSecret, partitionClientId({ index, count: 2 }), { clean: false })
    const inbox = messagesOf(client)
    await client.subscribeAsync({ 'varde/v1/gateways/+/measurements': { qos: 1 }, 'varde/v1/gateways/+/status': { qos: 1 } })
    return { client, inbox }
  }

  it('delivers each gateway\'s batches to its own partition only, live and queued while that ingest was away', async () => {
    // one gateway of each partition of 2
    const a = homes.find((h) => partitionOf(h.gatewayId, 2) === 0)!
    const b = homes.find((h) => partitionOf(h.gatewayId, 2) === 1)!
    const [zero, one] = [await ingestOf(0), await ingestOf(1)]
    const gateways: MqttClient[] = [await connectGateway(url, a.gatewayId), await connectGateway(url, b.gatewayId)]
    const send = async (gi: number, id: string) => gateways[gi]!.publishAsync(`varde/v1/gateways/${gi === 0 ? a.gatewayId : b.gatewayId}/measurements`, batch(id), { qos: 1 })
    await send(0, `${store}-a1`)
    await send(1, `${store}-b1`)
    expect(JSON.parse((await zero.inbox.next()).payload).batchId).toBe(`${store}-a1`)
    expect(JSON.parse((await one.inbox.next()).payload).batchId).toBe(`${store}-b1`)
    // partition 1 away (persistent session): a's and b's batches come; on its return it gets b's only
    await one.client.endAsync()
    await send(0, `${store}-a2`)
    await send(1, `${store}-b2`)
    expect(JSON.parse((await zero.inbox.next()).payload).batchId).toBe(`${store}-a2`)
    const back = await ingestOf(1)
    expect(JSON.parse((await back.inbox.next()).payload).batchId).toBe(`${store}-b2`)
    // a last batch of b's, live: had a2 been queued for partition 1, it would have come before this one
    await send(1, `${store}-b3`)
    expect(JSON.parse((await back.inbox.next()).payload).batchId).toBe(`${store}-b3`)
    expect(back.inbox.received.map((m) => JSON.parse(m.payload).batchId)).toEqual([`${store}-b2`, `${store}-b3`])
    expect(zero.inbox.received.map((m) => JSON.parse(m.payload).batchId)).toEqual([`${store}-a1`, `${store}-a2`])
    for (const c of [zero.client, back.client, ...gateways]) await c.endAsync()
  })
})
