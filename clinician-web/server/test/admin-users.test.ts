import { hashSecret, listAccessLog, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerStack, type ServerStack } from './server-stack.js'

// Users and roles per tenant (issue 17), from outside over HTTP against the
// real server and database: an administrator creates a nurse whose first
// password is shown once and works; puts her on a patient's care team, which
// opens the patient to her; disables her, which refuses the very next request
// of her session and her next login; and cannot see or touch another
// tenant's users (answered as unknown ones).
let db: TestDatabase
let stack: ServerStack
let homes: DemoHome[]
let adminCookie: string

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  await db.pool.query(`INSERT INTO tenants (id, name) VALUES ('other', 'Annen kommune')`)
  await db.pool.query(`INSERT INTO users (tenant_id, username, display_name, role, password_hash) VALUES ('other', 'other-admin', 'Annen Admin', 'admin', $1)`, [await hashSecret('other-pw')])
  // a live stream's own session check comes only after a minute: a stream that ends sooner was ended by the disabling
  stack = await startServerStack({ db, name: 'admin-users-test', app: { sessionCheckMs: 60_000 } })
  adminCookie = await stack.login('admin')
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

const api = (cookie: string, method: string, path: string, body?: unknown) =>
  fetch(`${stack.baseUrl}${path}`, { method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) })
const logIn = (username: string, password: string) => fetch(`${stack.baseUrl}/api/session`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
})
const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0]!
const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code

interface UserList { items: { id: string; username: string; role: string; isEnabled: boolean; patients: { memberId: string; patientId: string }[] }[]; patients: { id: string }[] }

