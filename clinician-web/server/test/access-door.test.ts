import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSession, findPatientForUser, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { nationalIdCheckDigits } from '@varde/domain'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/index.js'
import type { DeclaredRoute } from '../src/plugins/route-access.js'
import { insertAlert } from './insert-alert.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// Issue 15, acceptance: every route of the app's own route table says in
// `config.access` whether it touches patients' data (the app does not start
// with one that does not say), and is held to it here against the real
// database. A `patient` route, called by a nurse without a care relationship
// to the patient, answers as for an id that does not exist; called by one
// with a relationship it leaves exactly one access-log entry. An `admin`
// route refuses a nurse (403, one entry) and leaves one entry for the
// administrator. A `none` route leaves no entry and shows no patient's data.
// A route added later is walked too: only its sample request (below) must be
// written, and the walk fails until it is.
let db: TestDatabase
let stack: ServerStack
let homes: DemoHome[]
let portalDir: string

/** The patient whose data every request is after, and the values that name its data. */
interface Ids { patient: string; nationalId: string; gateway: string; alert: string; pause: string; observation: string; member: string; objection: string; user: string; delivery: string; audit: string; practitioner: string; organization: string }
let target: { ids: Ids; displayName: string }
/** Ids that name nothing, of the same forms. */
const unknown = (): Ids => ({
  patient: randomUUID(), nationalId: '01017012345', gateway: 'gw-unknown0000', alert: randomUUID(), pause: '999999999',
  observation: `${randomUUID()}.${Date.now().toString(36)}`, member: randomUUID(), objection: randomUUID(), user: randomUUID(), delivery: '999999999', audit: '999999999',
  practitioner: randomUUID(), organization: 'no-such-tenant',
})
/** Nurses: `carer` gives the target care (and no one else), `stranger` gives care to another patient only. */
const cookies = { carer: '', stranger: '', admin: '', nurse: '', privacy: '', patient: '' }
const carerId = { value: '' }
let deviceCount = 0

