import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MyAnswer, MyPage, PatientObjection } from '@varde/api-contract'
import { seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Observation } from '@medplum/fhirtypes'
import { validate } from './fhir-validator.js'
import { insertAlert } from './insert-alert.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// Issue 25: the patient's own page. `pasient` (Kari Nordmann) reads her own
// readings and plan over HTTP, objects to sharing with her GP there, and the
// objection takes effect at once: the GP no longer sees her and her next red
// alert is not forwarded to the GP's practice; withdrawing it restores both.
let db: TestDatabase
let stack: ServerStack
let portalDir: string
let patient: string
let practice: string
let homes: DemoHome[]

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  portalDir = mkdtempSync(join(tmpdir(), 'varde-portal-'))
  writeFileSync(join(portalDir, 'index.html'), '<!doctype html><title>Varde</title>')
  stack = await startServerStack({ db, name: 'my-page', app: { webDistDir: portalDir } })
  patient = (await db.pool.query<{ patient_id: string }>(`SELECT patient_id FROM users WHERE username = 'pasient'`)).rows[0]!.patient_id
  // yesterday's morning weight, received a minute after it was taken
  const measuredAt = new Date(Date.now() - 86_400_000)
  await db.pool.query(
    `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
     SELECT 'demo', $1, g.id, 'AA:BB:CC:00:00:01', 'my-page', 'w1', 'body-weight', 72.4, 'kg', $2, $2::timestamptz + interval '1 minute', 'gatt'
       FROM gateways g WHERE g.patient_id = $1 AND g.revoked_at IS NULL`, [patient, measuredAt])
  practice = (await db.pool.query<{ recipient_id: string }>(
    `SELECT c.recipient_id FROM care_team_members c JOIN users u ON u.id = c.user_id WHERE u.username = 'fastlege' AND c.patient_id = $1`, [patient])).rows[0]!.recipient_id
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
  if (portalDir) rmSync(portalDir, { recursive: true, force: true })
})

const get = async (cookie: string, path: string) => fetch(`${stack.baseUrl}${path}`, { headers: { cookie } })
const post = async (cookie: string, path: string, body?: unknown) => fetch(`${stack.baseUrl}${path}`, {
  method: 'POST', headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
})
/** Whether a new red alert of the patient is queued for the GP's practice. */
async function isRedAlertForwardedToGp(): Promise<boolean> {
  const alert = await insertAlert(db.pool, { patientId: patient, severity: 'red' })
  const { rows } = await db.pool.query('SELECT 1 FROM forwarding_outbox WHERE alert_id = $1 AND recipient_id = $2', [alert, practice])
  await db.pool.query('DELETE FROM alerts WHERE id = $1', [alert])
  return rows.length > 0
}

