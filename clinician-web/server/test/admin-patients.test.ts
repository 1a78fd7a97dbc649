import { listAccessLog, seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { nationalIdCheckDigits } from '@varde/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerStack, type ServerStack } from './server-stack.js'

// Issue 17, enrolment: an administrator writes a patient in from a national
// identity number or D-number, valid by its check digits; bad input and a
// second enrolment are refused with a clear code and store nothing.
let db: TestDatabase
let stack: ServerStack
const cookies = { admin: '', nurse: '' }

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
  stack = await startServerStack({ db, name: 'admin-patients' })
  cookies.admin = await stack.login('admin')
  cookies.nurse = await stack.login('sykepleier')
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

const enrol = (body: unknown, cookie = cookies.admin) => fetch(`${stack.baseUrl}/api/admin/patients`, {
  method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body),
})
const patientCount = async () => Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM patients WHERE tenant_id = 'demo'`)).rows[0]!.n)
/** A number for a date (DDMMYY) with valid check digits: the first individual number from 100 that has them. */
function valid(date: string): string {
  for (let i = 100; ; i++) {
    const digits = nationalIdCheckDigits(`${date}${i}`)
    if (digits !== null) return `${date}${i}${digits}`
  }
}

describe('enrolling a patient (issue 17)', () => {
  it.each([
    ['a fødselsnummer', '15076500565'],
    ['a synthetic test person (month +80)', valid('119145')],
    ['a D-number (first digit +4)', '55076500559'],
    ['a D-number on the 31st', valid('710190')],
  ])('enrols %s, once, with its access-log entry', async (_kind, nationalId) => {
    const res = await enrol({ nationalId, displayName: 'Ny Pasient', birthDate: '1965-07-15', conditions: ['copd', 'copd'] })
    expect(res.status).toBe(201)
    const { id } = (await res.json()) as { id: string }
    const { rows } = await db.pool.query('SELECT national_id, display_name, conditions, tenant_id FROM patients WHERE id = $1', [id])
    expect(rows).toEqual([{ national_id: nationalId, display_name: 'Ny Pasient', conditions: ['copd'], tenant_id: 'demo' }])
    const log = await listAccessLog(db.pool, { tenantId: 'demo', patientId: id })
    expect(log.map((e) => [e.action, e.actor, e.outcome])).toEqual([['patient.enrol', 'admin', 'allowed']])
  })

  it.each([
    ['10 digits', '1507650056', 'not-11-digits'],
    ['letters', '1507650056a', 'not-11-digits'],
    ['spaces inside', '150765 00565', 'not-11-digits'],
    ['a wrong first check digit', '15076500575', 'check-digits'],
    ['a wrong second check digit', '15076500566', 'check-digits'],
    ['made up without check digits', '12814112345', 'check-digits'],
    ['31 April', valid('310465'), 'not-a-date'],
    ['month 13', valid('011365'), 'not-a-date'],
    ['a D-number on day 72 (32nd)', valid('720165'), 'not-a-date'],
  ])('refuses %s (%s) with 400 invalid-national-id and stores nothing', async (_what, nationalId, problem) => {
    const before = await patientCount()
    const res = await enrol({ nationalId, displayName: 'Feil Nummer' })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('invalid-national-id')
    expect(body.error.message).toContain(problem)
    expect(await patientCount()).toBe(before)
  })

  it('refuses a second enrolment of the same number with 409 already-enrolled, logged, and changes nothing', async () => {
    const nationalId = valid('020280')
    expect((await enrol({ nationalId, displayName: 'Første Gang' })).status).toBe(201)
    const before = await patientCount()
    const again = await enrol({ nationalId, displayName: 'Andre Gang', conditions: ['diabetes'] })
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ error: { code: 'already-enrolled' } })
    expect(await patientCount()).toBe(before)
    const { rows } = await db.pool.query('SELECT display_name, conditions FROM patients WHERE national_id = $1', [nationalId])
    expect(rows).toEqual([{ display_name: 'Første Gang', conditions: [] }])
    const { rows: denied } = await db.pool.query(`SELECT details FROM audit_log WHERE action = 'patient.enrol' AND outcome = 'denied' AND actor = 'admin'`)
    expect(denied).toEqual([{ details: { reason: 'already-enrolled' } }])
  })

  it.each([
    [{ displayName: 'Uten Nummer' }], [{ nationalId: '15076500565' }], [{ nationalId: '15076500565', displayName: '' }],
    [{ nationalId: '15076500565', displayName: 'X', conditions: ['asthma'] }], [{ nationalId: '15076500565', displayName: 'X', birthDate: '1965-13-01' }],
    [{ nationalId: '15076500565', displayName: 'X', extra: true }],
  ])('refuses %j with 400 and stores nothing', async (body) => {
    const before = await patientCount()
    expect((await enrol(body)).status).toBe(400)
    expect(await patientCount()).toBe(before)
  })

  it('is an administrator\'s: a nurse gets 403, logged, and nothing is stored', async () => {
    const before = await patientCount()
    const res = await enrol({ nationalId: valid('030390'), displayName: 'Ikke Lov' }, cookies.nurse)
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } })
    expect(await patientCount()).toBe(before)
    const { rows } = await db.pool.query(`SELECT outcome FROM audit_log WHERE action = 'patient.enrol' AND actor = 'sykepleier'`)
    expect(rows).toEqual([{ outcome: 'denied' }])
  })
})
