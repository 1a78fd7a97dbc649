import { createSession, seedDemoTenants } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertAlert } from './insert-alert.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// The nurse's shift over HTTP against the real database (issue 20, migration
// 0033, docs/decisions/0034): handover notes kept as history, who is on
// which patient, and "since your last shift". Two nurses of their own, on
// patients of their own, so the demo's data does not blur the answers.
let db: TestDatabase
let stack: ServerStack
const cookie = { a: '', b: '', lege: '', admin: '', pasient: '', personvern: '', nabo: '' }
const user = { a: '', b: '', lege: '', vikar: '' }
let first = ''
let second = ''

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000)
const userIdOf = async (username: string) => (await db.pool.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [username])).rows[0]!.id
const sessionOf = async (userId: string, tenantId = 'demo') => `varde_session=${await createSession(db.pool, { userId, tenantId }, 3600_000)}`

async function nurse(username: string): Promise<string> {
  return (await db.pool.query<{ id: string }>(
    `INSERT INTO users (tenant_id, username, display_name, role, password_hash) VALUES ('demo', $1, $2, 'nurse', 'not-a-hash') RETURNING id`,
    [username, `Skift ${username}`])).rows[0]!.id
}
async function patientOf(name: string, ...carers: string[]): Promise<string> {
  const id = (await db.pool.query<{ id: string }>(`INSERT INTO patients (tenant_id, display_name) VALUES ('demo', $1) RETURNING id`, [name])).rows[0]!.id
  for (const c of carers) await db.pool.query(`INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation) VALUES ('demo', $1, $2, 'home-care')`, [id, c])
  return id
}