describe('the patient\'s own page (issue 25)', () => {
  it('shows the patient her own readings with when they arrived, her targets, plan and who outside the municipality is on her team', async () => {
    const res = await get(await stack.login('pasient'), '/api/me/page')
    expect(res.status).toBe(200)
    const page = (await res.json()) as MyPage
    expect(page.displayName).toBe('Kari Nordmann')
    expect(page.readings.length).toBeGreaterThan(0)
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM measurements WHERE patient_id <> $1 AND id = ANY($2::uuid[])', [patient, page.readings.map((r) => r.id)])
    expect(Number(rows[0]!.n)).toBe(0)
    for (const r of page.readings) expect(Date.parse(r.receivedAt)).toBeGreaterThanOrEqual(Date.parse(r.measuredAt) - 60_000)
    expect(page.targets.length).toBeGreaterThan(0)
    expect(page.recipients.map((r) => r.relation)).toContain('gp')
  })

  it('stops sharing with the GP at once when she objects, logs it, and shares again when she withdraws it', async () => {
    const kari = await stack.login('pasient')
    const gp = await stack.login('fastlege')
    expect((await get(gp, `/api/patients/${patient}`)).status).toBe(200)
    expect(await isRedAlertForwardedToGp()).toBe(true)

    const page = (await (await get(kari, '/api/me/page')).json()) as MyPage
    const member = page.recipients.find((r) => r.relation === 'gp')!
    const objected = await post(kari, '/api/me/objections', { scope: 'recipient', memberId: member.memberId })
    expect(objected.status).toBe(201)
    const objection = (await objected.json()) as PatientObjection
    expect(objection.channel).toBe('digital')
    expect((await get(gp, `/api/patients/${patient}`)).status).toBe(404)
    expect(await isRedAlertForwardedToGp()).toBe(false)
    const logged = await db.pool.query(
      `SELECT 1 FROM audit_log a JOIN users u ON u.id = a.actor_user_id WHERE u.username = 'pasient' AND a.resource_type = 'Consent' AND a.outcome = 'allowed'`)
    expect(logged.rows.length).toBe(1)

    expect((await post(kari, `/api/me/objections/${objection.id}/withdraw`)).status).toBe(200)
    expect((await get(gp, `/api/patients/${patient}`)).status).toBe(200)
    expect(await isRedAlertForwardedToGp()).toBe(true)
    // a withdrawn objection cannot be withdrawn again
    expect((await post(kari, `/api/me/objections/${objection.id}/withdraw`)).status).toBe(404)
  })

  it('refuses an objection against someone not on her team outside the municipality, and records nothing', async () => {
    const kari = await stack.login('pasient')
    const nurseMember = (await db.pool.query<{ id: string }>(
      `SELECT c.id FROM care_team_members c JOIN users u ON u.id = c.user_id WHERE c.patient_id = $1 AND c.relation = 'home-care' LIMIT 1`, [patient])).rows[0]!.id
    const before = (await db.pool.query('SELECT 1 FROM patient_objections WHERE patient_id = $1', [patient])).rows.length
    const res = await post(kari, '/api/me/objections', { scope: 'recipient', memberId: nurseMember })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid-objection-target')
    expect((await db.pool.query('SELECT 1 FROM patient_objections WHERE patient_id = $1', [patient])).rows.length).toBe(before)
  })
})

