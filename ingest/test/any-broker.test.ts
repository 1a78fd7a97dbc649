import { countMeasurements, seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIngest } from '../src/index.js'
import { startMosquitto } from './mosquitto.js'

// device-protocol.md: MQTT 3.1.1, so ingest must work with any such broker,
// not only with ours. Debian's mosquitto stands in for "any".
const logger = pino({ level: 'silent' })
const serviceSecret = 'any-broker-secret-0123456789abcdef'
let db: TestDatabase
let broker: Awaited<ReturnType<typeof startMosquitto>>

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
  broker = await startMosquitto()
})
afterAll(async () => {
  await broker?.stop()
  await db?.stop()
})

function receiptsOf(client: MqttClient): () => Promise<{ batchId: string; accepted: string[]; duplicate: string[] }> {
  const queue: unknown[] = []
  const waiters: ((v: unknown) => void)[] = []
  client.on('message', (_t, p) => {
    const v = JSON.parse(p.toString())
    const w = waiters.shift()
    if (w) w(v)
    else queue.push(v)
  })
  return () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r))) as never
}

describe('ingest with Debian mosquitto as the broker', () => {
  it('receipts batches, keeps its session across a restart, and stores re-sent batches once', async () => {
    let ingest = startIngest({ db: db.pool, mqttUrl: broker.url, serviceSecret, logger, clientId: 'ingest-mosquitto' })
    await ingest.ready
    const gw = await mqtt.connectAsync(broker.url, { clientId: 'demo-gw-007', clean: false, protocolVersion: 4 })
    await gw.subscribeAsync('varde/v1/gateways/demo-gw-007/receipts', { qos: 1 })
    const nextReceipt = receiptsOf(gw)
    const send = (batchId: string) => gw.publishAsync('varde/v1/gateways/demo-gw-007/measurements', JSON.stringify({
      batchId, sentAt: new Date().toISOString(),
      measurements: [{ id: 'm1', deviceId: 'bp-1', type: 'pulse', value: 64, unit: '/min', measuredAt: new Date().toISOString() }],
    }), { qos: 1 })

    await send('a')
    expect(await nextReceipt()).toMatchObject({ batchId: 'a', accepted: ['m1'] })

    // ingest away: the broker keeps its persistent session's messages
    await ingest.stop()
    await send('b')
    await send('a')
    ingest = startIngest({ db: db.pool, mqttUrl: broker.url, serviceSecret, logger, clientId: 'ingest-mosquitto' })
    await ingest.ready
    const receipts = [await nextReceipt(), await nextReceipt()]
    expect(receipts).toEqual(expect.arrayContaining([
      expect.objectContaining({ batchId: 'b', accepted: ['m1'] }),
      expect.objectContaining({ batchId: 'a', accepted: [], duplicate: ['m1'] }),
    ]))
    expect(await countMeasurements(db.pool, { gatewayId: 'demo-gw-007' })).toBe(2)
    await gw.endAsync()
    await ingest.stop()
  })
})
