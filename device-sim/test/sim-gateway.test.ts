import { once } from 'node:events'
import type { Measurement } from '@varde/domain'
import mqtt from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { GatewayConnectError, GatewayStoppedError, SimGateway, type SimGatewayOptions } from '../src/index.js'
import { FakePlatform } from './support/fake-platform.js'
import { Mosquitto } from './support/mosquitto.js'

let broker: Mosquitto
let platform: FakePlatform
const gateways: SimGateway[] = []
let nextId = 1

beforeAll(async () => {
  broker = await Mosquitto.start()
  platform = await FakePlatform.connect(broker.url)
})
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.stop()))
})
afterAll(async () => {
  await platform?.close()
  await broker?.stop()
})

/** A gateway with its own id, so tests never see each other's messages. */
function gateway(options: Partial<SimGatewayOptions> = {}): SimGateway {
  const gatewayId = `sim-gw-${String(nextId++).padStart(3, '0')}`
  const g = new SimGateway({ gatewayId, secret: `${gatewayId}-secret`, mqttUrl: broker.url, reconnectPeriodMs: 100, ...options })
  gateways.push(g)
  return g
}

const weight = (value = 82.4): Measurement => ({
  id: 'm1',
  deviceId: 'AA:BB:CC:00:11:22',
  type: 'body-weight',
  value,
  unit: 'kg',
  measuredAt: new Date(Date.now() - 60_000).toISOString(),
})

