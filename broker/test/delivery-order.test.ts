import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBroker, type VardeBroker } from '../src/index.js'
import { connectGateway, connectService, messagesOf } from './mqtt-clients.js'

// With persistence on disk, publications overtake each other on their way
// through the store; every one must still reach every persistent session
// (moscajs/aedes#955: Aedes' own check drops the overtaken ones).
const logger = pino({ level: 'silent' })
const serviceSecret = 'delivery-order-secret-0123456789abcdef'
let db: TestDatabase
let homes: DemoHome[]
let persistenceDir: string
let broker: VardeBroker
let url: string
const clients: MqttClient[] = []

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  persistenceDir = await mkdtemp(join(tmpdir(), 'varde-broker-order-'))
  // one test reconnects a gateway over and over: above the connection cap of a real gateway
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo', persistenceDir, limits: { maxConnectsPerGatewayPerWindow: 1000 } })
  url = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
})
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)))
  await broker?.close()
  await db?.stop()
  if (persistenceDir) await rm(persistenceDir, { recursive: true, force: true })
})

const track = <T extends MqttClient>(client: T): T => {
  clients.push(client)
  return client
}

/**
 * Resolves once every one of `expected` has arrived. Aedes acknowledges a
 * QoS 1 publish before delivering it, so nothing marks the end of the
 * deliveries: a message dropped never comes, and the bound says how many did.
 */
async function receiveAll(inbox: ReturnType<typeof messagesOf>, expected: string[], boundMs = 20_000): Promise<void> {
  const missing = new Set(expected)
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${missing.size} of ${expected.length} messages never arrived`)), boundMs)
  })
  try {
    while (missing.size > 0) missing.delete((await Promise.race([inbox.next(), bound])).payload)
  } finally {
    clearTimeout(timer)
  }
}

describe('QoS 1 delivery to persistent sessions under load', () => {
  it('delivers every batch of many gateways published at once to ingest', async () => {
    const ingest = track(await connectService(url, 'ingest', serviceSecret, 'ingest-delivery-order', { clean: false }))
    const inbox = messagesOf(ingest)
    await ingest.subscribeAsync('varde/v1/gateways/+/measurements', { qos: 1 })
    const gateways = await Promise.all(homes.map(async (h) => track(await connectGateway(url, h.gatewayId, h.secret))))
    const perGateway = 100
    const payloads = gateways.flatMap((_, g) => Array.from({ length: perGateway }, (_, i) => `${g}/${i}`))
    const received = receiveAll(inbox, payloads)
    await Promise.all(payloads.map((payload) => {
      const g = Number(payload.split('/')[0])
      return gateways[g]!.publishAsync(`varde/v1/gateways/${homes[g]!.gatewayId}/measurements`, payload, { qos: 1 })
    }))
    await expect(received).resolves.toBeUndefined()
  })

  it('delivers every receipt published at once to its gateway', async () => {
    const home = homes[1]!
    const gateway = track(await connectGateway(url, home.gatewayId, home.secret))
    const inbox = messagesOf(gateway)
    await gateway.subscribeAsync(`varde/v1/gateways/${home.gatewayId}/receipts`, { qos: 1 })
    // several ingest instances, as when ingest is scaled out
    const publishers = await Promise.all([1, 2, 3, 4].map(async (n) =>
      track(await connectService(url, 'ingest', serviceSecret, `ingest-delivery-order-${n}`, { clean: false }))))
    const topic = `varde/v1/gateways/${home.gatewayId}/receipts`
    const payloads = Array.from({ length: 1000 }, (_, i) => `r${i}`)
    const received = receiveAll(inbox, payloads)
    await Promise.all(payloads.map((payload, i) => publishers[i % publishers.length]!.publishAsync(topic, payload, { qos: 1 })))
    await expect(received).resolves.toBeUndefined()
  })
})

describe('a persistent session reconnecting while messages for it are published', () => {
  it('gets its CONNACK first every time, and every message after it', async () => {
    const home = homes[2]!
    const topic = `varde/v1/gateways/${home.gatewayId}/receipts`
    const first = await connectGateway(url, home.gatewayId, home.secret)
    await first.subscribeAsync(topic, { qos: 1 })
    await first.endAsync()
    const ingest = track(await connectService(url, 'ingest', serviceSecret, 'ingest-reconnect-race', { clean: false }))
    // receipts for the gateway, one after the other, for as long as it reconnects
    let publishing = true
    let sent = 0
    const pump = (async () => {
      while (publishing) await ingest.publishAsync(topic, `r${sent++}`, { qos: 1 })
    })()
    const firstPackets: string[] = []
    let connected = 0
    const received = new Set<string>()
    for (let i = 0; i < 150; i++) {
      // MQTT.js reads nothing more after a PUBLISH that comes before the CONNACK: the connect times out
      const client = mqtt.connect(url, { clientId: home.gatewayId, username: home.gatewayId, password: home.secret, clean: false, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000 })
      client.once('packetreceive', (packet) => firstPackets.push(packet.cmd))
      client.on('message', (_topic, payload) => received.add(payload.toString()))
      await new Promise<void>((resolve) => {
        client.once('connect', () => {
          connected++
          resolve()
        })
        client.once('close', () => resolve())
      })
      await client.endAsync()
    }
    publishing = false
    await pump
    expect(firstPackets.filter((cmd) => cmd !== 'connack')).toEqual([])
    expect(firstPackets).toHaveLength(150)
    expect(connected).toBe(150)
    expect(sent).toBeGreaterThan(150)
    // and nothing is lost: what was published while it came and went arrives on the last connection
    const last = track(await connectGateway(url, home.gatewayId, home.secret))
    const inbox = messagesOf(last)
    await receiveAll(inbox, Array.from({ length: sent }, (_, i) => `r${i}`).filter((p) => !received.has(p)))
  })
})
