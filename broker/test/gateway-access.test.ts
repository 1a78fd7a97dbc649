import { countMeasurements, revokeTenantGateway, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { INTERNAL_TOPICS } from '@varde/domain'
import { startIngest, type IngestService } from '@varde/ingest'
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBroker, type VardeBroker } from '../src/index.js'
import { captureLogs } from './log-capture.js'
import { closed, connectGateway, connectService, messagesOf, tryConnect } from './mqtt-clients.js'

// each batch's reading a second apart: the same reading at the same time is a duplicate (device-protocol.md, Delivery, second key)
let measuredSecondsAgo = 0
const nextMeasuredAt = () => new Date(Date.now() - 1000 * ++measuredSecondsAgo).toISOString()

// The broker as the front door of device-protocol.md "Connection" and
// "Topics": a gateway speaks only for itself, a revoked one is cut off at
// once, and nothing refused reaches ingest (so nothing refused is stored).
const serviceSecret = 'gateway-access-secret-0123456789abcdef'
const logs = captureLogs()
let db: TestDatabase
let homes: DemoHome[]
let broker: VardeBroker
let ingest: IngestService
let url: string

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  broker = await createBroker({ db: db.pool, logger: logs.logger, serviceSecret, mode: 'demo' })
  url = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  ingest = startIngest({ db: db.pool, mqttUrl: url, serviceSecret, logger: logs.logger, clientId: 'ingest-gateway-access' })
  await ingest.ready
})
afterAll(async () => {
  await ingest?.stop()
  await broker?.close()
  await db?.stop()
})

const gw = (i: number) => homes[i]!.gatewayId
const batch = (batchId: string) => JSON.stringify({
  batchId, sentAt: new Date().toISOString(),
  measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:11:22', type: 'pulse', value: 64, unit: '/min', measuredAt: nextMeasuredAt() }],
})

/** Publishes a batch as the gateway and awaits its receipt: a barrier after which everything sent before it has been judged. */
async function sendAndAwaitReceipt(client: MqttClient, gatewayId: string, batchId: string): Promise<unknown> {
  const inbox = messagesOf(client)
  await client.subscribeAsync(`varde/v1/gateways/${gatewayId}/receipts`, { qos: 1 })
  await client.publishAsync(`varde/v1/gateways/${gatewayId}/measurements`, batch(batchId), { qos: 1 })
  for (;;) {
    const m = await inbox.next()
    const receipt = JSON.parse(m.payload) as { batchId: string }
    if (receipt.batchId === batchId) return receipt
  }
}

describe('gateway authentication', () => {
  it('refuses a wrong secret and an unknown gateway with the same CONNACK, and logs the gateway id but never the secret', async () => {
    const wrong = await tryConnect(url, { clientId: gw(0), username: gw(0), password: 'not-the-secret-xyz', clean: false })
    const unknown = await tryConnect(url, { clientId: 'gw-does-not-exist', username: 'gw-does-not-exist', password: 'not-the-secret-xyz', clean: false })
    expect(wrong).toEqual({ connected: false, returnCode: 4, message: expect.stringMatching(/bad user ?name or password/i) })
    expect(unknown).toEqual(wrong)
    const line = await logs.waitFor((l) => l.event === 'auth-refused' && l.gatewayId === gw(0))
    expect(line).toMatchObject({ reason: 'wrong-secret', remoteAddress: expect.any(String) })
    await logs.waitFor((l) => l.event === 'auth-refused' && l.gatewayId === 'gw-does-not-exist' && l.reason === 'unknown-gateway')
    expect(logs.raw.join('\n')).not.toContain('not-the-secret-xyz')
  })

  it('refuses a client id that is not the username, and a service name with a gateway\'s secret', async () => {
    const mismatch = await tryConnect(url, { clientId: gw(1), username: gw(2), password: homes[2]!.secret })
    expect(mismatch).toMatchObject({ connected: false, returnCode: 4 })
    const service = await tryConnect(url, { clientId: 'x-ingest', username: 'svc:ingest', password: homes[2]!.secret })
    expect(service).toMatchObject({ connected: false, returnCode: 4 })
  })

  it('disconnects a connected gateway within a second of its revocation, and refuses it from then on', async () => {
    const id = gw(3)
    const client = await connectGateway(url, id)
    const server = await connectService(url, 'server', serviceSecret, 'server-access-test')
    await revokeTenantGateway(db.pool, { actor: { tenantId: 'demo', userId: null, username: 'test' }, gatewayId: id })
    const started = performance.now()
    const cut = closed(client)
    await server.publishAsync(INTERNAL_TOPICS.gatewayRevoked, id, { qos: 1 })
    await cut
    expect(performance.now() - started).toBeLessThan(1000)
    client.end(true)
    await logs.waitFor((l) => l.event === 'gateway-disconnected' && l.gatewayId === id && l.source === 'order')
    const again = await tryConnect(url, { clientId: id, username: id, password: homes[3]!.secret, clean: false })
    expect(again).toMatchObject({ connected: false, returnCode: 4 })
    await logs.waitFor((l) => l.event === 'auth-refused' && l.gatewayId === id && l.reason === 'revoked')
    await server.endAsync()
  })

  it('also cuts off a gateway revoked in the database alone (CLI, SQL), by its poll', async () => {
    const id = gw(4)
    const client = await connectGateway(url, id)
    const cut = closed(client)
    await db.pool.query('UPDATE gateways SET revoked_at = now() WHERE id = $1', [id])
    await cut
    client.end(true)
    await logs.waitFor((l) => l.event === 'gateway-disconnected' && l.gatewayId === id && l.source === 'database')
  })
})