async function addNurse(username: string, patientId: string): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (tenant_id, username, display_name, role, password_hash) VALUES ('demo', $1, $1, 'nurse', 'not-a-hash') RETURNING id`, [username])
  const userId = rows[0]!.id
  await db.pool.query(`INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation) VALUES ('demo', $1, $2, 'home-care')`, [patientId, userId])
  return userId
}
const userOfCookie = new Map<string, string>()
async function cookieOf(userId: string): Promise<string> {
  const cookie = `varde_session=${await createSession(db.pool, { userId, tenantId: 'demo' }, 3600_000)}`
  userOfCookie.set(cookie, userId)
  return cookie
}
const userIdOf = async (username: string) => (await db.pool.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [username])).rows[0]!.id

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  portalDir = mkdtempSync(join(tmpdir(), 'varde-portal-'))
  writeFileSync(join(portalDir, 'index.html'), '<!doctype html><title>Varde</title>')
  stack = await startServerStack({ db, name: 'access-door', app: { webDistDir: portalDir } })
  const patient = homes[2]!
  const { rows } = await db.pool.query<{ national_id: string; display_name: string }>('SELECT national_id, display_name FROM patients WHERE id = $1', [patient.patientId])
  carerId.value = await addNurse('eneste', patient.patientId)
  cookies.carer = await cookieOf(carerId.value)
  cookies.stranger = await cookieOf(await addNurse('fremmed', homes[0]!.patientId))
  cookies.admin = await cookieOf(await userIdOf('admin'))
  cookies.nurse = await cookieOf(await userIdOf('sykepleier'))
  cookies.privacy = await cookieOf(await userIdOf('personvern'))
  cookies.patient = await cookieOf(await userIdOf('pasient'))
  target = {
    displayName: rows[0]!.display_name,
    ids: {
      patient: patient.patientId, nationalId: rows[0]!.national_id, gateway: patient.gatewayId,
      alert: await insertAlert(db.pool, { patientId: patient.patientId, severity: 'red' }),
      pause: await startPause(patient.patientId, cookies.carer),
      observation: await bloodPressure(patient.patientId, patient.gatewayId),
      member: randomUUID(), objection: randomUUID(), user: randomUUID(), delivery: '999999999',
      audit: (await db.pool.query<{ id: string }>('SELECT max(id)::text AS id FROM audit_log')).rows[0]!.id,
      // the carer as a Practitioner: on the target's care team only, so the stranger may not read them
      practitioner: carerId.value, organization: 'demo',
    },
  }
  practiceId.value = (await db.pool.query<{ id: string }>(`SELECT id FROM forwarding_recipients WHERE name = 'Demo legekontor'`)).rows[0]!.id
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
  if (portalDir) rmSync(portalDir, { recursive: true, force: true })
})

/** A blood-pressure measurement of the patient (two readings, one FHIR Observation): its Observation id. */
async function bloodPressure(patientId: string, gatewayId: string): Promise<string> {
  const at = new Date(Date.now() - 120_000)
  const { rows } = await db.pool.query<{ id: string; type: string }>(
    `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
     VALUES ('demo', $1, $2, 'AA:BB:CC:00:00:99', 'door', 'bp', 'bp-systolic', 128, 'mm[Hg]', $3, now(), 'gatt'),
            ('demo', $1, $2, 'AA:BB:CC:00:00:99', 'door', 'bp', 'bp-diastolic', 84, 'mm[Hg]', $3, now(), 'gatt')
     RETURNING id, type`, [patientId, gatewayId, at])
  return `${rows.find((r) => r.type === 'bp-systolic')!.id}.${at.getTime().toString(36)}`
}

/** A pause that began a minute ago and runs until further notice, so that ending it succeeds. */
async function startPause(patientId: string, cookie: string): Promise<string> {
  await db.pool.query('DELETE FROM service_pauses WHERE patient_id = $1', [patientId])
  const res = await fetch(`${stack.baseUrl}/api/patients/${patientId}/pauses`, {
    method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ startsAt: new Date(Date.now() - 60_000).toISOString() }),
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { id: string }).id
}

interface Sample {
  /** Query string (without `?`). */
  query?: (ids: Ids) => string
  body?: (ids: Ids) => unknown
  /** Puts the target in the state in which the request succeeds; may give fresh ids (a new alert, a new gateway). */
  prepare?: (ids: Ids) => Promise<Partial<Ids>>
}

/**
 * The request each route is called with, by `METHOD url`. A route that has
 * none fails the walk: whoever adds a route adds its line here.
 */
const SAMPLES: Record<string, Sample> = {
  'GET /api/patients': {},
  'GET /api/patients/:id': {},
  'GET /api/patients/:id/measurements': {},
  'GET /api/patients/:id/trends': { query: () => 'vital=spo2&from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z' },
  'GET /api/patients/:id/rules': {},
  'PUT /api/patients/:id/rules/:ruleId': { body: () => ({ isEnabled: true, reason: 'access test' }) },
  'POST /api/patients/:id/rules/:ruleId/what-if': { body: () => ({ isEnabled: true }) },
  'GET /api/patients/:id/pauses': {},
  'POST /api/patients/:id/pauses': {
    body: () => ({ startsAt: new Date(Date.now() + 86_400_000).toISOString() }),
    prepare: async (ids) => { await db.pool.query('DELETE FROM service_pauses WHERE patient_id = $1', [ids.patient]); return {} },
  },
  'POST /api/patients/:id/pauses/:pauseId/end': { body: () => ({}), prepare: async (ids) => ({ pause: await startPause(ids.patient, cookies.carer) }) },
  'GET /api/alerts': { query: (ids) => `patientId=${ids.patient}&limit=1` },
  'GET /api/alerts/:id': {},
  'POST /api/alerts/:id/acknowledge': { body: () => ({}), prepare: freshAlert },
  'POST /api/alerts/:id/assign': { body: () => ({ userId: carerId.value }), prepare: freshAlert },
  'POST /api/alerts/:id/resolve': { body: () => ({ outcome: 'no-action-needed' }), prepare: freshAlert },
  'POST /api/alerts/:id/notes': { body: () => ({ text: 'access test' }), prepare: freshAlert },
  // an episode's id is its earliest alert's: an alert older than the patient's others starts one
  'GET /api/episodes': { query: (ids) => `patientId=${ids.patient}`, prepare: patientWithOneAlert },
  'POST /api/episodes/:id/acknowledge': { body: () => ({}), prepare: freshEpisode },
  'POST /api/episodes/:id/assign': { body: () => ({ userId: carerId.value }), prepare: freshEpisode },
  'POST /api/episodes/:id/resolve': { body: () => ({ outcome: 'no-action-needed' }), prepare: freshEpisode },
  'POST /api/episodes/:id/snooze': { body: () => ({ until: new Date(Date.now() + 3_600_000).toISOString(), reason: 'access test' }), prepare: freshEpisode },
  'DELETE /api/episodes/:id/snooze': { prepare: snoozedEpisode },
  'GET /api/events': {},
  'GET /fhir/Patient/:id': {},
  'GET /fhir/Patient': { query: (ids) => `identifier=${encodeURIComponent(`urn:oid:2.16.578.1.12.4.1.4.1|${ids.nationalId}`)}` },
  'GET /fhir/Device': { query: (ids) => `identifier=${ids.gateway}` },
  'GET /fhir/Observation': { query: (ids) => `patient=${ids.patient}` },
  'GET /fhir/Observation/$lastn': { query: (ids) => `patient=${ids.patient}&max=2` },
  'GET /fhir/Device/:id': {},
  'GET /fhir/Observation/:id': {},
  'GET /fhir/Practitioner': {},
  'GET /fhir/Practitioner/:id': {},
  // administration: a gateway for a patient that has none, and fresh ones to act on
  'GET /api/admin/gateways': {},
  'POST /api/admin/gateways': { body: (ids) => ({ patientId: ids.patient }), prepare: async () => ({ patient: await newPatient() }) },
  'POST /api/admin/gateways/:id/rotate': { prepare: freshGateway },
  'POST /api/admin/gateways/:id/revoke': { prepare: freshGateway },
  'POST /api/admin/gateways/:id/devices': { body: () => ({ deviceId: `AA:BB:CC:00:00:${String(++deviceCount).padStart(2, '0')}` }), prepare: freshGateway },
  'DELETE /api/admin/gateways/:id/devices/:deviceId': { prepare: async () => pairedDevice() },
  // the platform clock: moved to where it is (no offset), so the other routes' times stay the wall clock's
  'POST /api/admin/clock': { body: () => ({ offset: '0' }) },
  'POST /api/admin/patients': { body: () => ({ nationalId: nextNationalId(), displayName: 'Ny Pasient' }) },
  'GET /api/admin/gateways/overview': {},
  'GET /api/admin/gateways/:id/rejections': {},
  // users and roles (issue 17): a fresh user to act on each time
  'GET /api/admin/users': {},
  'POST /api/admin/users': { body: () => ({ username: `ny-${randomUUID().slice(0, 8)}`, displayName: 'Ny Bruker', role: 'nurse' }) },
  'PATCH /api/admin/users/:id': { body: () => ({ role: 'clinician' }), prepare: freshUser },
  'POST /api/admin/users/:id/password': { prepare: freshUser },
  'POST /api/admin/users/:id/care-team': { body: (ids) => ({ patientId: ids.patient }), prepare: freshUser },
  'POST /api/admin/users/:id/care-team/:memberId/end': {
    prepare: async (ids) => {
      const { user } = await freshUser()
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation) VALUES ('demo', $1, $2, 'home-care') RETURNING id`, [ids.patient, user])
      return { user, member: rows[0]!.id }
    },
  },
  // the course of service (issue 17): ending it ends a fresh patient the carer gives care to, not the target
  'GET /api/patients/:id/service': {},
  'GET /api/patients/:id/threshold-proposals': {},
  'PUT /api/patients/:id/self-care-plan': { body: () => ({ text: 'Vei deg hver morgen før frokost.' }) },
  'POST /api/patients/:id/service/end': { body: () => ({ reason: 'access test' }), prepare: async () => ({ patient: await newPatientOfCarer() }) },
  // the care team (issue 18): an outside organisation added and ended, an objection against the GP practice recorded and withdrawn
  'GET /api/patients/:id/care-team': {},
  'POST /api/patients/:id/care-team': { body: () => ({ relation: 'hospital', organisation: { name: 'Sykehuset Demo', number: '999000222' }, reason: 'access test' }) },
  'POST /api/patients/:id/care-team/:memberId/end': { body: () => ({ reason: 'access test' }), prepare: freshMember },
  'POST /api/patients/:id/objections': { body: () => ({ scope: 'recipient', recipientId: practiceId.value, channel: 'phone' }), prepare: withdrawObjections },
  'POST /api/patients/:id/objections/:objectionId/withdraw': { body: () => ({ channel: 'phone' }), prepare: freshObjection },
  // "Del med fastlege", the deliveries' administration and FHIR CareTeam (docs/decisions/0023)
  'POST /api/alerts/:id/share': { body: () => ({ note: 'access test' }), prepare: gpToShareWith },
  'GET /api/admin/deliveries': {},
  'POST /api/admin/deliveries/:id/requeue': { prepare: freshDeadLetter },
  // the recipients' settings (issue 18's left-over): the demo GP practice's weekly summary switched, which no test relies on
  'GET /api/admin/recipients': {},
  'PATCH /api/admin/recipients/:id': { body: () => ({ sends: { weeklySummary: false } }), prepare: demoPractice },
  // issue 20: a rule change replayed over all the tenant's patients (its administrator only)
  'POST /api/admin/what-if': { body: () => ({ ruleId: 'threshold:spo2', isEnabled: true, days: 1 }) },
  'GET /fhir/CareTeam': { query: (ids) => `patient=${ids.patient}` },
  'GET /fhir/CareTeam/:id': {},
  // log control (issue 19): emergency access to a patient on no team of the caller; the privacy officer's log; the patient's report
  'POST /api/patients/:id/emergency-access': { body: () => ({ reason: 'access test: akutt innleggelse', password: 'demo' }), prepare: async () => ({ patient: await newPatient() }) },
  'GET /api/log-control/entries': { query: (ids) => `patient=${ids.patient}&show=flagged&limit=5` },
  'GET /api/log-control/entries/:id': {},
  'POST /api/log-control/entries/:id/review': { body: () => ({ note: 'access test' }) },
  'GET /api/log-control/report': { query: () => `month=${new Date().toISOString().slice(0, 7)}` },
  'GET /api/log-control/export': { query: (ids) => `patient=${ids.patient}&format=jsonl` },
  'GET /api/log-control/report/summary': { query: () => `month=${new Date().toISOString().slice(0, 7)}&format=csv` },
  'GET /api/me/access-report': {},
  // the patient's own page (issue 25): the patient is the session's; an objection to all sharing recorded and withdrawn
  'GET /api/me/page': {},
  'GET /api/me/trends': { query: () => 'vital=spo2&from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z' },
  'POST /api/me/objections': { body: () => ({ scope: 'all-beyond-municipal' }), prepare: async () => withdrawObjections({ ...target.ids, patient: await ownPatientId() }) },
  'POST /api/me/objections/:objectionId/withdraw': { prepare: freshOwnObjection },
  // symptom questionnaires (issue 25, ADR 0042): a CAT, which has no one-a-day limit, under a new id each call
  'POST /api/me/answers': { body: () => ({ clientId: randomUUID(), instrument: 'cat', answers: [1, 1, 1, 1, 1, 1, 1, 1] }) },
  'GET /fhir/AuditEvent': { query: (ids) => `patient=${ids.patient}` },
  'GET /fhir/AuditEvent/:id': {},
  // the nurse's shift (issue 20, docs/decisions/0034): the view (a row per patient shown: the carer's one), handover notes, who is on the patient
  'GET /api/shift': {},
  'GET /api/patients/:id/handover': {},
  'POST /api/patients/:id/handover': { body: () => ({ text: 'access test' }) },
  'PUT /api/patients/:id/shift-assignment': { body: () => ({ userId: carerId.value }) },
}
/** The patient's GP practice on the team, forwarding to the demo practice, no objection in force, and a fresh alert to share. */
async function gpToShareWith(ids: Ids): Promise<Partial<Ids>> {
  await withdrawObjections(ids)
  practiceId.value ||= (await db.pool.query<{ id: string }>(`SELECT id FROM forwarding_recipients WHERE name = 'Demo legekontor'`)).rows[0]!.id
  await db.pool.query(
    `INSERT INTO care_team_members (tenant_id, patient_id, relation, organisation_number, recipient_id, decision_reason)
     SELECT 'demo', $1, 'gp', '999000111', $2, 'access test'
      WHERE NOT EXISTS (SELECT 1 FROM care_team_members WHERE patient_id = $1 AND relation = 'gp' AND ends_at IS NULL)`,
    [ids.patient, practiceId.value])
  return freshAlert(ids)
}
async function freshDeadLetter(ids: Ids): Promise<Partial<Ids>> {
  practiceId.value ||= (await db.pool.query<{ id: string }>(`SELECT id FROM forwarding_recipients WHERE name = 'Demo legekontor'`)).rows[0]!.id
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO forwarding_outbox (tenant_id, recipient_id, patient_id, kind, window_start, window_end, status, attempts, settled_at, last_error)
     VALUES ('demo', $1, $2, 'readings', now() - interval '1 day', now(), 'dead', 30, now(), 'recipient-unreachable: ECONNREFUSED') RETURNING id::text`,
    [practiceId.value, ids.patient])
  return { delivery: rows[0]!.id }
}
const practiceId = { value: '' }
async function demoPractice(): Promise<Partial<Ids>> {
  practiceId.value ||= (await db.pool.query<{ id: string }>(`SELECT id FROM forwarding_recipients WHERE name = 'Demo legekontor'`)).rows[0]!.id
  return {}
}
async function freshUser(): Promise<{ user: string }> {
  const name = `ny-${randomUUID().slice(0, 8)}`
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (tenant_id, username, display_name, role, password_hash) VALUES ('demo', $1, $1, 'nurse', 'not-a-hash') RETURNING id`, [name])
  return { user: rows[0]!.id }
}
async function freshMember(): Promise<Partial<Ids>> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO care_team_members (tenant_id, patient_id, relation, organisation_number, decision_reason) VALUES ('demo', $1, 'hospital', '999000333', 'access test') RETURNING id`,
    [target.ids.patient])
  return { member: rows[0]!.id }
}
async function withdrawObjections(ids: Ids): Promise<Partial<Ids>> {
  await db.pool.query(`UPDATE patient_objections SET withdrawn_at = now(), withdrawal_channel = 'phone' WHERE patient_id = $1 AND withdrawn_at IS NULL`, [ids.patient])
  return {}
}
/** The patient the demo patient user `pasient` is (Kari Nordmann). */
async function ownPatientId(): Promise<string> {
  return (await db.pool.query<{ patient_id: string }>(`SELECT patient_id FROM users WHERE username = 'pasient'`)).rows[0]!.patient_id
}
async function freshOwnObjection(): Promise<Partial<Ids>> {
  const patient = await ownPatientId()
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO patient_objections (tenant_id, patient_id, scope, recipient_id, channel, objected_on, recorded_by_user_id)
     SELECT 'demo', $1, 'recipient', id, 'digital', current_date, $2 FROM forwarding_recipients WHERE name = 'Demo legekontor' RETURNING id`,
    [patient, await userIdOf('pasient')])
  return { objection: rows[0]!.id }
}
async function freshObjection(ids: Ids): Promise<Partial<Ids>> {
  practiceId.value ||= (await db.pool.query<{ id: string }>(`SELECT id FROM forwarding_recipients WHERE name = 'Demo legekontor'`)).rows[0]!.id
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO patient_objections (tenant_id, patient_id, scope, recipient_id, channel, objected_on, recorded_by_user_id)
     VALUES ('demo', $1, 'recipient', $2, 'phone', current_date, $3) RETURNING id`, [ids.patient, practiceId.value, carerId.value])
  return { objection: rows[0]!.id }
}
/** A new valid national id each call (the synthetic month +80, the next individual number with check digits). */
let individual = 100
function nextNationalId(): string {
  for (;;) {
    const firstNine = `0181${String(50 + Math.floor(individual / 900)).padStart(2, '0')}${String(100 + (individual++ % 900))}`
    const digits = nationalIdCheckDigits(firstNine)
    if (digits !== null) return `${firstNine}${digits}`
  }
}
/** One alert shown, one entry: the patient's other alerts resolved, one new. */
async function patientWithOneAlert(ids: Ids): Promise<Partial<Ids>> {
  await db.pool.query(`UPDATE alerts SET status = 'resolved', resolved_at = now(), outcome = 'no-action-needed' WHERE patient_id = $1 AND status <> 'resolved'`, [ids.patient])
  await insertAlert(db.pool, { patientId: ids.patient, severity: 'yellow' })
  return {}
}
/** An alert older than the patient's others, and days from any other such: an episode of its own, headed by it. */
let episodesMade = 0
async function freshEpisode(ids: Ids): Promise<Partial<Ids>> {
  return { alert: await insertAlert(db.pool, { patientId: ids.patient, severity: 'yellow', openedAt: new Date(Date.now() - (400 + 3 * ++episodesMade) * 86_400_000) }) }
}
/** A fresh episode, snoozed for an hour (migration 0032), so that ending its snooze succeeds. */
async function snoozedEpisode(ids: Ids): Promise<Partial<Ids>> {
  const { alert } = await freshEpisode(ids)
  await db.pool.query(
    `INSERT INTO episode_snoozes (tenant_id, episode_id, patient_id, until, reason, severity, by_user_id, by_name)
     VALUES ('demo', $1, $2, now() + interval '1 hour', 'access test', 'yellow', $3, 'access test')`, [alert, ids.patient, carerId.value])
  return { alert }
}
async function freshAlert(ids: Ids): Promise<Partial<Ids>> {
  return { alert: await insertAlert(db.pool, { patientId: ids.patient, severity: 'yellow' }) }
}
async function newPatient(): Promise<string> {
  return (await db.pool.query<{ id: string }>(`INSERT INTO patients (tenant_id, display_name) VALUES ('demo', 'Ny Pasient') RETURNING id`)).rows[0]!.id
}
/** A new patient the carer gives care to; the carer's earlier such patients are left, so the carer's own list stays the target alone. */
async function newPatientOfCarer(): Promise<string> {
  await db.pool.query('UPDATE care_team_members SET ends_at = now() WHERE user_id = $1 AND patient_id <> $2 AND ends_at IS NULL', [carerId.value, target.ids.patient])
  const patient = await newPatient()
  await db.pool.query(`INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation) VALUES ('demo', $1, $2, 'home-care')`, [patient, carerId.value])
  return patient
}
async function freshGateway(): Promise<Partial<Ids>> {
  const res = await fetch(`${stack.baseUrl}/api/admin/gateways`, {
    method: 'POST', headers: { cookie: cookies.admin, 'content-type': 'application/json' }, body: JSON.stringify({ patientId: await newPatient() }),
  })
  expect(res.status).toBe(201)
  return { gateway: ((await res.json()) as { id: string }).id }
}
let pairedDeviceId = ''
async function pairedDevice(): Promise<Partial<Ids>> {
  const { gateway } = await freshGateway()
  pairedDeviceId = `AA:BB:CC:00:01:${String(++deviceCount).padStart(2, '0')}`
  const res = await fetch(`${stack.baseUrl}/api/admin/gateways/${gateway}/devices`, {
    method: 'POST', headers: { cookie: cookies.admin, 'content-type': 'application/json' }, body: JSON.stringify({ deviceId: pairedDeviceId }),
  })
  expect(res.status).toBe(201)
  return { gateway }
}

/** A path parameter's value, by the segment before it (`/patients/:id`, `/alerts/:id` …). */
function paramValue(url: string, name: string, ids: Ids): string {
  const before = url.split(`:${name}`)[0]!.split('/').filter(Boolean).at(-1)
  if (name === 'ruleId') return 'threshold:spo2'
  if (name === 'pauseId') return ids.pause
  if (name === 'memberId') return ids.member
  if (name === 'objectionId') return ids.objection
  if (before === 'recipients') return practiceId.value || randomUUID()
  if (before === 'entries' || before === 'AuditEvent') return ids.audit
  if (name === 'deviceId') return pairedDeviceId || 'AA:BB:CC:00:00:00'
  if (name === '*') return 'index.html'
  const byResource: Record<string, string> = {
    patients: ids.patient, Patient: ids.patient, alerts: ids.alert, episodes: ids.alert, gateways: ids.gateway, Device: ids.gateway, Observation: ids.observation, users: ids.user,
    // a saved view of the patient list (issue 20) is a user's own setting, no patient data: an id of no view of the caller's
    'list-views': ids.alert,
    CareTeam: ids.patient, deliveries: ids.delivery, Practitioner: ids.practitioner, Organization: ids.organization,
  }
  const value = before ? byResource[before] : undefined
  if (!value) throw new Error(`no value for :${name} of ${url}: name it in paramValue`)
  return value
}

interface Answer { url: string; status: number; code: string | undefined; body: string }

async function call(route: DeclaredRoute, ids: Ids, cookie: string, baseUrl = stack.baseUrl, sample: Sample = SAMPLES[`${route.method} ${route.url}`] ?? {}): Promise<Answer> {
  const path = route.url.replace(/:(\w+)|\*/g, (_, name: string | undefined) => encodeURIComponent(paramValue(route.url, name ?? '*', ids)))
  const query = sample.query ? `?${sample.query(ids)}` : ''
  const body = sample.body?.(ids)
  const url = `${path}${query}`
  const res = await fetch(`${baseUrl}${url}`, {
    method: route.method, redirect: 'manual',
    headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  // an event stream has no end: its headers are the answer (its log entry is written before them)
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel()
    return { url, status: res.status, code: undefined, body: '' }
  }
  const text = await res.text()
  let code: string | undefined
  try {
    const json = JSON.parse(text) as { error?: { code?: string }; resourceType?: string; issue?: { code?: string }[] }
    code = json.error?.code ?? (json.resourceType === 'OperationOutcome' ? json.issue?.[0]?.code : undefined)
  } catch { /* not JSON: the portal's files */ }
  return { url, status: res.status, code, body: text }
}

/** Access-log entries written as the user of a session cookie. */
const auditCount = async (cookie: string) => {
  const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE actor_user_id = $1', [userOfCookie.get(cookie)])
  return Number(rows[0]!.n)
}

/** The routes as the app declared them, each method once (HEAD and OPTIONS are GET's and CORS's). */
const declaredRoutes = () => stack.app.declaredRoutes().filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS')
/** The answer names the target patient beyond what the request itself said (a FHIR self link repeats its query). */
const revealsTarget = (answer: Answer) => [target.ids.patient, target.ids.nationalId, target.displayName]
  .filter((s) => !decodeURIComponent(answer.url).includes(s))
  .some((s) => answer.body.includes(s))

/** A list or search that found nothing: `{ items: [] }`, or a FHIR Bundle without entries. */
function isEmptyList(answer: Answer): boolean {
  if (answer.status !== 200) return false
  const json = JSON.parse(answer.body) as { items?: unknown[]; resourceType?: string; entry?: unknown[] }
  return (Array.isArray(json.items) && json.items.length === 0) || (json.resourceType === 'Bundle' && (json.entry ?? []).length === 0)
}

/** What is wrong with a `patient` route: the door's two promises, checked against the real database. */
async function checkPatientRoute(route: DeclaredRoute, baseUrl = stack.baseUrl): Promise<string[]> {
  const problems: string[] = []
  const name = `${route.method} ${route.url}`
  const sample = SAMPLES[name] ?? {}
  const ids = { ...target.ids, ...(await sample.prepare?.(target.ids)) }
  // both at once: the stranger's call changes nothing, the carer's names nothing (the carer's entries are counted after both)
  const [strangers, nobodys] = await Promise.all([call(route, ids, cookies.stranger, baseUrl), call(route, unknown(), cookies.carer, baseUrl)])
  if (strangers.status !== nobodys.status || strangers.code !== nobodys.code) {
    problems.push(`${name}: without a relationship ${strangers.status} ${strangers.code}, for an unknown id ${nobodys.status} ${nobodys.code}`)
  }
  if (revealsTarget(strangers)) problems.push(`${name}: shows the patient to a caller without a relationship`)

  const fresh = { ...ids, ...(await sample.prepare?.(ids)) }
  const before = await auditCount(cookies.carer)
  const carers = await call(route, fresh, cookies.carer, baseUrl)
  const entries = (await auditCount(cookies.carer)) - before
  if (carers.status >= 300) problems.push(`${name}: the carer's call failed, ${carers.status} ${carers.code} (fix its sample)`)
  if (entries !== 1) problems.push(`${name}: ${entries} access-log entries for one call by a carer`)
  return problems
}

