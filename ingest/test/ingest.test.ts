import { createBroker, type VardeBroker } from '@varde/broker'
import { servicePassword } from '@varde/config'
import { countMeasurements, listRejections, seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIngest, type IngestService } from '../src/index.js'

const logger = pino({ level: 'silent' })
const serviceSecret = 'test-service-secret-0123456789abcdef'
let db: TestDatabase
let broker: VardeBroker
let ingest: IngestService
let mqttUrl: string

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  const port = await broker.listen(0, '127.0.0.1')
  mqttUrl = `mqtt://127.0.0.1:${port}`
  ingest = startIngest({ db: db.pool, mqttUrl, serviceSecret, logger, clientId: 'ingest-test' })
  await ingest.ready
})
afterAll(async () => {
  await ingest?.stop()
  await broker?.close()
  await db?.stop()
})

/** A gateway as the protocol describes it: persistent session, QoS 1, subscribed to its receipts. */
async function connectGateway(id: string, secret = `${id}-secret`): Promise<{ client: MqttClient; receipts: AsyncIterableIterator<unknown>; close(): Promise<void> }> {
  const client = mqtt.connect(mqttUrl, { clientId: id, username: id, password: secret, clean: false, protocolVersion: 4, reconnectPeriod: 0 })
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  await client.subscribeAsync(`varde/v1/gateways/${id}/receipts`, { qos: 1 })
  const queue: unknown[] = []
  const waiters: ((v: IteratorResult<unknown>) => void)[] = []
  client.on('message', (topic, payload) => {
    if (!topic.endsWith('/receipts')) return
    const value = JSON.parse(payload.toString())
    const w = waiters.shift()
    if (w) w({ value, done: false })
    else queue.push(value)
  })
  const receipts: AsyncIterableIterator<unknown> = {
    [Symbol.asyncIterator]() { return this },
    next: () => (queue.length ? Promise.resolve({ value: queue.shift(), done: false }) : new Promise((r) => waiters.push(r))),
  }
  return { client, receipts, close: () => client.endAsync() }
}

const batch = (batchId: string, measurements: unknown[]) =>
  JSON.stringify({ batchId, sentAt: new Date().toISOString(), measurements })

describe('ingest over the real broker and database', () => {
  it('stores a batch, receipts it, and answers a re-sent batch with duplicate', async () => {
    const gw = await connectGateway('demo-gw-001')
    const payload = batch('b-1', [
      { id: 'm1', deviceId: 'AA:BB:CC:00:11:22', type: 'body-weight', value: 82.4, unit: 'kg', measuredAt: new Date(Date.now() - 60_000).toISOString() },
      { id: 'm2', deviceId: 'AA:BB:CC:00:11:22', type: 'body-weight', value: 982.4, unit: 'kg', measuredAt: new Date().toISOString() },
    ])
    await gw.client.publishAsync('varde/v1/gateways/demo-gw-001/measurements', payload, { qos: 1 })
    expect((await gw.receipts.next()).value).toEqual({
      batchId: 'b-1', accepted: ['m1'], duplicate: [],
      rejected: [{ id: 'm2', code: 'out-of-range', detail: expect.stringContaining('982.4') }],
    })
    await gw.client.publishAsync('varde/v1/gateways/demo-gw-001/measurements', payload, { qos: 1 })
    expect((await gw.receipts.next()).value).toMatchObject({ batchId: 'b-1', accepted: [], duplicate: ['m1'] })
    expect(await countMeasurements(db.pool, { gatewayId: 'demo-gw-001' })).toBe(1)
    const [rejection] = await listRejections(db.pool, { gatewayId: 'demo-gw-001', limit: 1 })
    expect(rejection).toMatchObject({ code: 'out-of-range', measurementId: 'm2' })
    await gw.close()
  })

  it('answers a malformed batch with a coded error and keeps the raw payload', async () => {
    const gw = await connectGateway('demo-gw-002')
    await gw.client.publishAsync('varde/v1/gateways/demo-gw-002/measurements', '{"batchId": 12', { qos: 1 })
    expect((await gw.receipts.next()).value).toMatchObject({ batchId: null, error: { code: 'malformed-batch' } })
    const [rejection] = await listRejections(db.pool, { gatewayId: 'demo-gw-002', limit: 1 })
    expect(rejection?.raw).toBe('{"batchId": 12')
    await gw.close()
  })

  it('refuses wrong secrets and unknown gateways with the same CONNACK code', async () => {
    const codes = await Promise.all(
      [['demo-gw-003', 'wrong'], ['no-such-gateway', 'x']].map(([id, secret]) => new Promise<number | undefined>((resolve) => {
        const c = mqtt.connect(mqttUrl, { clientId: id, username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0 })
        c.once('error', (e: Error & { code?: number }) => { resolve(e.code); c.end(true) })
        c.once('connect', () => { resolve(0); c.end(true) })
      })),
    )
    expect(codes).toEqual([4, 4])
  })

  it('refuses publishing to another gateway\'s topic, and stores nothing from it', async () => {
    const gw = await connectGateway('demo-gw-004')
    const before = await countMeasurements(db.pool)
    const closed = new Promise<void>((resolve) => gw.client.once('close', () => resolve()))
    gw.client.publish('varde/v1/gateways/demo-gw-005/measurements', batch('evil', [
      { id: 'm1', deviceId: 'd', type: 'pulse', value: 70, unit: '/min' },
    ]), { qos: 1 })
    await closed // aedes disconnects a client whose QoS 1 publish is refused
    expect(await countMeasurements(db.pool)).toBe(before)
    gw.client.end(true)
  })
})