describe('users and roles by the admin API', () => {
  it('creates a nurse with a password shown once; she logs in, is put on a care team, and once disabled her session is refused at once', async () => {
    const created = await api(adminCookie, 'POST', '/api/admin/users', { username: 'ny-sykepleier', displayName: 'Nora Ny', role: 'nurse' })
    expect(created.status).toBe(201)
    expect(created.headers.get('cache-control')).toBe('no-store')
    const { id, password } = (await created.json()) as { id: string; password: string }
    expect(password).toHaveLength(16)
    const stored = (await db.pool.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [id])).rows[0]!
    expect(stored.password_hash).toMatch(/^\$argon2id\$/) // hashed as the seed's and every login's
    const list = (await (await api(adminCookie, 'GET', '/api/admin/users')).json()) as UserList
    expect(list.items.find((u) => u.id === id)).toMatchObject({ username: 'ny-sykepleier', role: 'nurse', isEnabled: true, patients: [] })
    expect(JSON.stringify(list)).not.toContain(password)

    const login = await logIn('ny-sykepleier', password)
    expect(login.status).toBe(204)
    const nurse = cookieOf(login)
    expect(await (await api(nurse, 'GET', '/api/patients')).json()).toMatchObject({ items: [] })

    // on the care team: the patient opens to her, the decision is the administrator's
    const team = await api(adminCookie, 'POST', `/api/admin/users/${id}/care-team`, { patientId: homes[0]!.patientId })
    expect(team.status).toBe(201)
    const { memberId } = (await team.json()) as { memberId: string }
    expect((await api(nurse, 'GET', `/api/patients/${homes[0]!.patientId}`)).status).toBe(200)
    expect(await codeOf(await api(adminCookie, 'POST', `/api/admin/users/${id}/care-team`, { patientId: homes[0]!.patientId }))).toBe('already-member')

    // taken off again: the patient is closed to her at once
    expect((await api(adminCookie, 'POST', `/api/admin/users/${id}/care-team/${memberId}/end`)).status).toBe(204)
    expect((await api(nurse, 'GET', `/api/patients/${homes[0]!.patientId}`)).status).toBe(404)

    // her live page is open: disabling her ends it at once, not at its next session check
    const events = await fetch(`${stack.baseUrl}/api/events`, { headers: { cookie: nurse } })
    expect(events.status).toBe(200)
    const reader = events.body!.getReader()
    const streamEnded = (async () => { while (!(await reader.read()).done) { /* heartbeats and events until the server ends it */ } })()

    expect((await api(adminCookie, 'PATCH', `/api/admin/users/${id}`, { isEnabled: false })).status).toBe(204)
    await streamEnded
    const refused = await api(nurse, 'GET', '/api/session')
    expect(refused.status).toBe(401)
    expect(await codeOf(refused)).toBe('unauthenticated')
    expect((await db.pool.query('SELECT 1 FROM sessions WHERE user_id = $1', [id])).rowCount).toBe(0)
    expect(await codeOf(await logIn('ny-sykepleier', password))).toBe('invalid-credentials')

    // enabled again with a reset password: the old one no longer works, the new one does
    expect((await api(adminCookie, 'PATCH', `/api/admin/users/${id}`, { isEnabled: true })).status).toBe(204)
    const reset = (await (await api(adminCookie, 'POST', `/api/admin/users/${id}/password`)).json()) as { password: string }
    expect((await logIn('ny-sykepleier', password)).status).toBe(401)
    expect((await logIn('ny-sykepleier', reset.password)).status).toBe(204)

    const actions = (await listAccessLog(db.pool, { tenantId: 'demo', limit: 50 })).filter((e) => e.actor === 'admin' && e.resourceId === id).map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['user.create', 'user.update', 'user.reset-password']))
  })

  it('sets a role; refuses a taken username, demoting or disabling oneself, and a privacy officer on a care team, each with its code and nothing changed', async () => {
    const created = (await (await api(adminCookie, 'POST', '/api/admin/users', { username: 'ny-lege', displayName: 'Lars Lege', role: 'nurse' })).json()) as { id: string }
    expect((await api(adminCookie, 'PATCH', `/api/admin/users/${created.id}`, { role: 'clinician' })).status).toBe(204)
    const again = await api(adminCookie, 'POST', '/api/admin/users', { username: 'ny-lege', displayName: 'Another', role: 'nurse' })
    expect(again.status).toBe(409)
    expect(await codeOf(again)).toBe('username-taken')
    expect((await db.pool.query(`SELECT display_name, role FROM users WHERE username = 'ny-lege'`)).rows).toEqual([{ display_name: 'Lars Lege', role: 'clinician' }])

    const adminId = (await db.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`)).rows[0]!.id
    expect(await codeOf(await api(adminCookie, 'PATCH', `/api/admin/users/${adminId}`, { isEnabled: false }))).toBe('own-account')
    expect(await codeOf(await api(adminCookie, 'PATCH', `/api/admin/users/${adminId}`, { role: 'nurse' }))).toBe('own-account')

    const officer = (await (await api(adminCookie, 'POST', '/api/admin/users', { username: 'ny-personvern', displayName: 'Pia Personvern', role: 'privacy-officer' })).json()) as { id: string }
    expect(await codeOf(await api(adminCookie, 'POST', `/api/admin/users/${officer.id}/care-team`, { patientId: homes[1]!.patientId }))).toBe('not-a-carer')
    expect((await db.pool.query('SELECT 1 FROM care_team_members WHERE user_id = $1', [officer.id])).rowCount).toBe(0)
    expect((await api(adminCookie, 'POST', '/api/admin/users', { username: 'Bad Name', displayName: 'x', role: 'nurse' })).status).toBe(400)
    expect((await api(adminCookie, 'POST', '/api/admin/users', { username: 'ny-pasient', displayName: 'x', role: 'patient' })).status).toBe(400)
  })

  it('is for a tenant\'s admin only; another tenant\'s admin neither sees nor changes our users (404, as for an unknown id)', async () => {
    const nurse = await stack.login('sykepleier')
    expect((await api(nurse, 'GET', '/api/admin/users')).status).toBe(403)
    const nurseId = (await db.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'sykepleier'`)).rows[0]!.id
    const other = await stack.login('other-admin', 'other-pw')
    const theirs = (await (await api(other, 'GET', '/api/admin/users')).json()) as UserList
    expect(theirs.items.map((u) => u.username)).toEqual(['other-admin'])
    expect(theirs.patients).toEqual([])
    for (const [method, path, body] of [
      ['PATCH', `/api/admin/users/${nurseId}`, { isEnabled: false }], ['POST', `/api/admin/users/${nurseId}/password`, undefined],
      ['POST', `/api/admin/users/${nurseId}/care-team`, { patientId: homes[0]!.patientId }],
    ] as const) {
      const res = await api(other, method, path, body)
      expect([res.status, await codeOf(res)], path).toEqual([404, 'not-found'])
    }
    expect((await api(nurse, 'GET', '/api/session')).status).toBe(200) // still enabled, still logged in
  })
})
