import { recordObjection, seedDemo, shareAlertWithGp, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertAlert } from '../../clinician-web/server/test/insert-alert.js'
import { fhirRestTransport, startDeliveryWorker, type DeliveryWorker } from '../src/index.js'
import { startMedplumReceiver, type MedplumReceiver } from './medplum-receiver.js'

/**
 * "Del med fastlege" (docs/decisions/0023) end to end through the outbox and
 * the worker to a FHIR server no one here wrote (Medplum's, validating every
 * resource): a nurse's share of an alert that was already forwarded on its
 * own reaches the GP as a Communication of its own, with the note, beside the
 * alert's one Flag; an objection before it is sent stops it.
 */
const logger = pino({ level: process.env.TEST_LOG ?? 'silent' })
let db: TestDatabase
let receiver: MedplumReceiver
let worker: DeliveryWorker
let homes: DemoHome[]
let nurse: string

beforeAll(async () => {
  ;[db, receiver] = await Promise.all([startTestDatabase(), startMedplumReceiver()])
  homes = await seedDemo(db.pool)
  nurse = (await db.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'sykepleier'`)).rows[0]!.id
  worker = startDeliveryWorker({
    db: db.pool, log: logger, transports: { 'fhir-rest': fhirRestTransport({ timeoutMs: 2_000 }) }, demoBaseUrl: receiver.url,
    publicUrl: 'http://varde.test', pollIntervalMs: 50, isSchedulerOn: false, backoff: { baseMs: 50, maxMs: 400, maxAttempts: 30 },
  })
})
afterAll(async () => {
  await worker?.stop()
  await receiver?.stop()
  await db?.stop()
})

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
const statusOf = async (id: string) => (await db.pool.query<{ status: string }>('SELECT status FROM forwarding_outbox WHERE id = $1', [id])).rows[0]?.status
const byIdentifier = (type: string, system: string, value: string) => receiver.search(`${type}?identifier=${encodeURIComponent(`${system}|${value}`)}`)

describe('Del med fastlege', () => {
  it('a share of an alert already forwarded reaches the GP as a Communication of its own with the note; the Flag stays one', async () => {
    const kari = homes[0]!.patientId
    // red: the trigger forwards it on its own
    const alertId = await insertAlert(db.pool, { patientId: kari, severity: 'red' })
    const automatic = (await db.pool.query<{ id: string }>('SELECT id::text FROM forwarding_outbox WHERE alert_id = $1', [alertId])).rows[0]!.id
    await until('the automatic delivery', async () => (await statusOf(automatic)) === 'delivered')

    const shared = await shareAlertWithGp(db.pool, { tenantId: 'demo', alertId, byUserId: nurse, note: 'Ring pasienten i dag' })
    if (!shared.ok) throw new Error(`refused: ${shared.code}`)
    await until('the share delivered', async () => (await statusOf(shared.delivery.id)) === 'delivered')

    const [message] = await byIdentifier('Communication', 'urn:varde:alert-share-id', shared.delivery.id)
    expect(message).toMatchObject({ about: [{ type: 'Flag', identifier: { system: 'urn:varde:alert-id', value: alertId } }] })
    expect(JSON.stringify(message)).toContain('Delt av Sara Sykepleier: Ring pasienten i dag')
    expect(await byIdentifier('Communication', 'urn:varde:alert-id', alertId)).toHaveLength(1)
    expect(await byIdentifier('Flag', 'urn:varde:alert-id', alertId)).toHaveLength(1)
    expect((await receiver.state()).invalid).toEqual([])
  })

  it('an objection recorded before the share is sent stops it: nothing reaches the GP', async () => {
    const ola = homes[1]!.patientId
    await worker.stop() // nothing is sent while the share and the objection are written
    const alertId = await insertAlert(db.pool, { patientId: ola, severity: 'yellow' })
    const shared = await shareAlertWithGp(db.pool, { tenantId: 'demo', alertId, byUserId: nurse, note: null })
    if (!shared.ok) throw new Error(`refused: ${shared.code}`)
    await recordObjection(db.pool, { tenantId: 'demo', patientId: ola, scope: 'all-beyond-municipal', channel: 'phone', recordedByUserId: nurse })
    worker = startDeliveryWorker({
      db: db.pool, log: logger, transports: { 'fhir-rest': fhirRestTransport({ timeoutMs: 2_000 }) }, demoBaseUrl: receiver.url,
      publicUrl: 'http://varde.test', pollIntervalMs: 50, isSchedulerOn: false,
    })
    await worker.runOnce()
    expect(await statusOf(shared.delivery.id)).toBe('cancelled')
    expect(await byIdentifier('Communication', 'urn:varde:alert-share-id', shared.delivery.id)).toHaveLength(0)
    // and a new share is refused with the reason
    expect(await shareAlertWithGp(db.pool, { tenantId: 'demo', alertId, byUserId: nurse, note: null })).toEqual({ ok: false, code: 'patient-objects' })
  })
})
