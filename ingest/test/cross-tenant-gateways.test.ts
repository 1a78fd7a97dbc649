import { createBroker, type VardeBroker } from '@varde/broker'
import { countMeasurements, seedDemoTenants, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIngest, type IngestService } from '../src/index.js'

// Issue 17, "Several municipalities": MQTT across tenants' gateways. A
// gateway of `nabo` speaks for its own patient only: it cannot connect as,
// publish for, or listen to a gateway of `demo`, and a device of a demo
// patient that it reports is never a demo patient's reading.
const logger = pino({ level: 'silent' })
const serviceSecret = 'cross-tenant-secret-0123456789abcdef'
let db: TestDatabase
let broker: VardeBroker
let ingest: IngestService
let url: string
let demo: DemoHome[]
let nabo: DemoHome[]
let measuredSecondsAgo = 0
const nextMeasuredAt = () => new Date(Date.now() - 1000 * ++measuredSecondsAgo).toISOString()

beforeAll(async () => {
  db = await startTestDatabase()
  ;({ demo, nabo } = await seedDemoTenants(db.pool))
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  url = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  ingest = startIngest({ db: db.pool, mqttUrl: url, serviceSecret, logger, clientId: 'ingest-cross-tenant' })
  await ingest.ready
})
afterAll(async () => {
  await ingest?.stop()
  await broker?.close()
  await db?.stop()
})

type Outcome = { connected: true; client: MqttClient } | { connected: false; returnCode: number | undefined }
async function tryConnect(options: IClientOptions): Promise<Outcome> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options })
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ connected: true, client }))
    client.once('error', (error: Error & { code?: number }) => {
      client.end(true)
      resolve({ connected: false, returnCode: error.code })
    })
  })
}
async function connect(home: DemoHome): Promise<{ client: MqttClient; messages: { topic: string; payload: string }[]; next(topic: string): Promise<string> }> {
  const outcome = await tryConnect({ clientId: home.gatewayId, username: home.gatewayId, password: home.secret, clean: false })
  if (!outcome.connected) throw new Error(`${home.gatewayId} refused`)
  const messages: { topic: string; payload: string }[] = []
  const waiting: { topic: string; resolve: (payload: string) => void }[] = []
  outcome.client.on('message', (topic, payload) => {
    messages.push({ topic, payload: payload.toString() })
    const i = waiting.findIndex((w) => w.topic === topic)
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(payload.toString())
  })
  return { client: outcome.client, messages, next: (topic) => new Promise((resolve) => waiting.push({ topic, resolve })) }
}
const batch = (batchId: string, deviceId = 'AA:BB:CC:00:11:22') => JSON.stringify({
  batchId, sentAt: new Date().toISOString(),
  measurements: [{ id: 'm1', deviceId, type: 'pulse', value: 64, unit: '/min', measuredAt: nextMeasuredAt() }],
})
const topic = (home: DemoHome, channel: string) => `varde/v1/gateways/${home.gatewayId}/${channel}`

/** Sends a batch as the gateway and awaits its receipt. */
async function sendAndAwaitReceipt(gw: Awaited<ReturnType<typeof connect>>, home: DemoHome, batchId: string, deviceId?: string): Promise<{ batchId: string; accepted: string[]; rejected: { id: string; code: string }[] }> {
  await gw.client.subscribeAsync(topic(home, 'receipts'), { qos: 1 })
  for (;;) {
    const receipt = gw.next(topic(home, 'receipts'))
    await gw.client.publishAsync(topic(home, 'measurements'), batch(batchId, deviceId), { qos: 1 })
    const parsed = JSON.parse(await receipt) as { batchId: string; accepted: string[]; rejected: { id: string; code: string }[] }
    if (parsed.batchId === batchId) return parsed
  }
}

