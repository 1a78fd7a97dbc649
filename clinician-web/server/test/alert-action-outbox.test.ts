import { createBroker, type VardeBroker } from '@varde/broker'
import { servicePassword, serviceUsername } from '@varde/config'
import { countOutboxEvents, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { alertChangedEventSchema, INTERNAL_TOPICS, type AlertChangedEvent } from '@varde/domain'
import { startOutboxRelay, type OutboxRelay } from '@varde/ingest'
import type { FastifyInstance } from 'fastify'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, connectLiveEvents, type LiveEvents } from '../src/index.js'
import { insertAlert } from './insert-alert.js'

/**
 * Issue 15: a nurse's action on an alert announces itself through the outbox,
 * in the statement that makes the change, as the rules' changes do. Seen from
 * outside (HTTP in, the internal MQTT topic out): the event of each change
 * comes, none for an action the database refused; and one whose server could
 * not publish it (the broker away) and then went away itself still comes,
 * from an outbox relay, once the broker is back. Before, the server published
 * it after the write, from memory: gone with the server.
 */
const logger = pino({ level: 'silent' })
const serviceSecret = 'alert-outbox-secret-0123456789abcdef'
let db: TestDatabase
let homes: DemoHome[]
let broker: VardeBroker | undefined
let port: number
let relay: OutboxRelay | undefined
let live: LiveEvents | undefined
let app: FastifyInstance | undefined
let baseUrl: string
let observer: MqttClient
const events: AlertChangedEvent[] = []

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  port = await broker.listen(0, '127.0.0.1')
  relay = startOutboxRelay({ db: db.pool, mqttUrl: `mqtt://127.0.0.1:${port}`, serviceSecret, logger })
  live = connectLiveEvents({ mqttUrl: `mqtt://127.0.0.1:${port}`, serviceSecret, logger })
  await Promise.all([relay.ready, live.ready])
  app = await buildApp({ db: db.pool, live, logger, mode: 'demo' })
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  // another server's view of the internal bus
  observer = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: 'alert-outbox-observer', username: serviceUsername('server'), password: servicePassword(serviceSecret, 'server'),
    protocolVersion: 4, reconnectPeriod: 200,
  })
  observer.on('message', (topic, payload) => {
    if (topic === INTERNAL_TOPICS.alertsChanged) events.push(alertChangedEventSchema.parse(JSON.parse(payload.toString())))
  })
  await observer.subscribeAsync(INTERNAL_TOPICS.alertsChanged, { qos: 1 })
})
afterAll(async () => {
  await app?.close()
  await live?.close()
  await relay?.stop()
  await observer?.endAsync(true)
  await broker?.close()
  await db?.stop()
})

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function login(): Promise<string> {
  const res = await fetch(`${baseUrl}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sykepleier', password: 'demo' }),
  })
  expect(res.status).toBe(204)
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
}

const post = async (cookie: string, path: string, body: unknown) =>
  (await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) })).status

const changesOf = (alertId: string) => events.filter((e) => e.alertId === alertId).map((e) => `${e.change}:${e.revision}`)

describe("a nurse's action on an alert", () => {
  it('announces each change through the outbox, and nothing for an action the database refused', async () => {
    const cookie = await login()
    const id = await insertAlert(db.pool, { patientId: homes[3]!.patientId, severity: 'red' })
    expect(await post(cookie, `/api/alerts/${id}/acknowledge`, {})).toBe(200)
    expect(await post(cookie, `/api/alerts/${id}/acknowledge`, {})).toBe(409)
    expect(await post(cookie, `/api/alerts/${id}/notes`, { text: 'Ringer pasienten.' })).toBe(200)
    await until('the note\'s event', () => (changesOf(id).includes('noted:3') ? true : undefined))
    // in order, once each, and nothing between them for the refused acknowledgement
    expect(changesOf(id)).toEqual(['acknowledged:2', 'noted:3'])
    expect(await countOutboxEvents(db.pool)).toBe(0)
  })

  it('is announced by an outbox relay when its server could not publish it and went away', async () => {
    const cookie = await login()
    const id = await insertAlert(db.pool, { patientId: homes[4]!.patientId, severity: 'red' })
    // ingest (its relay) and the broker away
    await relay?.stop()
    relay = undefined
    await broker?.close()
    broker = undefined
    // the change is made and answered; its event cannot go out now
    expect(await post(cookie, `/api/alerts/${id}/resolve`, { outcome: 'false-alarm' })).toBe(200)
    // and the server that made it goes away with whatever it held in memory
    await app?.close()
    app = undefined
    await live?.close()
    live = undefined

    broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
    await broker.listen(port, '127.0.0.1')
    await until('the observer to reconnect', () => (observer.connected ? true : undefined))
    await observer.subscribeAsync(INTERNAL_TOPICS.alertsChanged, { qos: 1 })
    relay = startOutboxRelay({ db: db.pool, mqttUrl: `mqtt://127.0.0.1:${port}`, serviceSecret, logger })

    const event = await until('the resolution\'s event', () => events.find((e) => e.alertId === id))
    expect(event).toMatchObject({ alertId: id, change: 'resolved', status: 'resolved', revision: 2, tenantId: 'demo' })
    await relay.drain()
    expect(await countOutboxEvents(db.pool)).toBe(0)
  }, 60_000)
})