describe('symptom questionnaires (issue 25, ADR 0042)', () => {
  const readingsOf = async (clientId: string) => (await db.pool.query<{ type: string; value: number; source: string; gateway_id: string }>(
    `SELECT type, value, source, gateway_id FROM measurements WHERE patient_id = $1 AND measurement_id = $2`, [patient, clientId])).rows
  /** The patient's open alert of a rule, once the rule worker has judged the new reading (woken, as ingest wakes it). */
  async function openAlert(ruleKey: string): Promise<{ severity: string } | undefined> {
    const deadline = Date.now() + 15_000
    for (;;) {
      stack.rules.wake()
      const { rows } = await db.pool.query<{ severity: string }>(
        `SELECT severity FROM alerts WHERE patient_id = $1 AND alert_key = $2 AND status <> 'resolved'`, [patient, ruleKey])
      if (rows[0] || Date.now() > deadline) return rows[0]
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  it('stores her CAT once per id as a reading of its own type, judged by her COPD rule: 32 is red', async () => {
    const kari = await stack.login('pasient')
    const body = { clientId: 'cat-2026-12-07', instrument: 'cat', answers: [4, 4, 4, 4, 4, 4, 4, 4] }
    const first = await post(kari, '/api/me/answers', body)
    expect(first.status).toBe(201)
    const answer = (await first.json()) as MyAnswer
    expect(answer).toMatchObject({ instrument: 'cat', score: 32, items: body.answers, severity: 'red', impact: 'very-high' })
    const again = await post(kari, '/api/me/answers', body)
    expect(again.status).toBe(200)
    expect(((await again.json()) as MyAnswer).readingId).toBe(answer.readingId)
    expect(await readingsOf(body.clientId)).toEqual([{ type: 'cat-score', value: 32, source: 'patient', gateway_id: 'patient-reported' }])
    expect(await openAlert('threshold:cat-score')).toEqual({ severity: 'red' })
    // the same id with other answers is not a re-send
    const reused = await post(kari, '/api/me/answers', { ...body, answers: [0, 0, 0, 0, 0, 0, 0, 0] })
    expect(reused.status).toBe(409)
    expect(((await reused.json()) as { error: { code: string } }).error.code).toBe('answer-id-reused')
  })

  it('gives the care team her CAT as a FHIR Observation: category survey, the platform\'s own code, she the performer, valid R4', async () => {
    const token = (await stack.login('sykepleier')).split('=')[1]!
    const res = await fetch(`${stack.baseUrl}/fhir/Observation?patient=${patient}&_count=200&_sort=-date`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    const bundle = (await res.json()) as { entry?: { resource: Observation }[] }
    const cat = (bundle.entry ?? []).map((e) => e.resource).find((o) => o.code?.coding?.some((c) => c.code === 'cat-total'))
    expect(cat).toBeDefined()
    expect(cat).toMatchObject({
      category: [{ coding: [{ code: 'survey' }] }],
      code: { coding: [{ system: 'urn:varde:questionnaire-score', code: 'cat-total' }] },
      valueQuantity: { value: 32, system: 'http://unitsofmeasure.org', code: '{score}' },
      performer: [{ reference: `Patient/${patient}` }],
    })
    expect(cat!.device).toBeUndefined()
    expect(validate(cat!)).toEqual([])
  })

  it.each([
    ['seven items', [1, 1, 1, 1, 1, 1, 1]],
    ['an item over 5', [1, 1, 1, 1, 1, 6, 1, 1]],
    ['a half point', [1, 1, 1, 1, 1, 2.5, 1, 1]],
    ['an item as text', [1, 1, '1', 1, 1, 1, 1, 1]],
    ['an item left out', [1, 1, null, 1, 1, 1, 1, 1]],
  ])('refuses a CAT with %s as invalid-questionnaire, stores nothing and logs the answers for review', async (name, answers) => {
    const clientId = `bad-cat-${name.replace(/ /g, '-')}`
    const res = await post(await stack.login('pasient'), '/api/me/answers', { clientId, instrument: 'cat', answers })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid-questionnaire')
    expect(await readingsOf(clientId)).toEqual([])
    const { rows } = await db.pool.query<{ details: { refused: string; answers: unknown[] } }>(
      `SELECT details FROM audit_log WHERE actor = 'pasient' AND resource_type = 'QuestionnaireResponse' AND resource_id = $1`, [clientId])
    expect(rows.map((r) => [r.details.refused, r.details.answers])).toEqual([['invalid-questionnaire', answers]])
  })

  it('takes one daily answer a day: "dårlig" (2) raises her yellow alert, a second answer today is refused', async () => {
    const kari = await stack.login('pasient')
    const res = await post(kari, '/api/me/answers', { clientId: 'daily-1', instrument: 'daily', answers: [2] })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ score: 2, severity: 'yellow', impact: null })
    expect(await openAlert('threshold:wellbeing')).toEqual({ severity: 'yellow' })
    const second = await post(kari, '/api/me/answers', { clientId: 'daily-2', instrument: 'daily', answers: [4] })
    expect(second.status).toBe(409)
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('daily-already-answered')
    expect(await readingsOf('daily-2')).toEqual([])
    const bad = await post(kari, '/api/me/answers', { clientId: 'daily-3', instrument: 'daily', answers: [0] })
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid-questionnaire')
    // her page lists the answer among her readings
    const page = (await (await get(kari, '/api/me/page')).json()) as MyPage
    expect(page.readings.filter((r) => r.type === 'wellbeing').map((r) => r.value)).toEqual([2])
  })

  it('answers a nurse as for a patient that does not exist', async () => {
    const res = await post(await stack.login('sykepleier'), '/api/me/answers', { clientId: 'nurse-1', instrument: 'daily', answers: [3] })
    expect(res.status).toBe(404)
  })
})

describe('the patient\'s own trend (issue 25)', () => {
  it('gives her the trend of her own readings by the staff trend\'s read, logged as hers, and a nurse a 404', async () => {
    const range = `from=${new Date(Date.now() - 14 * 86_400_000).toISOString()}&to=${new Date().toISOString()}`
    const res = await get(await stack.login('pasient'), `/api/me/trends?vital=body-weight&${range}`)
    expect(res.status).toBe(200)
    const trend = await res.json() as { vital: string; resolution: unknown; points: { mean: number; n: number }[] }
    expect(trend).toMatchObject({ vital: 'body-weight', resolution: 'raw' })
    expect(trend.points.map((p) => p.mean)).toContain(72.4)
    const { rows } = await db.pool.query<{ outcome: string; patient_id: string }>(
      `SELECT outcome, patient_id FROM audit_log WHERE actor = 'pasient' AND resource_type = 'Observation' AND details->>'trend' = 'body-weight' ORDER BY id DESC LIMIT 1`)
    expect(rows[0]).toEqual({ outcome: 'allowed', patient_id: patient })
    expect((await get(await stack.login('sykepleier'), `/api/me/trends?vital=body-weight&${range}`)).status).toBe(404)
    expect((await get(await stack.login('pasient'), `/api/me/trends?vital=nonsense&${range}`)).status).toBe(400)
  })
})

describe('the patient\'s live stream (issue 25)', () => {
  let readings = 0
  /** A reading as the gateway sends it (real broker, real ingest); resolves when the receipt arrives. */
  const publishSpo2 = async (gatewayId: string, batchId: string) => {
    const client = await mqtt.connectAsync(stack.mqttUrl, { clientId: gatewayId, username: gatewayId, password: `${gatewayId}-secret`, protocolVersion: 4 })
    const receipt = new Promise((resolve) => client.once('message', resolve))
    await client.subscribeAsync(`varde/v1/gateways/${gatewayId}/receipts`, { qos: 1 })
    await client.publishAsync(`varde/v1/gateways/${gatewayId}/measurements`, JSON.stringify({
      batchId, sentAt: new Date().toISOString(),
      measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:00:09', type: 'spo2', value: 96, unit: '%', measuredAt: new Date(Date.now() - 60_000 + ++readings * 1000).toISOString() }],
    }), { qos: 1 })
    await receipt
    await client.endAsync()
  }
  /** An open event stream: the bodies of its events up to and including the first whose patient is `until`. */
  const openStream = async (cookie: string) => {
    const controller = new AbortController()
    const res = await fetch(`${stack.baseUrl}/api/events`, { headers: { cookie }, signal: controller.signal })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let buffered = ''
    return {
      close: () => controller.abort(),
      async eventsUntil(until: string): Promise<{ event: string; patientId: string; body: string }[]> {
        for (;;) {
          const events = [...buffered.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({ event: m[1]!, body: m[2]!, patientId: (JSON.parse(m[2]!) as { patientId?: string; alert?: { patientId: string } }).patientId ?? '' }))
          const at = events.findIndex((e) => e.patientId === until)
          if (at >= 0) {
            buffered = ''
            return events.slice(0, at + 1)
          }
          const { value, done } = await reader.read()
          if (done) throw new Error('stream ended')
          buffered += decoder.decode(value)
        }
      },
    }
  }

  it('carries her own readings and nothing of another patient\'s, published before hers', async () => {
    const [kari, ola] = [homes[0]!, homes[1]!]
    expect(kari.patientId).toBe(patient)
    const mine = await openStream(await stack.login('pasient'))
    // the nurse sees both: when Ola's reading reaches her stream, it has reached every stream of this server
    const nurse = await openStream(await stack.login('sykepleier'))
    try {
      await publishSpo2(ola.gatewayId, 'sse-other-patient')
      expect((await nurse.eventsUntil(ola.patientId)).map((e) => e.patientId)).toEqual([ola.patientId])
      await publishSpo2(kari.gatewayId, 'sse-own')
      const events = await mine.eventsUntil(kari.patientId)
      expect(events.map((e) => [e.event, e.patientId])).toEqual([['measurement', kari.patientId]])
      expect(events.some((e) => e.body.includes(ola.patientId))).toBe(false)
    } finally {
      mine.close()
      nurse.close()
    }
  })
})