describe('gateways of two tenants (issue 17)', () => {
  it('refuses a nabo gateway that connects as a demo gateway, with its own secret or under the demo client id', async () => {
    const [d, n] = [demo[0]!, nabo[0]!]
    const asDemo = await tryConnect({ clientId: d.gatewayId, username: d.gatewayId, password: n.secret })
    const underDemoId = await tryConnect({ clientId: d.gatewayId, username: n.gatewayId, password: n.secret })
    expect(asDemo).toEqual({ connected: false, returnCode: 4 })
    expect(underDemoId).toEqual({ connected: false, returnCode: 4 })
  })

  it('cuts off a nabo gateway that publishes to a demo gateway\'s topics, and stores nothing for the demo patient', async () => {
    const [d, n] = [demo[1]!, nabo[1]!]
    const before = await countMeasurements(db.pool, { gatewayId: d.gatewayId })
    for (const channel of ['measurements', 'status']) {
      const gw = await connect(n)
      const closed = new Promise<void>((resolve) => gw.client.once('close', () => resolve()))
      gw.client.publish(topic(d, channel), channel === 'status' ? JSON.stringify({ state: 'online', battery: 1 }) : batch(`evil-${channel}`), { qos: 1 })
      await closed // aedes disconnects a client whose QoS 1 publish is refused
      gw.client.end(true)
    }
    // a barrier: the demo gateway's own batch is judged after anything the nabo gateway got through
    const own = await connect(d)
    expect((await sendAndAwaitReceipt(own, d, 'own-1')).accepted).toEqual(['m1'])
    await own.client.endAsync()
    expect(await countMeasurements(db.pool, { gatewayId: d.gatewayId })).toBe(before + 1)
    const { rows } = await db.pool.query<{ battery: number | null }>('SELECT battery FROM gateways WHERE id = $1', [d.gatewayId])
    expect(rows[0]!.battery).not.toBe(1)
  })

  it('refuses a nabo gateway\'s subscriptions to a demo gateway\'s receipts and commands, and to wildcards; it hears nothing of demo', async () => {
    const [d, n] = [demo[2]!, nabo[2]!]
    const spy = await connect(n)
    const filters = [topic(d, 'receipts'), topic(d, 'commands'), 'varde/v1/gateways/+/receipts', 'varde/v1/gateways/#', '#']
    for (const filter of filters) {
      // MQTT.js rejects a SUBACK with a failure code; the code is on the packet
      const granted = await spy.client.subscribeAsync(filter, { qos: 1 }).then(
        (g) => g.map((x) => x.qos),
        (error: { packet?: { granted?: number[] } }) => error.packet?.granted,
      )
      expect(granted, filter).toEqual([128])
    }
    const own = await connect(d)
    expect((await sendAndAwaitReceipt(own, d, 'heard-1')).accepted).toEqual(['m1'])
    await own.client.endAsync()
    // the spy's own receipt comes after the demo receipt on the broker: had it been subscribed, it would have the demo one first
    expect((await sendAndAwaitReceipt(spy, n, 'spy-1')).accepted).toEqual(['m1'])
    expect(spy.messages.map((m) => m.topic)).toEqual([topic(n, 'receipts')])
    await spy.client.endAsync()
  })

  it('never makes a device of a demo patient, reported by a nabo gateway, a reading of the demo patient', async () => {
    // two nabo gateways that have sent nothing yet (ingest keeps a gateway's context, its tenant's pairing rule included, a while)
    const [d, open, strict] = [demo[3]!, nabo[1]!, nabo[0]!]
    const deviceId = 'AA:BB:CC:17:17:17'
    await db.pool.query(`INSERT INTO devices (gateway_id, device_id, tenant_id, paired_at) VALUES ($1, $2, 'demo', now())`, [d.gatewayId, deviceId])
    const deviceBefore = (await db.pool.query('SELECT * FROM devices WHERE gateway_id = $1', [d.gatewayId])).rows
    const demoBefore = await countMeasurements(db.pool, { gatewayId: d.gatewayId })

    // where nabo does not require pairing, the reading is the nabo gateway's own patient's, never the demo patient's
    let gw = await connect(open)
    expect((await sendAndAwaitReceipt(gw, open, 'foreign-device-1', deviceId)).accepted).toEqual(['m1'])
    await gw.client.endAsync()
    const { rows } = await db.pool.query<{ tenant_id: string; patient_id: string }>('SELECT tenant_id, patient_id FROM measurements WHERE device_id = $1', [deviceId])
    expect(rows).toEqual([{ tenant_id: 'nabo', patient_id: open.patientId }])

    // where nabo requires pairing, the demo patient's device is unknown to a nabo gateway
    await db.pool.query(`UPDATE tenants SET requires_device_pairing = true WHERE id = 'nabo'`)
    try {
      gw = await connect(strict)
      expect(await sendAndAwaitReceipt(gw, strict, 'foreign-device-2', deviceId)).toMatchObject({ accepted: [], rejected: [{ id: 'm1', code: 'unknown-device' }] })
      await gw.client.endAsync()
    } finally {
      await db.pool.query(`UPDATE tenants SET requires_device_pairing = false WHERE id = 'nabo'`)
    }
    expect(await countMeasurements(db.pool, { gatewayId: d.gatewayId })).toBe(demoBefore)
    expect((await db.pool.query('SELECT * FROM devices WHERE gateway_id = $1', [d.gatewayId])).rows).toEqual(deviceBefore)
  })
})