describe('the door to health data (issue 15)', () => {
  it('refuses to start with a route that does not say whether it touches patient data', async () => {
    const app = await buildApp({ db: db.pool, live: stack.live, logger: pino({ level: 'silent' }), mode: 'demo' })
    app.get('/api/undeclared', async () => ({}))
    await expect(app.ready()).rejects.toThrow(/GET \/api\/undeclared/)
  })

  it('has every route of the table declared, and a sample request for each route that touches patient data', () => {
    const routes = declaredRoutes()
    // the walk sees the whole app: a broken table would walk nothing and pass
    expect(routes.map((r) => `${r.method} ${r.url} ${r.access}`)).toEqual(expect.arrayContaining([
      'GET /api/patients/:id/measurements patient', 'PUT /api/patients/:id/rules/:ruleId patient', 'GET /fhir/Observation patient', 'GET /fhir/Observation/:id patient', 'GET /fhir/Device/:id patient',
      'DELETE /api/admin/gateways/:id/devices/:deviceId admin', 'POST /api/session none', 'GET /fhir/metadata none', 'GET /* none',
    ]))
    const withoutSample = routes.filter((r) => r.access !== 'none' && !SAMPLES[`${r.method} ${r.url}`]).map((r) => `${r.method} ${r.url}`)
    expect(withoutSample).toEqual([])
  })

  it('answers a caller without a care relationship as for an id that does not exist, and logs each call with one once', async () => {
    const problems: string[] = []
    for (const route of declaredRoutes().filter((r) => r.access === 'patient')) problems.push(...(await checkPatientRoute(route)))
    expect(problems).toEqual([])
  })

  it('catches a route that reads patient data around the door', async () => {
    // two routes as a hurried hand might write them: one checks the relationship but logs nothing, one checks nothing
    const app = await buildApp({ db: db.pool, live: stack.live, logger: pino({ level: 'silent' }), mode: 'demo' })
    app.get<{ Params: { id: string } }>('/api/patients/:id/unlogged', { config: { access: 'patient' } }, async (request, reply) => {
      const u = request.user!
      const patient = await findPatientForUser(db.pool, u.tenantId, u.userId, request.params.id)
      return patient ? { name: patient.displayName } : reply.code(404).send({ error: { code: 'not-found', message: '' } })
    })
    app.get<{ Params: { id: string } }>('/api/patients/:id/unchecked', { config: { access: 'patient' } }, async (request, reply) => {
      const { rows } = await db.pool.query<{ display_name: string }>('SELECT display_name FROM patients WHERE id::text = $1', [request.params.id])
      await request.access?.patients.list()
      return rows[0] ? { name: rows[0].display_name } : reply.code(404).send({ error: { code: 'not-found', message: '' } })
    })
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const unlogged = await checkPatientRoute({ method: 'GET', url: '/api/patients/:id/unlogged', access: 'patient' }, baseUrl)
      expect(unlogged).toEqual(['GET /api/patients/:id/unlogged: 0 access-log entries for one call by a carer'])
      const unchecked = await checkPatientRoute({ method: 'GET', url: '/api/patients/:id/unchecked', access: 'patient' }, baseUrl)
      expect(unchecked).toEqual([
        'GET /api/patients/:id/unchecked: without a relationship 200 undefined, for an unknown id 404 not-found',
        'GET /api/patients/:id/unchecked: shows the patient to a caller without a relationship',
      ])
    } finally {
      await app.close()
    }
  })

  it('refuses administration to a nurse (403, logged once) and logs each call by the administrator once', async () => {
    const problems: string[] = []
    for (const route of declaredRoutes().filter((r) => r.access === 'admin')) {
      const name = `${route.method} ${route.url}`
      const sample = SAMPLES[name]!
      const ids = { ...target.ids, ...(await sample.prepare?.(target.ids)) }
      // the nurse and the administrator at once: the nurse is refused by role, whatever the state, and each one's entries are counted apart
      const counted = async (cookie: string) => {
        const before = await auditCount(cookie)
        const answer = await call(route, ids, cookie)
        return { answer, entries: (await auditCount(cookie)) - before }
      }
      const [nurses, admins] = await Promise.all([counted(cookies.nurse), counted(cookies.admin)])
      if (nurses.answer.status !== 403 || nurses.answer.code !== 'forbidden' || nurses.entries !== 1) problems.push(`${name}: a nurse got ${nurses.answer.status} ${nurses.answer.code}, ${nurses.entries} entries`)
      if (admins.answer.status >= 300 || admins.entries !== 1) problems.push(`${name}: the administrator got ${admins.answer.status} ${admins.answer.code}, ${admins.entries} entries`)
    }
    expect(problems).toEqual([])
  })

  it('opens emergency access only to a nurse or clinician who says the password, one entry per call, grant or refusal (issue 19)', async () => {
    const problems: string[] = []
    for (const route of declaredRoutes().filter((r) => r.access === 'emergency')) {
      const name = `${route.method} ${route.url}`
      const sample = SAMPLES[name]!
      const ids = { ...target.ids, ...(await sample.prepare?.(target.ids)) }
      for (const [who, cookie, expected] of [['an administrator', cookies.admin, 403], ['a nurse, unknown id', cookies.nurse, 404], ['a nurse', cookies.nurse, 201]] as const) {
        const before = await auditCount(cookie)
        const answer = await call(route, who === 'a nurse, unknown id' ? unknown() : ids, cookie)
        const entries = (await auditCount(cookie)) - before
        if (answer.status !== expected || entries !== 1) problems.push(`${name}: ${who} got ${answer.status} ${answer.code}, ${entries} entries`)
      }
    }
    expect(problems).toEqual([])
  })

  it('lets only the privacy officer (or the patient, their own) read the access log, one entry per call, and refuses a nurse with one (issue 19)', async () => {
    const problems: string[] = []
    for (const route of declaredRoutes().filter((r) => r.access === 'log')) {
      const name = `${route.method} ${route.url}`
      const reader = route.url === '/api/me/access-report' ? cookies.patient : cookies.privacy
      for (const [who, cookie] of [['a nurse', cookies.carer], ['its reader', reader]] as const) {
        const before = await auditCount(cookie)
        const answer = await call(route, target.ids, cookie)
        const entries = (await auditCount(cookie)) - before
        const isRefused = answer.status === 403 || answer.status === 404
        if (entries !== 1 || (who === 'a nurse' ? !isRefused || revealsTarget(answer) : answer.status >= 300)) {
          problems.push(`${name}: ${who} got ${answer.status} ${answer.code}, ${entries} entries`)
        }
      }
    }
    expect(problems).toEqual([])
  })

  it('keeps the patient\'s own page to the patient user: any other user is answered 404, one entry per call either way (issue 25)', async () => {
    const problems: string[] = []
    const self = declaredRoutes().filter((r) => r.access === 'self')
    expect(self.length).toBeGreaterThanOrEqual(3)
    for (const route of self) {
      const name = `${route.method} ${route.url}`
      for (const [who, cookie] of [['a nurse', cookies.carer], ['the patient', cookies.patient]] as const) {
        const ids = { ...target.ids, ...(await SAMPLES[name]?.prepare?.(target.ids)) }
        const before = await auditCount(cookie)
        const answer = await call(route, ids, cookie)
        const entries = (await auditCount(cookie)) - before
        const isRight = who === 'a nurse' ? answer.status === 404 && answer.code === 'not-found' : answer.status < 300
        if (entries !== 1 || !isRight || revealsTarget(answer)) problems.push(`${name}: ${who} got ${answer.status} ${answer.code}, ${entries} entries`)
      }
    }
    expect(problems).toEqual([])
  })

  it('gives the patient user no other patient\'s data on any route of the table, with that patient\'s ids (issue 25)', async () => {
    const problems: string[] = []
    for (const route of declaredRoutes().filter((r) => r.access !== 'none')) {
      const name = `${route.method} ${route.url}`
      const ids = { ...target.ids, ...(await SAMPLES[name]?.prepare?.(target.ids)) }
      const answer = await call(route, ids, cookies.patient)
      // her own page and her own access report answer with her own data; the event stream carries only what she may see
      const isOwn = route.url.startsWith('/api/me/') || route.url === '/api/events'
      if (!isOwn && answer.status !== 403 && answer.status !== 404 && !isEmptyList(answer)) problems.push(`${name}: ${answer.status} ${answer.code}`)
      if (revealsTarget(answer)) problems.push(`${name}: shows the other patient`)
    }
    expect(problems).toEqual([])
  })

  it('leaves no access-log entry and shows no patient on the routes that say they touch no patient data', async () => {
    const problems: string[] = []
    for (const route of declaredRoutes().filter((r) => r.access === 'none')) {
      const name = `${route.method} ${route.url}`
      // logging out ends the session it is sent with: a session of its own
      const endsSession = (route.method === 'DELETE' && route.url === '/api/session') || route.url === '/api/session/helseid/logout' || route.url === '/api/session/idporten/logout'
      const cookie = endsSession ? await cookieOf(carerId.value) : cookies.carer
      const before = await auditCount(cookie)
      const answer = await call(route, target.ids, cookie)
      const entries = (await auditCount(cookie)) - before
      if (entries !== 0) problems.push(`${name}: ${entries} access-log entries`)
      if (answer.status >= 500) problems.push(`${name}: ${answer.status}`)
      if (revealsTarget(answer)) problems.push(`${name}: shows a patient`)
    }
    expect(problems).toEqual([])
  })
})