describe('packet size', () => {
  it('closes the connection of a gateway that sends a packet over 256 KiB, and stores nothing', async () => {
    const gw = await connectGateway('demo-gw-006')
    const before = await countMeasurements(db.pool)
    const closed = new Promise<void>((resolve) => gw.client.once('close', () => resolve()))
    gw.client.publish('varde/v1/gateways/demo-gw-006/measurements', Buffer.alloc(300 * 1024, 0x20), { qos: 1 })
    await closed
    expect(await countMeasurements(db.pool)).toBe(before)
    gw.client.end(true)
  })
})

describe('gateway status', () => {
  it('stores online/offline, firmware and battery from status messages and the last will', async () => {
    const id = 'demo-gw-008'
    const client = mqtt.connect(mqttUrl, {
      clientId: id, username: id, password: `${id}-secret`, clean: false, protocolVersion: 4, reconnectPeriod: 0,
      will: { topic: `varde/v1/gateways/${id}/status`, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    })
    await new Promise<void>((resolve) => client.once('connect', () => resolve()))
    const state = async () => (await db.pool.query<{ state: string; firmware: string; battery: number }>('SELECT state, firmware, battery FROM gateways WHERE id = $1', [id])).rows[0]
    // ingest announces each stored status on an internal topic: await that, as the server does
    const watcher = await mqtt.connectAsync(mqttUrl, { clientId: 'status-watch', username: 'svc:server', password: servicePassword(serviceSecret, 'server'), protocolVersion: 4 })
    await watcher.subscribeAsync('varde/internal/v1/gateways/status', { qos: 1 })
    const stored = (want: string) => new Promise<void>((resolve) => {
      const onMessage = (_t: string, p: Buffer) => {
        const e = JSON.parse(p.toString()) as { gatewayId: string; state: string }
        if (e.gatewayId === id && e.state === want) { watcher.off('message', onMessage); resolve() }
      }
      watcher.on('message', onMessage)
    })
    const online = stored('online')
    await client.publishAsync(`varde/v1/gateways/${id}/status`, JSON.stringify({ state: 'online', firmware: '1.4.2', battery: 87 }), { qos: 1, retain: true })
    await online
    expect(await state()).toEqual({ state: 'online', firmware: '1.4.2', battery: 87 })
    const offline = stored('offline')
    client.stream.destroy() // an ungraceful loss: the broker publishes the will
    await offline
    expect(await state()).toMatchObject({ state: 'offline', firmware: '1.4.2' })
    await watcher.endAsync()
  })
})

describe('stopping', () => {
  it('stops while batches keep arriving, and the next session stores what it passed over', async () => {
    const id = 'demo-gw-009'
    const second = startIngest({ db: db.pool, mqttUrl, serviceSecret, logger, clientId: 'ingest-stop-test' })
    await second.ready
    const gw = await connectGateway(id)
    const sent: string[] = []
    let isSending = true
    // a gateway that does not wait for receipts, 20 batches in flight, before, during and after the stop
    let n = 0
    const sendNext = async (): Promise<void> => {
      while (isSending) {
        const batchId = `${id}-stop-${n}`
        const at = new Date(Date.UTC(2026, 9, 1) + n++ * 1000).toISOString()
        sent.push(batchId)
        await gw.client.publishAsync(`varde/v1/gateways/${id}/measurements`, batch(batchId, [
          { id: 'm1', deviceId: 'ox-1', type: 'spo2', value: 95, unit: '%', measuredAt: at },
        ]), { qos: 1 })
      }
    }
    const sending = Promise.all(Array.from({ length: 20 }, sendNext))
    // both sessions (the one of beforeAll and this one) take every batch; stop this one mid-stream
    await expect.poll(() => second.stats().batches, { timeout: 10_000 }).toBeGreaterThan(50)
    // held messages used to stall the PUBACKs stop() waits for: it never returned while messages kept coming
    await second.stop()
    const sentWhenStopped = sent.length
    await expect.poll(() => sent.length).toBeGreaterThan(sentWhenStopped + 20)
    isSending = false
    await sending
    // the session again: the broker kept what arrived since (and what the stopping one passed over) for it
    const third = startIngest({ db: db.pool, mqttUrl, serviceSecret, logger, clientId: 'ingest-stop-test' })
    await third.ready
    await expect.poll(() => third.stats().batches, { timeout: 20_000 }).toBeGreaterThanOrEqual(sent.length - sentWhenStopped)
    // (the file's other ingest session takes every batch too) each reading stored once
    await expect.poll(() => countMeasurements(db.pool, { gatewayId: id }), { timeout: 20_000 }).toBe(sent.length)
    await third.stop()
    await gw.close()
  })
})
