import { createBroker, type VardeBroker } from '@varde/broker'
import { servicePassword, serviceUsername } from '@varde/config'
import { seedDemo, storeBatches } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { INTERNAL_TOPICS, type AlertChangedEvent } from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIngest, startOutboxRelay, startRuleWorker, type IngestService, type OutboxRelay, type RuleWorker } from '../src/index.js'

/**
 * The rules after storing, end to end: readings published over MQTT as a
 * gateway, stored by ingest, judged by the rules worker, alerts in the
 * database and announced on the internal topic. The clinical cases
 * themselves are a table in packages/domain/src/rules/clinical-scenarios.test.ts;
 * this suite shows the wiring keeps their promises: fires, once, updated not
 * repeated, late data never pages, nothing lost when the worker dies.
 */
const logger = pino({ level: process.env.TEST_LOG ?? 'silent' })
const serviceSecret = 'test-service-secret-0123456789abcdef'
let db: TestDatabase
let broker: VardeBroker
let ingest: IngestService
let rules: RuleWorker
let relay: OutboxRelay
let mqttUrl: string
let server: MqttClient
const events: AlertChangedEvent[] = []

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  const port = await broker.listen(0, '127.0.0.1')
  mqttUrl = `mqtt://127.0.0.1:${port}`
  relay = startOutboxRelay({ db: db.pool, mqttUrl, serviceSecret, logger })
  rules = startRuleWorker({ db: db.pool, logger, onChanged: () => relay.wake() })
  ingest = startIngest({ db: db.pool, mqttUrl, serviceSecret, logger, clientId: 'ingest-rules-test', onStored: () => rules.wake() })
  await Promise.all([ingest.ready, relay.ready])
  // the server's view: the internal alert events
  server = await mqtt.connectAsync(mqttUrl, {
    clientId: 'server-rules-test', username: serviceUsername('server'), password: servicePassword(serviceSecret, 'server'), protocolVersion: 4,
  })
  await server.subscribeAsync(INTERNAL_TOPICS.alertsChanged, { qos: 1 })
  server.on('message', (_topic, payload) => events.push(JSON.parse(payload.toString()) as AlertChangedEvent))
})
afterAll(async () => {
  await server?.endAsync()
  await ingest?.stop()
  await rules?.stop()
  await relay?.stop()
  await broker?.close()
  await db?.stop()
})

async function publish(gatewayId: string, batchId: string, measurements: object[]): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId: gatewayId, username: gatewayId, password: `${gatewayId}-secret`, protocolVersion: 4 })
  const receipt = new Promise<unknown>((resolve) => client.once('message', (_t, p) => resolve(JSON.parse(p.toString()))))
  await client.subscribeAsync(`varde/v1/gateways/${gatewayId}/receipts`, { qos: 1 })
  await client.publishAsync(`varde/v1/gateways/${gatewayId}/measurements`,
    JSON.stringify({ batchId, sentAt: new Date().toISOString(), measurements }), { qos: 1 })
  await receipt
  await client.endAsync()
}

const spo2 = (id: string, value: number, measuredAt = new Date()) =>
  ({ id, deviceId: 'AA:BB:CC:00:00:01', type: 'spo2', value, unit: '%', measuredAt: measuredAt.toISOString() })

async function alertsOf(gatewayId: string) {
  const { rows } = await db.pool.query<{
    id: string; rule_id: string; rule_version: string; alert_key: string; severity: string; status: string; count: number
    is_condition_active: boolean; summary_nb: string; last_finding: { readings: { value: number }[]; thresholds: unknown }; revision: number
  }>(
    `SELECT a.* FROM alerts a JOIN gateways g ON g.patient_id = a.patient_id WHERE g.id = $1 ORDER BY a.opened_at`, [gatewayId],
  )
  return rows
}

async function settle(): Promise<void> {
  await rules.drain()
}

/** The events announced for one alert, waiting for them as they arrive. */
async function eventsFor(alertId: string, count: number): Promise<AlertChangedEvent[]> {
  while (events.filter((e) => e.alertId === alertId).length < count) {
    await new Promise((resolve) => server.once('message', resolve))
  }
  return events.filter((e) => e.alertId === alertId)
}

