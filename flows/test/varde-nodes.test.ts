import { createBroker, type VardeBroker } from '@varde/broker'
import { servicePassword, serviceUsername } from '@varde/config'
import { seedDemoTenants, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { INTERNAL_TOPICS, type AlertChangedEvent, type MeasurementsStoredEvent } from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startFlowAlertIntake, type FlowAlertIntake } from '../src/alert-intake.js'
import { connectFlowServices, type FlowServicesHandle } from '../src/flow-services.js'

// Varde's nodes in Node-RED's own test harness (node-red-node-test-helper),
// acting through the real services: a migrated database, a real broker, the
// real intake. Each test loads a small flow and watches a helper node.
const require = createRequire(import.meta.url)
const helper = require('node-red-node-test-helper') as {
  init(runtimePath: string, settings?: Record<string, unknown>): void
  startServer(): Promise<void>
  stopServer(): Promise<void>
  load(node: unknown, flow: unknown[]): Promise<void>
  unload(): Promise<void>
  getNode(id: string): { on(event: string, listener: (msg: Record<string, unknown>) => void): void; receive(msg: unknown): void } | null
}
const vardeNodes = require('../nodes/varde.js') as unknown
const logger = pino({ level: 'silent' })
const serviceSecret = 'flows-nodes-secret-0123456789abcdef'
let db: TestDatabase
let broker: VardeBroker
let mqttUrl: string
let services: FlowServicesHandle
let intake: FlowAlertIntake
let bus: MqttClient
let demo: DemoHome[]
let nabo: DemoHome[]

beforeAll(async () => {
  db = await startTestDatabase()
  ;({ demo, nabo } = await seedDemoTenants(db.pool))
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  mqttUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  services = connectFlowServices({ db: db.pool, tenantId: 'demo', mqttUrl, serviceSecret, logger })
  intake = startFlowAlertIntake({ db: db.pool, tenantId: 'demo', mqttUrl, serviceSecret, logger })
  // ingest's and the server's side of the bus, to announce what they would
  bus = await mqtt.connectAsync(mqttUrl, { username: serviceUsername('ingest'), password: servicePassword(serviceSecret, 'ingest'), clientId: 'flows-nodes-bus' })
  await Promise.all([services.ready, intake.ready])
  helper.init(require.resolve('node-red'), { vardeServices: services.services })
  await helper.startServer()
})
afterEach(async () => { await helper.unload() })
afterAll(async () => {
  await helper.stopServer()
  await bus?.endAsync()
  await intake?.close()
  await services?.close()
  await broker?.close()
  await db?.stop()
})

async function storeReading(home: DemoHome, type: string, value: number, unit: string, agoMs: number): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
     VALUES ($1, $2, $3, 'AA:BB:CC:00:11:22', $4, $4, $5, $6, $7, $8, now(), 'decoded') RETURNING id`,
    [home.tenantId, home.patientId, home.gatewayId, randomUUID(), type, value, unit, new Date(Date.now() - agoMs)],
  )
  return rows[0]!.id
}

function nextMessage(nodeId: string, ms = 10_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message at ${nodeId}`)), ms)
    helper.getNode(nodeId)!.on('input', (msg) => { clearTimeout(timer); resolve(msg) })
  })
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const tab = { id: 'tab1', type: 'tab', label: 'Nodetest' }
const copdHome = () => demo.find((h) => h.conditions.includes('copd'))!
const otherHome = () => demo.find((h) => !h.conditions.includes('copd'))!