describe('topic ACL', () => {
  it('closes a gateway that publishes to another gateway\'s topic, its own receipts or an internal topic; nothing of it is stored', async () => {
    const me = gw(5)
    const other = gw(6)
    for (const topic of [`varde/v1/gateways/${other}/measurements`, `varde/v1/gateways/${me}/receipts`, INTERNAL_TOPICS.measurementsStored]) {
      const client = await connectGateway(url, me)
      const cut = closed(client)
      client.publish(topic, batch(`forged-${topic}`), { qos: 1 })
      await cut
      client.end(true)
      const line = await logs.waitFor((l) => l.event === 'publish-refused' && l.topic === topic)
      expect(line).toMatchObject({ gatewayId: me })
      expect(line).not.toHaveProperty('payload')
    }
    // a batch of its own afterwards is receipted: the refused ones were never delivered before it
    const client = await connectGateway(url, me)
    expect(await sendAndAwaitReceipt(client, me, 'own-1')).toMatchObject({ batchId: 'own-1', accepted: ['m1'] })
    await client.endAsync()
    expect(await countMeasurements(db.pool, { gatewayId: other })).toBe(0)
    expect(await countMeasurements(db.pool, { gatewayId: me })).toBe(1)
    expect(logs.raw.join('\n')).not.toContain('forged-')
  })

  it('refuses subscriptions to another gateway\'s receipts and to wildcards (SUBACK 0x80) and never delivers them', async () => {
    const me = gw(7)
    const other = gw(8)
    const spy = await connectGateway(url, me)
    const spied = messagesOf(spy)
    for (const filter of [`varde/v1/gateways/${other}/receipts`, 'varde/v1/gateways/+/receipts', 'varde/v1/gateways/#', '#', 'varde/internal/v1/#', '$SYS/#']) {
      // MQTT.js rejects a SUBACK with a failure code; the code is on the packet
      const granted = await spy.subscribeAsync(filter, { qos: 1 }).then(
        (g) => g.map((x) => x.qos),
        (error: { packet?: { granted?: number[] } }) => error.packet?.granted,
      )
      expect(granted).toEqual([128])
      await logs.waitFor((l) => l.event === 'subscribe-refused' && l.gatewayId === me && l.topic === filter)
    }
    const victim = await connectGateway(url, other)
    expect(await sendAndAwaitReceipt(victim, other, 'private-1')).toMatchObject({ batchId: 'private-1' })
    // the spy's own receipt arrives after the victim's was published: had it leaked, it would be here by now
    expect(await sendAndAwaitReceipt(spy, me, 'spy-own-1')).toMatchObject({ batchId: 'spy-own-1' })
    expect(spied.received.map((m) => m.topic)).toEqual([`varde/v1/gateways/${me}/receipts`])
    await spy.endAsync()
    await victim.endAsync()
  })

  it('counts messages and refusals in its stats', () => {
    const s = broker.stats()
    expect(s.messagesIn).toBeGreaterThan(0)
    expect(s.messagesOut).toBeGreaterThan(0)
    expect(s.refusals).toMatchObject({ auth: expect.any(Number), publish: 3, subscribe: 6, revoked: 2 })
    expect(s.refusals.auth).toBeGreaterThanOrEqual(5)
    expect(s.connectedServices).toBe(1) // ingest
  })
})