describe('SimGateway against a real broker', () => {
  it('publishes a retained online status with firmware and battery, and its receipt resolves sendBatch', async () => {
    const g = gateway({ battery: 87, firmware: '1.2.3' })
    const online = platform.nextStatus(g.gatewayId, 'online')
    await g.start()
    expect((await online).json).toEqual({ state: 'online', firmware: '1.2.3', battery: 87 })

    const receipt = g.sendBatch([weight()])
    const batch = await platform.nextBatch(g.gatewayId)
    expect(batch.batchId).toMatch(new RegExp(`^${g.gatewayId}-${g.bootId}-\\d{6}$`))
    expect(batch.sentAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/)
    expect(batch.measurements).toEqual([weight()].map((m) => ({ ...m, measuredAt: expect.any(String) })))
    const sent = await platform.acceptAll(g.gatewayId, batch)
    await expect(receipt).resolves.toEqual(sent)
    expect(g.pendingCount).toBe(0)
  })

  it('gives every batch its own batchId', async () => {
    const g = gateway()
    await g.start()
    const receipts = [g.sendBatch([weight(80)]), g.sendBatch([weight(81)])]
    const first = await platform.nextBatch(g.gatewayId)
    const second = await platform.nextBatch(g.gatewayId)
    expect(first.batchId).not.toBe(second.batchId)
    await platform.acceptAll(g.gatewayId, second)
    await platform.acceptAll(g.gatewayId, first)
    const [r1, r2] = await Promise.all(receipts)
    expect(r1?.batchId).toBe(first.batchId)
    expect(r2?.batchId).toBe(second.batchId)
  })

  it('re-sends a batch with the same batchId while no receipt arrives', async () => {
    const g = gateway({ resendAfterMs: 50, maxResendAfterMs: 100 })
    await g.start()
    const receipt = g.sendBatch([weight()])
    const first = await platform.nextBatch(g.gatewayId)
    const again = await platform.nextBatch(g.gatewayId, first.batchId)
    expect(again.measurements).toEqual(first.measurements)
    await platform.acceptAll(g.gatewayId, again)
    await expect(receipt).resolves.toMatchObject({ batchId: first.batchId, accepted: ['m1'] })
  })

  it('keeps batches sent while offline and sends them on reconnect (store and forward)', async () => {
    const g = gateway()
    await g.start()
    await g.disconnectAbruptly()
    const published: string[] = []
    g.on('publish', ({ batchId }) => published.push(String(batchId)))
    const receipts = [g.sendBatch([weight(80)]), g.sendBatch([weight(81)])]
    expect(published).toEqual([])
    expect(g.pendingCount).toBe(2)
    await g.reconnect()
    const first = await platform.nextBatch(g.gatewayId)
    const second = await platform.nextBatch(g.gatewayId)
    await platform.acceptAll(g.gatewayId, first)
    await platform.acceptAll(g.gatewayId, second)
    await expect(Promise.all(receipts)).resolves.toHaveLength(2)
  })

  it('reconnects after a broker restart and re-sends what was never receipted', async () => {
    const g = gateway({ resendAfterMs: 200, maxResendAfterMs: 400 })
    await g.start()
    const receipt = g.sendBatch([weight()])
    const before = await platform.nextBatch(g.gatewayId)
    const reconnected = once(g, 'connect')
    await broker.restart()
    await reconnected
    // Only what arrives through the new broker counts. The gateway re-sends on
    // connect, and on its timer in case the platform had not resubscribed yet.
    platform.forget(g.gatewayId)
    const after = await platform.nextBatch(g.gatewayId, before.batchId)
    expect(after.measurements).toEqual(before.measurements)
    await platform.acceptAll(g.gatewayId, after)
    await expect(receipt).resolves.toMatchObject({ batchId: before.batchId })
  })

  it('sets its clock on sync-clock, and stamps later batches with the corrected time', async () => {
    const threeHours = 3 * 3_600_000
    const g = gateway({ clockOffsetMs: -threeHours })
    await g.start()
    void g.sendBatch([weight()]).catch(() => undefined)
    const skewed = await platform.nextBatch(g.gatewayId)
    const skew = Date.now() - Date.parse(skewed.sentAt)
    expect(skew).toBeGreaterThan(threeHours - 60_000)
    const synced = once(g, 'clock-synced')
    await platform.send(g.gatewayId, 'commands', { command: 'sync-clock', now: new Date().toISOString() })
    const [event] = (await synced) as [{ previousOffsetMs: number; offsetMs: number }]
    expect(event.previousOffsetMs).toBe(-threeHours)
    expect(Math.abs(event.offsetMs)).toBeLessThan(5_000)
    void g.sendBatch([weight()]).catch(() => undefined)
    const corrected = await platform.nextBatch(g.gatewayId)
    expect(Math.abs(Date.now() - Date.parse(corrected.sentAt))).toBeLessThan(5_000)
  })

  it('leaves its last will, retained {"state":"offline"}, when its socket dies', async () => {
    const g = gateway()
    const online = platform.nextStatus(g.gatewayId, 'online')
    await g.start()
    await online
    const offline = platform.nextStatus(g.gatewayId, 'offline')
    await g.disconnectAbruptly()
    expect((await offline).json).toEqual({ state: 'offline' })
    // A newcomer sees the retained will: the broker kept it as the gateway's status.
    const observer = await mqtt.connectAsync(broker.url, { clientId: `observer-${g.gatewayId}`, protocolVersion: 4, reconnectPeriod: 0 })
    const retained = new Promise<{ text: string; retain: boolean }>((resolve) =>
      observer.on('message', (_topic, payload, packet) => resolve({ text: payload.toString(), retain: packet.retain })),
    )
    await observer.subscribeAsync(`varde/v1/gateways/${g.gatewayId}/status`, { qos: 1 })
    expect(await retained).toEqual({ text: '{"state":"offline"}', retain: true })
    await observer.endAsync()
  })

  it('answers a malformed payload with the malformed-batch receipt', async () => {
    const g = gateway()
    await g.start()
    const receipt = g.publishRaw('{"batchId": 12')
    const raw = await platform.next((m) => m.topic.endsWith(`${g.gatewayId}/measurements`))
    expect(raw.text).toBe('{"batchId": 12')
    const malformed = { batchId: null, error: { code: 'malformed-batch' as const, detail: 'payload is not valid JSON' } }
    await platform.send(g.gatewayId, 'receipts', malformed)
    await expect(receipt).resolves.toEqual(malformed)
  })

  it('says offline itself on stop and rejects what is still unreceipted', async () => {
    const g = gateway()
    await g.start()
    const pending = g.sendBatch([weight()])
    await platform.nextBatch(g.gatewayId)
    const offline = platform.nextStatus(g.gatewayId, 'offline')
    await g.stop()
    expect((await offline).json).toEqual({ state: 'offline' })
    await expect(pending).rejects.toBeInstanceOf(GatewayStoppedError)
  })
})

describe('SimGateway credentials', () => {
  let secured: Mosquitto
  beforeAll(async () => {
    secured = await Mosquitto.start({ users: { 'auth-gw-001': 'auth-gw-001-secret' } })
  })
  afterAll(async () => {
    await secured?.stop()
  })

  it('connects with clientId = username = gateway id and its secret', async () => {
    const g = new SimGateway({ gatewayId: 'auth-gw-001', secret: 'auth-gw-001-secret', mqttUrl: secured.url })
    await g.start()
    expect(g.isConnected).toBe(true)
    await g.stop()
  })

  it('rejects start() with GatewayConnectError when the broker refuses the secret', async () => {
    const g = new SimGateway({ gatewayId: 'auth-gw-001', secret: 'wrong', mqttUrl: secured.url })
    const started = g.start()
    await expect(started).rejects.toBeInstanceOf(GatewayConnectError)
    await expect(started).rejects.toThrow(/auth-gw-001 could not connect .*(Not authorized|Bad username or password)/)
    await g.stop()
  })
})
