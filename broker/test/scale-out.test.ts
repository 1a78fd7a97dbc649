import { countMeasurements, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { INTERNAL_TOPICS } from '@varde/domain'
import { startIngest, type IngestService } from '@varde/ingest'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBroker, type VardeBroker } from '../src/index.js'
import { closed, connectGateway, connectService, messagesOf } from './mqtt-clients.js'
import { startRedis } from './redis-server.js'

// each batch's reading a second apart: the same reading at the same time is a duplicate (device-protocol.md, Delivery, second key)
let measuredSecondsAgo = 0
const nextMeasuredAt = () => new Date(Date.now() - 1000 * ++measuredSecondsAgo).toISOString()

// Two broker processes' worth of brokers sharing one Redis (persistence and
// message routing): a gateway on A and ingest on B exchange batches and
// receipts, and queued QoS 1 messages survive a restart of either broker.
// Debian's redis-server is started by the suite (CI: apt-get install redis-server).
const logger = pino({ level: 'silent' })
const serviceSecret = 'scale-out-secret-0123456789abcdef'
let db: TestDatabase
let homes: DemoHome[]
let redis: Awaited<ReturnType<typeof startRedis>>
const brokers: Record<'a' | 'b', { broker: VardeBroker; url: string } | undefined> = { a: undefined, b: undefined }
let ingest: IngestService

async function startBroker(name: 'a' | 'b'): Promise<string> {
  const broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo', redisUrl: redis.url, brokerId: `broker-${name}` })
  const url = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  brokers[name] = { broker, url }
  return url
}
async function stopBroker(name: 'a' | 'b'): Promise<void> {
  await brokers[name]?.broker.close()
  brokers[name] = undefined
}
const url = (name: 'a' | 'b') => brokers[name]!.url
const startIngestOn = async (name: 'a' | 'b') => {
  const service = startIngest({ db: db.pool, mqttUrl: url(name), serviceSecret, logger, clientId: 'ingest-scale-out' })
  await service.ready
  return service
}

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  redis = await startRedis()
  await startBroker('a')
  await startBroker('b')
  ingest = await startIngestOn('b')
})
afterAll(async () => {
  await ingest?.stop()
  await stopBroker('a')
  await stopBroker('b')
  await redis?.stop()
  await db?.stop()
})

const batch = (batchId: string) => JSON.stringify({
  batchId, sentAt: new Date().toISOString(),
  measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:11:22', type: 'pulse', value: 70, unit: '/min', measuredAt: nextMeasuredAt() }],
})

describe('two brokers sharing Redis', () => {
  it('uses Redis for both', () => {
    expect([brokers.a?.broker.persistence, brokers.b?.broker.persistence]).toEqual(['redis', 'redis'])
  })

  it('carries a batch from a gateway on broker A to ingest on broker B, and the receipt back', async () => {
    const home = homes[0]!
    const gw = await connectGateway(url('a'), home.gatewayId, home.secret)
    const inbox = messagesOf(gw)
    await gw.subscribeAsync(`varde/v1/gateways/${home.gatewayId}/receipts`, { qos: 1 })
    await gw.publishAsync(`varde/v1/gateways/${home.gatewayId}/measurements`, batch('ab-1'), { qos: 1 })
    expect(JSON.parse((await inbox.next()).payload)).toEqual({ batchId: 'ab-1', accepted: ['m1'], duplicate: [], rejected: [] })
    expect(await countMeasurements(db.pool, { gatewayId: home.gatewayId })).toBe(1)
    await gw.endAsync()
  })

  it('keeps batches queued for ingest across a restart of ingest\'s broker (B)', async () => {
    const home = homes[1]!
    const gw = await connectGateway(url('a'), home.gatewayId, home.secret)
    const inbox = messagesOf(gw)
    await gw.subscribeAsync(`varde/v1/gateways/${home.gatewayId}/receipts`, { qos: 1 })
    await ingest.stop() // ingest's persistent session now queues in Redis
    await gw.publishAsync(`varde/v1/gateways/${home.gatewayId}/measurements`, batch('queued-1'), { qos: 1 })
    await gw.publishAsync(`varde/v1/gateways/${home.gatewayId}/measurements`, batch('queued-2'), { qos: 1 })
    await stopBroker('b')
    await startBroker('b')
    ingest = await startIngestOn('b')
    const receipts = [JSON.parse((await inbox.next()).payload), JSON.parse((await inbox.next()).payload)] as { batchId: string }[]
    expect(receipts.map((r) => r.batchId).sort()).toEqual(['queued-1', 'queued-2'])
    expect(await countMeasurements(db.pool, { gatewayId: home.gatewayId })).toBe(2)
    await gw.endAsync()
  })

  it('keeps messages queued for a gateway across a restart of the gateway\'s broker (A)', async () => {
    const home = homes[2]!
    const topic = `varde/v1/gateways/${home.gatewayId}/commands`
    const gw = await connectGateway(url('a'), home.gatewayId, home.secret)
    await gw.subscribeAsync(topic, { qos: 1 })
    await gw.endAsync() // offline, persistent session
    const server = await connectService(url('b'), 'server', serviceSecret, 'server-scale-out')
    await server.publishAsync(topic, JSON.stringify({ command: 'sync-clock', now: '2026-11-22T07:31:05Z' }), { qos: 1 })
    await server.endAsync()
    await stopBroker('a')
    await startBroker('a')
    const back = await connectGateway(url('a'), home.gatewayId, home.secret)
    const inbox = messagesOf(back)
    expect(await inbox.next()).toEqual({ topic, payload: '{"command":"sync-clock","now":"2026-11-22T07:31:05Z"}' })
    await back.endAsync()
  })

  it('cuts off a gateway on A when its revocation is ordered through B, and keeps one session per gateway id across both', async () => {
    const home = homes[3]!
    const onA = await connectGateway(url('a'), home.gatewayId, home.secret)
    const takenOver = closed(onA)
    const onB = await connectGateway(url('b'), home.gatewayId, home.secret)
    await takenOver
    onA.end(true)
    const cut = closed(onB)
    const server = await connectService(url('a'), 'server', serviceSecret, 'server-scale-out-2')
    await server.publishAsync(INTERNAL_TOPICS.gatewayRevoked, home.gatewayId, { qos: 1 })
    await cut
    onB.end(true)
    await server.endAsync()
  })
})
