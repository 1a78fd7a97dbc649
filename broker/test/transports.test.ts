import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { countMeasurements, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { startIngest, type IngestService } from '@varde/ingest'
import type { IClientOptions, MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBroker, ensureSelfSignedTlsCredentials, type TlsCredentials, type VardeBroker } from '../src/index.js'
import { connectGateway, messagesOf, tryConnect } from './mqtt-clients.js'

// each batch's reading a second apart: the same reading at the same time is a duplicate (device-protocol.md, Delivery, second key)
let measuredSecondsAgo = 0
const nextMeasuredAt = () => new Date(Date.now() - 1000 * ++measuredSecondsAgo).toISOString()

// device-protocol.md "Connection": TLS on 8883 and WebSocket at /mqtt on the
// HTTP port, each tried with a real client (MQTT.js) end to end: batch in,
// stored by ingest, receipt back.
const logger = pino({ level: 'silent' })
const serviceSecret = 'transports-secret-0123456789abcdef'
let db: TestDatabase
let homes: DemoHome[]
let broker: VardeBroker
let ingest: IngestService
let tlsDir: string
let tls: TlsCredentials & { certFile: string; isNew: boolean }
let tlsPort: number
let http: Server
let httpPort: number
let detachWebSocket: () => Promise<void>

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  const tcpUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  tlsDir = await mkdtemp(join(tmpdir(), 'varde-tls-'))
  tls = await ensureSelfSignedTlsCredentials(join(tlsDir, 'tls'))
  tlsPort = await broker.listenTls(0, '127.0.0.1', tls)
  // an HTTP server standing in for the API server's, which also answers plain requests
  http = createServer((_req, res) => res.end('api'))
  detachWebSocket = broker.attachWebSocket(http)
  httpPort = await new Promise<number>((resolve) => http.listen(0, '127.0.0.1', () => resolve((http.address() as { port: number }).port)))
  ingest = startIngest({ db: db.pool, mqttUrl: tcpUrl, serviceSecret, logger, clientId: 'ingest-transports' })
  await ingest.ready
})
afterAll(async () => {
  await ingest?.stop()
  await detachWebSocket?.()
  await new Promise((resolve) => http?.close(resolve))
  await broker?.close()
  await db?.stop()
  await rm(tlsDir, { recursive: true, force: true })
})

async function roundTrip(client: MqttClient, gatewayId: string, batchId: string): Promise<unknown> {
  const inbox = messagesOf(client)
  await client.subscribeAsync(`varde/v1/gateways/${gatewayId}/receipts`, { qos: 1 })
  await client.publishAsync(`varde/v1/gateways/${gatewayId}/measurements`, JSON.stringify({
    batchId, sentAt: new Date().toISOString(),
    measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:11:22', type: 'spo2', value: 95, unit: '%', measuredAt: nextMeasuredAt() }],
  }), { qos: 1 })
  return JSON.parse((await inbox.next()).payload)
}

describe('MQTT over TLS', () => {
  it('carries a batch and its receipt for a client that trusts the demo certificate', async () => {
    const home = homes[0]!
    const options: IClientOptions = { ca: tls.cert, rejectUnauthorized: true }
    const client = await connectGateway(`mqtts://localhost:${tlsPort}`, home.gatewayId, home.secret, options)
    expect(await roundTrip(client, home.gatewayId, 'tls-1')).toEqual({ batchId: 'tls-1', accepted: ['m1'], duplicate: [], rejected: [] })
    await client.endAsync()
    // also by address: the certificate names 127.0.0.1
    const byIp = await connectGateway(`mqtts://127.0.0.1:${tlsPort}`, home.gatewayId, home.secret, options)
    await byIp.endAsync()
    expect(await countMeasurements(db.pool, { gatewayId: home.gatewayId })).toBe(1)
  })

  it('is refused by a client that does not trust the certificate, and refuses a wrong secret', async () => {
    const home = homes[1]!
    const untrusted = await tryConnect(`mqtts://localhost:${tlsPort}`, { clientId: home.gatewayId, username: home.gatewayId, password: home.secret, rejectUnauthorized: true })
    expect(untrusted).toMatchObject({ connected: false, message: expect.stringMatching(/self[- ]signed|certificate/i) })
    const wrong = await tryConnect(`mqtts://localhost:${tlsPort}`, { clientId: home.gatewayId, username: home.gatewayId, password: 'wrong', ca: tls.cert })
    expect(wrong).toMatchObject({ connected: false, returnCode: 4 })
  })

  it('keeps the self-signed pair across restarts, with a private key only its owner can read', async () => {
    const again = await ensureSelfSignedTlsCredentials(join(tlsDir, 'tls'))
    expect(tls.isNew).toBe(true)
    expect(again).toMatchObject({ isNew: false, cert: tls.cert, key: tls.key })
    expect(await readFile(tls.certFile, 'utf8')).toBe(tls.cert)
    expect((await stat(join(tlsDir, 'tls', 'mqtt-key.pem'))).mode & 0o077).toBe(0)
  })
})

describe('MQTT over WebSocket at /mqtt on the HTTP port', () => {
  it('carries a batch and its receipt', async () => {
    const home = homes[2]!
    const client = await connectGateway(`ws://127.0.0.1:${httpPort}/mqtt`, home.gatewayId, home.secret)
    expect(await roundTrip(client, home.gatewayId, 'ws-1')).toEqual({ batchId: 'ws-1', accepted: ['m1'], duplicate: [], rejected: [] })
    await client.endAsync()
    expect(await countMeasurements(db.pool, { gatewayId: home.gatewayId })).toBe(1)
  })

  it('applies the same authentication and ACL, and leaves the HTTP server\'s other paths alone', async () => {
    const home = homes[3]!
    const wrong = await tryConnect(`ws://127.0.0.1:${httpPort}/mqtt`, { clientId: home.gatewayId, username: home.gatewayId, password: 'wrong' })
    expect(wrong).toMatchObject({ connected: false, returnCode: 4 })
    const client = await connectGateway(`ws://127.0.0.1:${httpPort}/mqtt`, home.gatewayId, home.secret)
    const granted = await client.subscribeAsync('varde/v1/gateways/+/receipts', { qos: 1 }).then(
      (g) => g.map((x) => x.qos),
      (error: { packet?: { granted?: number[] } }) => error.packet?.granted,
    )
    expect(granted).toEqual([128])
    await client.endAsync()
    expect(await (await fetch(`http://127.0.0.1:${httpPort}/anything`)).text()).toBe('api')
    const elsewhere = await tryConnect(`ws://127.0.0.1:${httpPort}/not-mqtt`, { clientId: home.gatewayId, username: home.gatewayId, password: home.secret })
    expect(elsewhere.connected).toBe(false)
  })
})
