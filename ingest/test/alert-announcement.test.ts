import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createBroker, type VardeBroker } from '@varde/broker'
import { servicePassword, serviceUsername } from '@varde/config'
import { seedDemo, storeBatches } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { alertChangedEventSchema, INTERNAL_TOPICS, type AlertChangedEvent } from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * Issue 15's atomic announcement, from outside: the ingest PROCESS (its rules
 * worker) opens an alert while the broker is down, so its event cannot be
 * published, and is then killed (SIGKILL: whatever it held in memory is
 * gone). With the broker back and ingest restarted, the server's view of the
 * internal bus gets the alert's event, exactly once. Before the outbox
 * (migration 0011) the event lived only in the killed process's MQTT queue
 * and never came: the alert stayed off every live screen until a resync.
 */
const INGEST_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const logger = pino({ level: 'silent' })
const serviceSecret = 'announce-test-secret-0123456789abcdef'
const GATEWAY = 'demo-gw-007'
let db: TestDatabase
let broker: VardeBroker | undefined
let port: number
let ingest: ChildProcess | undefined
let server: MqttClient
const events: AlertChangedEvent[] = []

beforeAll(async () => {
  if (!existsSync(INGEST_MAIN)) throw new Error(`${INGEST_MAIN} is missing: build first (npm run build)`)
  db = await startTestDatabase()
  await seedDemo(db.pool)
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  port = await broker.listen(0, '127.0.0.1')
  // the server's view, as clinician-web/server/src/live-events.ts reads it
  server = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: 'server-announce-test', username: serviceUsername('server'), password: servicePassword(serviceSecret, 'server'),
    protocolVersion: 4, reconnectPeriod: 200,
  })
  server.on('message', (topic, payload) => {
    if (topic === INTERNAL_TOPICS.alertsChanged) events.push(alertChangedEventSchema.parse(JSON.parse(payload.toString())))
  })
  await server.subscribeAsync(INTERNAL_TOPICS.alertsChanged, { qos: 1 })
})
afterAll(async () => {
  if (ingest) await stopProcess(ingest, 'SIGKILL')
  await server?.endAsync(true)
  await broker?.close()
  await db?.stop()
})

const spawnIngest = () => spawnUntilReady(INGEST_MAIN, {
  DATABASE_URL: db.url, VARDE_MQTT_URL: `mqtt://127.0.0.1:${port}`, VARDE_SERVICE_SECRET: serviceSecret, VARDE_LOG_LEVEL: 'info',
  VARDE_INGEST_CLIENT_ID: 'ingest-announce-test',
}, '"event":"ready"')

/** Polls `check` until it returns a value, for at most `ms`. */
async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('an alert opened while its announcement cannot go out', () => {
  it('reaches the server once after the broker is back and ingest, killed in between, restarts', async () => {
    ingest = await spawnIngest()
    await broker?.close()
    broker = undefined
    // a red reading stored and queued for the rules, as ingest's store statement leaves it
    const { rows: [home] } = await db.pool.query<{ patient_id: string; tenant_id: string }>('SELECT patient_id, tenant_id FROM gateways WHERE id = $1', [GATEWAY])
    const now = new Date()
    await storeBatches(db.pool, [{
      tenantId: home?.tenant_id ?? '', patientId: home?.patient_id ?? '', gatewayId: GATEWAY, batchId: 'announce-1', receivedAt: now,
      readings: [{
        measurementId: 'm1', deviceId: 'AA:BB:CC:00:00:07', type: 'spo2', value: 79, unit: '%', originalValue: null, originalUnit: null,
        measuredAt: now, flags: [], battery: null, source: 'decoded',
      }],
      rejections: [],
    }])
    // the ingest process's rules worker opens the alert (its sweep finds the queued patient) ...
    const alertId = await until('the alert to open', async () => {
      const { rows } = await db.pool.query<{ id: string }>(
        "SELECT id FROM alerts WHERE patient_id = $1 AND rule_id = 'threshold:spo2' AND status = 'open'", [home?.patient_id])
      return rows[0]?.id
    })
    // ... with nobody to tell: killed before the broker is back
    await stopProcess(ingest, 'SIGKILL')
    ingest = undefined
    expect(events.filter((e) => e.alertId === alertId)).toEqual([])

    broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
    await broker.listen(port, '127.0.0.1')
    await until('the server to reconnect', () => (server.connected ? true : undefined))
    await server.subscribeAsync(INTERNAL_TOPICS.alertsChanged, { qos: 1 })
    ingest = await spawnIngest()

    const event = await until('the alert event', () => events.find((e) => e.alertId === alertId))
    expect(event).toMatchObject({ alertId, patientId: home?.patient_id, change: 'opened', severity: 'red', status: 'open', revision: 1 })
    // once: a marker published after the outbox emptied arrives after any repeat would have
    await until('the outbox to empty', async () => {
      const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_outbox')
      return rows[0]?.n === 0 ? true : undefined
    })
    const marker = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      username: serviceUsername('ingest'), password: servicePassword(serviceSecret, 'ingest'), protocolVersion: 4,
    })
    await marker.publishAsync(INTERNAL_TOPICS.alertsChanged, JSON.stringify({ ...event, alertId: 'marker' }), { qos: 1 })
    await marker.endAsync()
    await until('the marker', () => events.find((e) => e.alertId === 'marker'))
    expect(events.filter((e) => e.alertId === alertId)).toHaveLength(1)
  }, 90_000)
})

function spawnUntilReady(script: string, env: NodeJS.ProcessEnv, readyText: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes(readyText)) {
        child.removeAllListeners('exit')
        resolve(child)
      }
    })
  })
}

// 'close' (process gone and its pipes closed): under vitest's worker the child's 'exit' event was seen to go missing
const stopProcess = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('close', () => resolve())
    child.kill(signal)
  })