describe('varde-reading-in', () => {
  it('sends the tenant\'s stored readings as ingest announces them, filtered by vital and condition, never another tenant\'s', async () => {
    await helper.load(vardeNodes, [tab,
      { id: 'in', type: 'varde-reading-in', z: 'tab1', vitals: 'spo2', condition: 'copd', historyDays: 7, live: true, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' }])
    const home = copdHome()
    const past = await storeReading(home, 'spo2', 96, '%', 2 * 86_400_000)
    const wanted = await storeReading(home, 'spo2', 92, '%', 1000)
    const pulse = await storeReading(home, 'pulse', 88, '/min', 1000)
    const noCopd = await storeReading(otherHome(), 'spo2', 91, '%', 1000)
    const neighbour = await storeReading(nabo[0]!, 'spo2', 90, '%', 1000)
    const received = nextMessage('out')
    const announce = (h: DemoHome, ids: string[]): MeasurementsStoredEvent => ({ tenantId: h.tenantId, patientId: h.patientId, gatewayId: h.gatewayId, readings: ids.map((id) => ({ id, type: 'spo2', value: 0, unit: '%', measuredAt: '', flags: [] })) })
    // another tenant's event and a patient without COPD come first: neither reaches the node
    await bus.publishAsync(INTERNAL_TOPICS.measurementsStored, JSON.stringify([announce(nabo[0]!, [neighbour]), announce(otherHome(), [noCopd]), announce(home, [wanted, pulse])]), { qos: 1 })
    const msg = await received
    expect(msg.payload).toMatchObject({ id: wanted, patientId: home.patientId, type: 'spo2', value: 92, conditions: expect.arrayContaining(['copd']) })
    expect((msg.history as { id: string }[]).map((r) => r.id)).toEqual([past, wanted])
    const logged = await db.pool.query<{ patient_id: string }>(`SELECT patient_id FROM audit_log WHERE actor = 'flows:Nodetest' AND resource_type = 'Observation'`)
    expect(new Set(logged.rows.map((r) => r.patient_id))).toEqual(new Set([home.patientId]))
  })

  it('answers an input message with the patient\'s readings, and none of another tenant\'s patient', async () => {
    await helper.load(vardeNodes, [tab,
      { id: 'in', type: 'varde-reading-in', z: 'tab1', vitals: '', condition: '', historyDays: 0, live: false, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' }])
    await storeReading(nabo[0]!, 'pulse', 61, '/min', 1000)
    const own = nextMessage('out')
    helper.getNode('in')!.receive({ payload: { patientId: copdHome().patientId, days: 7 } })
    expect((await own).payload).not.toHaveLength(0)
    const other = nextMessage('out')
    helper.getNode('in')!.receive({ payload: { patientId: nabo[0]!.patientId, days: 7 } })
    expect((await other).payload).toEqual([])
  })
})

describe('varde-raise-alert', () => {
  it('opens an alert with the flow as its source through Varde\'s intake, counts a repeat of its key, and refuses an invalid one', async () => {
    await helper.load(vardeNodes, [tab,
      { id: 'raise', type: 'varde-raise-alert', z: 'tab1', key: 'weight', severity: 'yellow', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' }])
    const home = copdHome()
    const reading = await storeReading(home, 'body-weight', 84, 'kg', 1000)
    const alertOf = () => db.pool.query<{ count: number; rule_id: string; last_finding: { source: string; readings: { measurementId: string }[] } }>(
      `SELECT count, rule_id, last_finding FROM alerts WHERE patient_id = $1 AND alert_key = 'flow:tab1:weight'`, [home.patientId])
    const payload = { patientId: home.patientId, summary: { nb: 'Vekt 84 kg', en: 'Weight 84 kg' }, measures: { kg: 84 }, readingIds: [reading] }
    const sent = nextMessage('out')
    helper.getNode('raise')!.receive({ payload })
    await sent
    const opened = await until(alertOf, (r) => r.rowCount === 1, 'the alert')
    expect(opened.rows[0]).toMatchObject({ count: 1, rule_id: 'flow:tab1', last_finding: { source: 'Node-RED: Nodetest', readings: [{ measurementId: reading }] } })
    helper.getNode('raise')!.receive({ payload })
    await until(alertOf, (r) => r.rows[0]?.count === 2, 'the repeat counted')

    const refusedBefore = intake.stats().refused
    helper.getNode('raise')!.receive({ payload: { ...payload, key: 'Not A Key!' } })
    helper.getNode('raise')!.receive({ payload: { ...payload, patientId: nabo[0]!.patientId, key: 'neighbour' } })
    await until(async () => intake.stats().refused, (n) => n === refusedBefore + 2, 'both refused')
    const stray = await db.pool.query(`SELECT 1 FROM alerts WHERE alert_key IN ('flow:tab1:neighbour', 'flow:tab1:Not A Key!')`)
    expect(stray.rowCount).toBe(0)
  })
})

describe('varde-alert-in', () => {
  it('sends the tenant\'s opened and changed alerts of the chosen severity, not another tenant\'s', async () => {
    await helper.load(vardeNodes, [tab,
      { id: 'in', type: 'varde-alert-in', z: 'tab1', changes: 'opened,updated', severity: 'red', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' }])
    const event = (tenantId: string, change: AlertChangedEvent['change'], severity: 'red' | 'yellow', alertId: string): AlertChangedEvent => ({
      tenantId, patientId: randomUUID(), alertId, change, revision: 1, severity, status: 'open', at: new Date().toISOString(),
    })
    const received = nextMessage('out')
    for (const e of [event('nabo', 'opened', 'red', 'a1'), event('demo', 'opened', 'yellow', 'a2'), event('demo', 'acknowledged', 'red', 'a3'), event('demo', 'opened', 'red', 'a4')]) {
      await bus.publishAsync(INTERNAL_TOPICS.alertsChanged, JSON.stringify(e), { qos: 1 })
    }
    expect((await received).payload).toMatchObject({ alertId: 'a4', tenantId: 'demo', change: 'opened' })
  })
})

describe('varde-patient-lookup and varde-forward', () => {
  it('finds a patient of the tenant (logged) and answers another tenant\'s as unknown', async () => {
    await helper.load(vardeNodes, [tab,
      { id: 'lookup', type: 'varde-patient-lookup', z: 'tab1', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' }])
    const found = nextMessage('out')
    helper.getNode('lookup')!.receive({ payload: { patientId: copdHome().patientId } })
    expect((await found).patient).toMatchObject({ id: copdHome().patientId, serviceState: 'active' })
    expect(Object.keys((await found).patient as object)).not.toContain('nationalId')
    helper.getNode('lookup')!.receive({ payload: { patientId: nabo[0]!.patientId } })
    const denied = await until(() => db.pool.query(`SELECT 1 FROM audit_log WHERE actor = 'flows:Nodetest' AND resource_type = 'Patient' AND outcome = 'denied'`), (r) => r.rowCount === 1, 'the refusal logged')
    expect(denied.rowCount).toBe(1)
  })

  it('hands an alert to the forwarding outbox for the recipients the patient may be forwarded to, none after an objection', async () => {
    await helper.load(vardeNodes, [tab,
      { id: 'fwd', type: 'varde-forward', z: 'tab1', recipientId: '', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' }])
    const gpPatient = await db.pool.query<{ patient_id: string }>(
      `SELECT c.patient_id FROM care_team_members c JOIN patients p ON p.id = c.patient_id WHERE c.tenant_id = 'demo' AND c.recipient_id IS NOT NULL AND c.ends_at IS NULL AND NOT p.objects_to_sharing LIMIT 2`)
    const [withGp, objecting] = gpPatient.rows.map((r) => r.patient_id)
    const openAlert = async (patientId: string) => (await db.pool.query<{ id: string }>(
      `INSERT INTO alerts (tenant_id, patient_id, alert_key, rule_id, rule_version, rule_kind, severity, first_triggered_at, last_triggered_at, summary_nb, summary_en, first_finding, last_finding)
       VALUES ('demo', $1, $2, 'flow:t', '1', 'flow', 'yellow', now(), now(), 's', 's', '{}', '{}') RETURNING id`, [patientId, `flow:t:${randomUUID()}`])).rows[0]!.id
    const forwarded = nextMessage('out')
    helper.getNode('fwd')!.receive({ payload: { alertId: await openAlert(withGp!) } })
    expect((await forwarded).forwarded).toHaveLength(1)
    await db.pool.query(`UPDATE patients SET objects_to_sharing = true WHERE id = $1`, [objecting])
    const none = nextMessage('out')
    helper.getNode('fwd')!.receive({ payload: { alertId: await openAlert(objecting!) } })
    expect((await none).forwarded).toEqual([])
  })
})
