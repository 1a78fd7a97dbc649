import { MAX_LIST_VIEWS, seedDemoTenants } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerStack, type ServerStack } from './server-stack.js'

// Saved views of the patient list per user (issue 20, migration 0034), over
// HTTP against the real database: each user sees, replaces and deletes only
// their own; a patient user has none; bad input is a coded 400 and stores
// nothing; the limit is a coded 409; no entry in the access log.
let db: TestDatabase
let stack: ServerStack

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemoTenants(db.pool)
  stack = await startServerStack({ db, name: 'list-views-test' })
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

const COPD_ATTENTION = {
  condition: 'copd', attention: true, sort: 'urgency', state: null, reading: null, lowAdherence: false, noContact: false,
}

async function call(cookie: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method, headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> & { items?: { id: string; name: string; view: unknown }[] } }
}
const rowsOf = async (username: string) => Number((await db.pool.query<{ n: string }>(
  'SELECT count(*) AS n FROM saved_list_views v JOIN users u ON u.id = v.user_id WHERE u.username = $1', [username])).rows[0]!.n)

describe('saved views of the patient list', () => {
  it('saves, lists by name, replaces by name and deletes a user\'s own views, and logs none of it', async () => {
    const nurse = await stack.login('sykepleier')
    const auditBefore = Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_log')).rows[0]!.n)
    const saved = await call(nurse, 'POST', '/api/list-views', { name: 'KOLS, trenger oppfølging', view: COPD_ATTENTION })
    expect(saved).toMatchObject({ status: 200, body: { id: expect.any(String), name: 'KOLS, trenger oppfølging', view: COPD_ATTENTION } })
    const other = await call(nurse, 'POST', '/api/list-views', { name: 'Alle på pause', view: { ...COPD_ATTENTION, condition: null, attention: false, state: 'paused' } })
    expect(other.status).toBe(200)
    expect((await call(nurse, 'GET', '/api/list-views')).body.items!.map((v) => v.name)).toEqual(['Alle på pause', 'KOLS, trenger oppfølging'])

    // the same name again replaces that view, keeping its id
    const replaced = await call(nurse, 'POST', '/api/list-views', { name: 'KOLS, trenger oppfølging', view: { ...COPD_ATTENTION, sort: 'adherence' } })
    expect(replaced.body).toMatchObject({ id: saved.body.id, view: { sort: 'adherence' } })
    expect(await rowsOf('sykepleier')).toBe(2)

    expect((await call(nurse, 'DELETE', `/api/list-views/${String(other.body.id)}`)).status).toBe(204)
    expect((await call(nurse, 'GET', '/api/list-views')).body.items!.map((v) => v.name)).toEqual(['KOLS, trenger oppfølging'])
    expect(await call(nurse, 'DELETE', `/api/list-views/${String(other.body.id)}`)).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } })
    // a user's settings, no patient data: nothing in the access log
    expect(Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_log')).rows[0]!.n)).toBe(auditBefore)
  })

  it('keeps each user\'s views their own: another user neither sees nor deletes them', async () => {
    const nurse = await stack.login('sykepleier')
    const clinician = await stack.login('lege')
    const mine = await call(nurse, 'POST', '/api/list-views', { name: 'Mine', view: COPD_ATTENTION })
    expect((await call(clinician, 'GET', '/api/list-views')).body.items!.map((v) => v.id)).not.toContain(mine.body.id)
    expect(await call(clinician, 'DELETE', `/api/list-views/${String(mine.body.id)}`)).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } })
    // the same name is the other user's own
    expect((await call(clinician, 'POST', '/api/list-views', { name: 'Mine', view: COPD_ATTENTION })).body.id).not.toBe(mine.body.id)
    expect((await call(nurse, 'GET', '/api/list-views')).body.items!.map((v) => v.id)).toContain(mine.body.id)
  })

  it('answers bad input with a coded 400 and stores nothing; a patient user has no list to save', async () => {
    const nurse = await stack.login('vikar')
    for (const body of [
      { name: '', view: COPD_ATTENTION },
      { name: 'x'.repeat(61), view: COPD_ATTENTION },
      { name: 'Ukjent sortering', view: { ...COPD_ATTENTION, sort: 'shoe-size' } },
      { name: 'Med søk', view: { ...COPD_ATTENTION, q: 'Kari' } },
      { name: 'Uten visning' },
    ]) {
      expect(await call(nurse, 'POST', '/api/list-views', body)).toMatchObject({ status: 400, body: { error: { code: 'invalid-request' } } })
    }
    expect(await call(nurse, 'DELETE', '/api/list-views/not-a-uuid')).toMatchObject({ status: 400, body: { error: { code: 'invalid-request' } } })
    expect(await rowsOf('vikar')).toBe(0)

    const patient = await stack.login('pasient')
    expect(await call(patient, 'GET', '/api/list-views')).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } })
    expect(await call(patient, 'POST', '/api/list-views', { name: 'Min', view: COPD_ATTENTION })).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } })
    expect((await fetch(`${stack.baseUrl}/api/list-views`)).status).toBe(401)
  })

  it('keeps a user to MAX_LIST_VIEWS views: one more is a coded 409, replacing one still works', async () => {
    const admin = await stack.login('admin')
    for (let i = 0; i < MAX_LIST_VIEWS; i++) {
      expect((await call(admin, 'POST', '/api/list-views', { name: `Visning ${i}`, view: COPD_ATTENTION })).status).toBe(200)
    }
    expect(await call(admin, 'POST', '/api/list-views', { name: 'En for mye', view: COPD_ATTENTION }))
      .toMatchObject({ status: 409, body: { error: { code: 'too-many-views' } } })
    expect((await call(admin, 'POST', '/api/list-views', { name: 'Visning 0', view: { ...COPD_ATTENTION, sort: 'name' } })).status).toBe(200)
    expect(await rowsOf('admin')).toBe(MAX_LIST_VIEWS)
  })
})
