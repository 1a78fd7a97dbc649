import { connect, type Socket } from 'node:net'
import { seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import mqttPacket from 'mqtt-packet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBroker, type BrokerLimits, type VardeBroker } from '../src/index.js'
import { captureLogs } from './log-capture.js'
import { closed, connectGateway, tryConnect } from './mqtt-clients.js'

// Abuse limits: failed-login throttling per client id and per address, a cap
// on connections per gateway id, keep-alive, connect timeout and packet size,
// each refused with a log line of its own.
const serviceSecret = 'abuse-limits-secret-0123456789abcdef'
let db: TestDatabase
let homes: DemoHome[]
const started: VardeBroker[] = []

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
})
afterAll(async () => {
  for (const b of started) await b.close()
  await db?.stop()
})

/** A broker of its own per test, so one test's failures never throttle another's. */
async function brokerWith(limits: Partial<BrokerLimits>) {
  const logs = captureLogs()
  const broker = await createBroker({ db: db.pool, logger: logs.logger, serviceSecret, mode: 'demo', limits })
  started.push(broker)
  const port = await broker.listen(0, '127.0.0.1')
  return { broker, logs, port, url: `mqtt://127.0.0.1:${port}` }
}

const home = (i: number) => ({ id: homes[i]!.gatewayId, secret: homes[i]!.secret })

/** A raw TCP connection that sends what the test says (e.g. a CONNECT, then silence). */
function rawConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket))
    socket.once('error', reject)
    socket.resume() // read (and drop) what the broker sends, so its close reaches us
  })
}
const socketClosed = (socket: Socket) => new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())))

describe('failed-login throttling', () => {
  it('refuses a client id unchecked after too many failures, even with the right secret, and logs it', async () => {
    const { url, logs, broker } = await brokerWith({ maxFailedLoginsPerClientId: 3 })
    const { id, secret } = home(0)
    for (let i = 0; i < 3; i++) {
      expect(await tryConnect(url, { clientId: id, username: id, password: 'guess' })).toMatchObject({ connected: false, returnCode: 4 })
    }
    expect(await tryConnect(url, { clientId: id, username: id, password: secret })).toMatchObject({ connected: false, returnCode: 4 })
    expect(await logs.waitFor((l) => l.event === 'login-throttled')).toMatchObject({ gatewayId: id, retryAfterMs: expect.any(Number) })
    // another gateway from the same address is not affected
    const other = await connectGateway(url, home(1).id, home(1).secret)
    await other.endAsync()
    expect(broker.stats().refusals).toMatchObject({ auth: 3, throttled: 1 })
  })

  it('refuses an address unchecked after failures across many client ids (a spray)', async () => {
    const { url, logs } = await brokerWith({ maxFailedLoginsPerAddress: 3 })
    for (const id of ['spray-1', 'spray-2', 'spray-3']) {
      expect(await tryConnect(url, { clientId: id, username: id, password: 'guess' })).toMatchObject({ connected: false, returnCode: 4 })
    }
    const { id, secret } = home(2)
    expect(await tryConnect(url, { clientId: id, username: id, password: secret })).toMatchObject({ connected: false, returnCode: 4 })
    expect(await logs.waitFor((l) => l.event === 'login-throttled')).toMatchObject({ gatewayId: id, remoteAddress: expect.stringContaining('127.0.0.1') })
  })
})

describe('connections per gateway id', () => {
  it('lets a new connection take over the old one (logged), and caps reconnections within the window', async () => {
    const { url, logs, broker } = await brokerWith({ maxConnectsPerGatewayPerWindow: 2 })
    const { id, secret } = home(3)
    const first = await connectGateway(url, id, secret)
    const firstClosed = closed(first)
    const second = await connectGateway(url, id, secret)
    await firstClosed
    first.end(true)
    await logs.waitFor((l) => l.event === 'gateway-takeover' && l.gatewayId === id)
    await second.endAsync()
    expect(await tryConnect(url, { clientId: id, username: id, password: secret, clean: false })).toMatchObject({ connected: false, returnCode: 3 })
    expect(await logs.waitFor((l) => l.event === 'connection-cap')).toMatchObject({ gatewayId: id, recentConnects: 2 })
    expect(broker.stats().refusals['connection-cap']).toBe(1)
  })
})

describe('keep-alive, connect timeout and packet size', () => {
  it('lowers a keep-alive of 0 to the broker maximum and closes the connection when it stays silent', async () => {
    const { port, logs } = await brokerWith({ maxKeepaliveS: 1 })
    const { id, secret } = home(4)
    const socket = await rawConnection(port)
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: id, username: id, password: Buffer.from(secret), keepalive: 0 }))
    await socketClosed(socket)
    expect(await logs.waitFor((l) => l.event === 'keepalive-clamped')).toMatchObject({ requestedS: 0, appliedS: 1 })
    expect(await logs.waitFor((l) => l.event === 'keepalive-timeout')).toMatchObject({ gatewayId: id })
  })

  it('closes a connection that sends no CONNECT in time', async () => {
    const { port, logs, broker } = await brokerWith({ connectTimeoutMs: 200 })
    const socket = await rawConnection(port)
    await socketClosed(socket)
    expect(await logs.waitFor((l) => l.event === 'connect-timeout')).toMatchObject({ timeoutMs: 200 })
    expect(broker.stats().refusals['connect-timeout']).toBe(1)
  })

  it('closes a connection at the header of a packet over 256 KiB', async () => {
    const { url, logs, broker } = await brokerWith({})
    const { id, secret } = home(5)
    const client = await connectGateway(url, id, secret)
    const cut = closed(client)
    client.publish(`varde/v1/gateways/${id}/measurements`, Buffer.alloc(300 * 1024, 0x20), { qos: 1 })
    await cut
    client.end(true)
    expect(await logs.waitFor((l) => l.event === 'packet-too-large')).toMatchObject({ limit: 262144, gatewayId: id })
    expect(broker.stats().refusals['packet-too-large']).toBe(1)
  })
})