describe('rules after storing', () => {
  it('opens one red alert for a COPD patient\'s SpO2 of 80 %, with the rule, version, thresholds and reading', async () => {
    await publish('demo-gw-001', 'spo2-1', [spo2('m1', 80)])
    await settle()
    const [alert, ...more] = await alertsOf('demo-gw-001')
    expect(more).toEqual([])
    expect(alert).toMatchObject({
      rule_id: 'threshold:spo2', alert_key: 'threshold:spo2', severity: 'red', status: 'open', count: 1, is_condition_active: true,
    })
    expect(alert?.rule_version).toBeTruthy()
    expect(alert?.summary_nb).toMatch(/Oksygenmetning 80/)
    expect(alert?.last_finding.readings.map((r) => r.value)).toEqual([80])
    expect(alert?.last_finding.thresholds).toBeTruthy()
    const announced = await eventsFor(alert?.id ?? '', 1)
    expect(announced).toEqual([expect.objectContaining({ change: 'opened', severity: 'red', status: 'open', revision: 1 })])
  })

  it('updates that alert for more low values instead of opening another, never lowers it, and clears it past the hysteresis', async () => {
    await publish('demo-gw-001', 'spo2-2', [spo2('m1', 81)])
    await settle()
    await publish('demo-gw-001', 'spo2-3', [spo2('m1', 86)]) // yellow for COPD: the alert stays red
    await settle()
    let [alert, ...more] = await alertsOf('demo-gw-001')
    expect(more).toEqual([])
    expect(alert).toMatchObject({ severity: 'red', count: 3, is_condition_active: true })
    await publish('demo-gw-001', 'spo2-4', [spo2('m1', 93)])
    await settle()
    ;[alert, ...more] = await alertsOf('demo-gw-001')
    expect(more).toEqual([])
    // the condition is over, but only a nurse resolves an alert
    expect(alert).toMatchObject({ severity: 'red', status: 'open', count: 3, is_condition_active: false })
    const announced = await eventsFor(alert?.id ?? '', 4)
    expect(announced.map((e) => e.change)).toEqual(['opened', 'updated', 'updated', 'cleared'])
    expect(announced.map((e) => e.revision)).toEqual([1, 2, 3, 4])
  })

  it('changes nothing when a gateway re-sends a batch', async () => {
    const [before] = await alertsOf('demo-gw-001')
    await publish('demo-gw-001', 'spo2-2', [spo2('m1', 81)])
    await settle()
    const [after] = await alertsOf('demo-gw-001')
    expect(after).toEqual(before)
  })

  it('records late store-and-forward readings as history and never pages anyone for them', async () => {
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000)
    // device-protocol.md "Time": more than 24 hours old on arrival is `late`
    await publish('demo-gw-008', 'late-1', [spo2('m1', 70, twoDaysAgo), spo2('m2', 72, new Date(Date.now() - 25 * 3600_000))])
    await settle()
    expect(await alertsOf('demo-gw-008')).toEqual([])
    const { rows } = await db.pool.query("SELECT flags FROM measurements WHERE gateway_id = 'demo-gw-008' AND batch_id = 'late-1'")
    expect(rows).toEqual([{ flags: ['late'] }, { flags: ['late'] }])
  })

  it('judges readings a crashed worker left queued when the next worker starts', async () => {
    const { rows: [home] } = await db.pool.query<{ patient_id: string; tenant_id: string }>(
      "SELECT patient_id, tenant_id FROM gateways WHERE id = 'demo-gw-012'",
    )
    const now = new Date()
    // stored (and queued) as ingest does, but no worker judged it
    await storeBatches(db.pool, [{
      tenantId: home?.tenant_id ?? '', patientId: home?.patient_id ?? '', gatewayId: 'demo-gw-012', batchId: 'orphan-1', receivedAt: now,
      readings: [{
        measurementId: 'm1', deviceId: 'AA:BB:CC:00:00:09', type: 'spo2', value: 79, unit: '%', originalValue: null, originalUnit: null,
        measuredAt: now, flags: [], battery: null, source: 'decoded',
      }],
      rejections: [],
    }])
    const worker = startRuleWorker({ db: db.pool, logger })
    await worker.drain()
    await worker.stop()
    expect(await alertsOf('demo-gw-012')).toEqual([expect.objectContaining({ rule_id: 'threshold:spo2', severity: 'red', count: 1 })])
    expect((await db.pool.query('SELECT * FROM rule_work')).rows).toEqual([])
  })

  it('raises a device alert for a gateway offline for hours, from the periodic check', async () => {
    await db.pool.query("UPDATE gateways SET state = 'offline', last_seen_at = now() - interval '30 hours' WHERE id = 'demo-gw-003'")
    expect(await rules.checkNow()).toBeGreaterThanOrEqual(1)
    const alerts = await alertsOf('demo-gw-003')
    expect(alerts).toEqual([expect.objectContaining({ rule_id: 'device:gateway-offline', status: 'open' })])
    // checking again changes nothing
    await rules.checkNow()
    expect((await alertsOf('demo-gw-003'))[0]?.revision).toBe(alerts[0]?.revision)
  })

  it('checks every page of monitored patients: a gateway offline on the last page is found with pages of two', async () => {
    // the monitored patient whose id sorts last is on the last page; an active one, not paused (a pause raises nothing)
    const { rows } = await db.pool.query<{ gateway_id: string }>(
      `SELECT g.id AS gateway_id FROM gateways g JOIN patients p ON p.id = g.patient_id
        WHERE p.service_state = 'active' AND g.id <> 'demo-gw-003'
          AND NOT EXISTS (SELECT 1 FROM service_pauses sp WHERE sp.patient_id = p.id)
        ORDER BY p.id DESC LIMIT 1`)
    const gatewayId = rows[0]!.gateway_id
    const monitored = (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM patients WHERE service_state <> 'ended'`)).rows[0]!.n
    await db.pool.query("UPDATE gateways SET state = 'offline', last_seen_at = now() - interval '30 hours' WHERE id = $1", [gatewayId])
    // the pages asked for, counted: every one, to the last
    let pages = 0
    const counted = {
      query: (text: string, values?: unknown[]) => {
        if (/FROM patients WHERE service_state <> 'ended'/.test(text)) pages++
        return db.pool.query(text, values)
      },
    } as unknown as typeof db.pool
    const worker = startRuleWorker({ db: counted, logger, checkPatients: 2, checkIntervalMs: 3_600_000 })
    try {
      await worker.checkNow()
    } finally {
      await worker.stop()
    }
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(monitored / 2))
    // (the patient may have alerts of earlier tests: this one is the device alert)
    expect((await alertsOf(gatewayId)).filter((a) => a.rule_id === 'device:gateway-offline')).toEqual([expect.objectContaining({ status: 'open' })])
  })

  it('judges a red reading stored during the periodic check before the check ends: a round between its pages, not after its last', async () => {
    // the loop runs one job at a time: a check of every monitored patient (pages of 50, each several statements)
    // held a red reading's round for seconds under the alert bench's load
    const { rows: [home] } = await db.pool.query<{ patient_id: string; tenant_id: string }>(
      "SELECT patient_id, tenant_id FROM gateways WHERE id = 'demo-gw-010'",
    )
    let pages = 0
    const paged = {
      query: async (text: string, values?: unknown[]) => {
        // the second page: a red reading is stored (and queued) as ingest does, and the worker woken as ingest wakes it
        if (/FROM patients WHERE service_state <> 'ended'/.test(text) && ++pages === 2) {
          const now = new Date()
          await storeBatches(db.pool, [{
            tenantId: home?.tenant_id ?? '', patientId: home?.patient_id ?? '', gatewayId: 'demo-gw-010', batchId: 'during-check-1', receivedAt: now,
            readings: [{
              measurementId: 'm1', deviceId: 'AA:BB:CC:00:00:10', type: 'spo2', value: 79, unit: '%', originalValue: null, originalUnit: null,
              measuredAt: now, flags: [], battery: null, source: 'decoded',
            }],
            rejections: [],
          }])
          worker.wake()
        }
        return db.pool.query(text, values)
      },
    } as unknown as typeof db.pool
    const worker = startRuleWorker({ db: paged, logger, checkPatients: 2, checkIntervalMs: 3_600_000, sweepIntervalMs: 3_600_000 })
    try {
      await worker.drain()
      await worker.checkNow()
      // when the check ends, the reading is judged already
      expect((await alertsOf('demo-gw-010')).filter((a) => a.rule_id === 'threshold:spo2')).toEqual([expect.objectContaining({ severity: 'red', status: 'open' })])
      expect(pages).toBeGreaterThan(2)
    } finally {
      await worker.stop()
    }
  })

  it('asks for the last reading of only the vitals a schedule watches, and not at all for a round whose patients have none', async () => {
    // every vital of every patient of every round held the embedded session for 150-500 ms under the alert bench
    const pick = async (where: string) => (await db.pool.query<{ patient_id: string; tenant_id: string; gateway_id: string }>(
      `SELECT p.id AS patient_id, p.tenant_id, g.id AS gateway_id FROM patients p JOIN gateways g ON g.patient_id = p.id
        WHERE p.service_state = 'active' AND ${where} AND NOT EXISTS (SELECT 1 FROM rule_overrides o WHERE o.patient_id = p.id)
        ORDER BY g.id LIMIT 1`)).rows[0]!
    const unscheduled = await pick("NOT ('heart-failure' = ANY(p.conditions))")
    const weighed = await pick("'heart-failure' = ANY(p.conditions)") // the morning weight (missed:body-weight)
    const asked: { patients: string[]; types: string[] }[] = []
    const watched = {
      query: (text: string, values?: unknown[]) => {
        if (/AS patient_id, t\.type, last\.at/.test(text)) asked.push({ patients: values?.[0] as string[], types: values?.[1] as string[] })
        return db.pool.query(text, values)
      },
    } as unknown as typeof db.pool
    const store = (home: typeof unscheduled, batchId: string) => {
      const now = new Date()
      return storeBatches(db.pool, [{
        tenantId: home.tenant_id, patientId: home.patient_id, gatewayId: home.gateway_id, batchId, receivedAt: now,
        readings: [{
          measurementId: 'm1', deviceId: 'AA:BB:CC:00:00:11', type: 'pulse', value: 72, unit: 'bpm', originalValue: null, originalUnit: null,
          measuredAt: now, flags: [], battery: null, source: 'decoded',
        }],
        rejections: [],
      }])
    }
    const worker = startRuleWorker({ db: watched, logger, sweepIntervalMs: 3_600_000, checkIntervalMs: 3_600_000 })
    try {
      await worker.drain()
      asked.length = 0
      await store(unscheduled, 'no-schedule-1')
      worker.wake()
      await worker.drain()
      expect(asked).toEqual([])
      await store(weighed, 'weighed-1')
      worker.wake()
      await worker.drain()
      expect(asked).toEqual([{ patients: [weighed.patient_id], types: ['body-weight'] }])
    } finally {
      await worker.stop()
    }
  })
})