async function call(who: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method, headers: { cookie: who, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  return { status: res.status, body: (await res.json()) as Record<string, any> } // eslint-disable-line @typescript-eslint/no-explicit-any
}
const auditRows = async (userId: string, resourceType: string) => (await db.pool.query<{ patient_id: string | null; outcome: string; action: string }>(
  'SELECT patient_id, outcome, action FROM audit_log WHERE actor_user_id = $1 AND resource_type = $2 ORDER BY id', [userId, resourceType])).rows

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemoTenants(db.pool)
  stack = await startServerStack({ db, name: 'shift-test' })
  user.a = await nurse('skift-a')
  user.b = await nurse('skift-b')
  user.lege = await userIdOf('lege')
  user.vikar = await userIdOf('vikar')
  first = await patientOf('Første Skiftpasient', user.a, user.b, user.lege)
  second = await patientOf('Andre Skiftpasient', user.a, user.b)
  cookie.a = await sessionOf(user.a)
  cookie.b = await sessionOf(user.b)
  cookie.lege = await sessionOf(user.lege)
  cookie.admin = await sessionOf(await userIdOf('admin'))
  cookie.pasient = await sessionOf(await userIdOf('pasient'))
  cookie.personvern = await sessionOf(await userIdOf('personvern'))
  cookie.nabo = await sessionOf(await userIdOf('nabo-sykepleier'), 'nabo')
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

describe('handover notes (rapport)', () => {
  it('keeps every note with its author and time, newest first; the next shift sees the latest first', async () => {
    const one = await call(cookie.a, 'POST', `/api/patients/${first}/handover`, { text: '  Tung pust i kveld, SpO2 90 ved 21. Ring datter ved forverring.  ' })
    expect(one.status).toBe(201)
    expect(one.body).toMatchObject({ patientId: first, text: 'Tung pust i kveld, SpO2 90 ved 21. Ring datter ved forverring.', author: { id: user.a, displayName: 'Skift skift-a' } })
    const two = await call(cookie.b, 'POST', `/api/patients/${first}/handover`, { text: 'Bedre i natt, SpO2 94.' })
    expect(two.status).toBe(201)

    const history = await call(cookie.a, 'GET', `/api/patients/${first}/handover`)
    expect(history.status).toBe(200)
    expect(history.body.items.map((n: { text: string }) => n.text)).toEqual(['Bedre i natt, SpO2 94.', 'Tung pust i kveld, SpO2 90 ved 21. Ring datter ved forverring.'])
    expect(Date.parse(history.body.items[0].writtenAt)).toBeGreaterThanOrEqual(Date.parse(history.body.items[1].writtenAt))

    const shift = await call(cookie.a, 'GET', '/api/shift')
    expect(shift.body.handovers.filter((n: { patientId: string }) => n.patientId === first).map((n: { text: string }) => n.text)).toEqual(['Bedre i natt, SpO2 94.'])
    // each write and read is in the access log, as a change and a read of the patient
    expect(await auditRows(user.a, 'HandoverNote')).toEqual([
      { patient_id: first, outcome: 'allowed', action: 'change' }, { patient_id: first, outcome: 'allowed', action: 'read' },
    ])
  })

  it('refuses an empty note (400), and a note by someone who gives no care or of another tenant (404, logged)', async () => {
    expect((await call(cookie.a, 'POST', `/api/patients/${first}/handover`, { text: '   ' })).body.error.code).toBe('invalid-request')
    const nabo = await call(cookie.nabo, 'POST', `/api/patients/${first}/handover`, { text: 'fra nabo' })
    expect([nabo.status, nabo.body.error.code]).toEqual([404, 'not-found'])
    const admin = await call(cookie.admin, 'POST', `/api/patients/${first}/handover`, { text: 'fra admin' })
    expect([admin.status, admin.body.error.code]).toEqual([404, 'not-found'])
    const texts = (await db.pool.query<{ text: string }>('SELECT text FROM handover_notes WHERE patient_id = $1', [first])).rows.map((r) => r.text)
    expect(texts).not.toContain('fra nabo')
    expect(texts).not.toContain('fra admin')
    const naboRows = (await db.pool.query<{ tenant_id: string; patient_id: string | null; outcome: string }>(
      `SELECT tenant_id, patient_id, outcome FROM audit_log WHERE actor_user_id = $1 AND resource_type = 'HandoverNote'`, [await userIdOf('nabo-sykepleier')])).rows
    expect(naboRows).toEqual([{ tenant_id: 'nabo', patient_id: null, outcome: 'denied' }])
  })
})

describe('who is on which patient', () => {
  it('a nurse puts herself and a colleague on patients of the shift in progress; each sees hers first', async () => {
    const mine = await call(cookie.a, 'PUT', `/api/patients/${first}/shift-assignment`, { userId: user.a })
    expect(mine.status).toBe(200)
    expect(mine.body.assignment).toMatchObject({ patientId: first, nurse: { id: user.a }, assignedBy: { id: user.a } })
    expect((await call(cookie.a, 'PUT', `/api/patients/${second}/shift-assignment`, { userId: user.b })).status).toBe(200)

    const a = (await call(cookie.a, 'GET', '/api/shift')).body
    expect(a.mine.map((x: { patientId: string }) => x.patientId)).toEqual([first])
    expect(a.others.map((x: { patientId: string; nurse: { id: string } }) => [x.patientId, x.nurse.id])).toEqual([[second, user.b]])
    expect(a.unassigned).toEqual([])
    expect(a.canAssign).toBe(true)
    expect(a.nurses.map((n: { id: string }) => n.id)).toEqual(expect.arrayContaining([user.a, user.b]))
    const b = (await call(cookie.b, 'GET', '/api/shift')).body
    expect(b.mine.map((x: { patientId: string }) => x.patientId)).toEqual([second])
    // the handover of b's own patient comes first for b
    await call(cookie.a, 'POST', `/api/patients/${second}/handover`, { text: 'Vekt opp 1 kg.' })
    const bAgain = (await call(cookie.b, 'GET', '/api/shift')).body
    expect(bAgain.handovers[0].patientId).toBe(second)

    // taken off the shift: on no one's list
    const off = await call(cookie.a, 'PUT', `/api/patients/${second}/shift-assignment`, { userId: null })
    expect(off.body).toEqual({ assignment: null })
    expect((await call(cookie.a, 'GET', '/api/shift')).body.unassigned.map((p: { id: string }) => p.id)).toEqual([second])
    expect((await auditRows(user.a, 'ShiftAssignment')).every((r) => r.action === 'change' && r.outcome === 'allowed' && r.patient_id !== null)).toBe(true)
  })

  it('refuses a clinician as the nurse (409 not-a-nurse), a nurse off the team (400 invalid-assignee), an ended shift (409 shift-ended), a clinician assigning (403)', async () => {
    const clinician = await call(cookie.a, 'PUT', `/api/patients/${first}/shift-assignment`, { userId: user.lege })
    expect([clinician.status, clinician.body.error.code]).toEqual([409, 'not-a-nurse'])
    const offTeam = await call(cookie.a, 'PUT', `/api/patients/${first}/shift-assignment`, { userId: user.vikar })
    expect([offTeam.status, offTeam.body.error.code]).toEqual([400, 'invalid-assignee'])
    const past = await call(cookie.a, 'PUT', `/api/patients/${first}/shift-assignment`, { userId: user.a, shift: 'day', date: '2026-01-05' })
    expect([past.status, past.body.error.code]).toEqual([409, 'shift-ended'])
    const byClinician = await call(cookie.lege, 'PUT', `/api/patients/${first}/shift-assignment`, { userId: user.a })
    expect([byClinician.status, byClinician.body.error.code]).toEqual([403, 'forbidden'])
    const naboUser = await call(cookie.a, 'PUT', `/api/patients/${first}/shift-assignment`, { userId: await userIdOf('nabo-sykepleier') })
    expect([naboUser.status, naboUser.body.error.code]).toEqual([400, 'invalid-assignee'])
    const fromNabo = await call(cookie.nabo, 'PUT', `/api/patients/${first}/shift-assignment`, { userId: user.a })
    expect([fromNabo.status, fromNabo.body.error.code]).toEqual([404, 'not-found'])
  })
})

describe('since your last shift', () => {
  it('shows new, worsened and resolved episodes, missed measurements and new patients since the time asked', async () => {
    const since = minutesAgo(60)
    const worse = await patientOf('Forverret Skiftpasient', user.a)
    const newer = await patientOf('Ny Episode Skiftpasient', user.a)
    // yellow before, red since: one episode that worsened
    const yellow = await insertAlert(db.pool, { patientId: worse, severity: 'yellow', openedAt: minutesAgo(180) })
    await insertAlert(db.pool, { patientId: worse, severity: 'red', value: 89, openedAt: minutesAgo(20) })
    const fresh = await insertAlert(db.pool, { patientId: newer, severity: 'red', value: 88, openedAt: minutesAgo(10) })
    const done = await insertAlert(db.pool, { patientId: first, severity: 'yellow', openedAt: minutesAgo(30), status: 'resolved', byUserId: user.a })
    const before = await insertAlert(db.pool, { patientId: second, severity: 'yellow', openedAt: minutesAgo(300), status: 'resolved', byUserId: user.a })
    const missed = await insertAlert(db.pool, { patientId: second, severity: 'yellow', openedAt: minutesAgo(90) })
    await db.pool.query(`UPDATE alerts SET rule_kind = 'missed-measurement', rule_id = 'missed:spo2', alert_key = 'missed:spo2' WHERE id = $1`, [missed])

    // enrolled with its history (a move from another system): followed before, not new to the shift
    const moved = await patientOf('Flyttet Skiftpasient', user.a)
    await db.pool.query(
      `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
       VALUES ('demo', $1, 'demo-gw-003', 'AA:BB:CC:00:33:01', 'shift-test', 'old', 'spo2', 95, '%', $2, now(), 'gatt')`, [moved, minutesAgo(24 * 60)])

    const view = await call(cookie.a, 'GET', `/api/shift?since=${encodeURIComponent(since.toISOString())}`)
    expect(view.status).toBe(200)
    const v = view.body
    expect(v.since).toBe(since.toISOString())
    expect(v.newEpisodes.map((e: { id: string }) => e.id)).toEqual([fresh])
    expect(v.worsenedEpisodes.map((e: { id: string; severity: string }) => [e.id, e.severity])).toEqual([[yellow, 'red']])
    expect(v.resolvedEpisodes.map((e: { id: string }) => e.id)).toEqual([done])
    expect(v.resolvedEpisodes.map((e: { id: string }) => e.id)).not.toContain(before)
    expect(v.missedMeasurements).toEqual([{ id: second, displayName: 'Andre Skiftpasient', at: expect.any(String) }])
    expect(v.newPatients.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining([worse, newer]))
    expect(v.newPatients.map((p: { id: string }) => p.id)).not.toContain(moved)

    // one access-log row per patient shown, none twice
    const rows = (await db.pool.query<{ patient_id: string }>(
      `SELECT patient_id FROM audit_log WHERE actor_user_id = $1 AND resource_type = 'Shift' AND id > (SELECT max(id) - 20 FROM audit_log) ORDER BY id`, [user.a])).rows
    const last = rows.slice(-5).map((r) => r.patient_id).sort()
    expect(last).toEqual([first, second, worse, newer, moved].sort())
  })

  it('defaults "since" to the start of the shift before the one in progress (dag 07–15, kveld 15–23, natt 23–07)', async () => {
    const v = (await call(cookie.a, 'GET', '/api/shift')).body
    expect(v.since).toBe(v.previous.startsAt)
    expect(v.previous.endsAt).toBe(v.current.startsAt)
    expect(Date.parse(v.current.startsAt)).toBeLessThanOrEqual(Date.parse(v.now))
    expect(Date.parse(v.current.endsAt)).toBeGreaterThan(Date.parse(v.now))
  })

  it('is refused to the patient and the privacy officer (403, logged), and shows another tenant nothing', async () => {
    for (const who of [cookie.pasient, cookie.personvern]) {
      const r = await call(who, 'GET', '/api/shift')
      expect([r.status, r.body.error.code]).toEqual([403, 'forbidden'])
    }
    const nabo = (await call(cookie.nabo, 'GET', '/api/shift')).body
    const text = JSON.stringify(nabo)
    for (const id of [first, second, user.a, user.b]) expect(text).not.toContain(id)
    expect(text).not.toContain('Skiftpasient')
  })
})
