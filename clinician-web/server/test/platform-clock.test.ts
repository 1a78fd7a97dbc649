import { createSession, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/index.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// Issue 17, "A platform clock for testers": time in a measuring plan or a
// pause is tested by moving the platform's one clock, not by waiting. An
// administrator moves it through the API in demo and test mode; every part
// follows (here: the rules in ingest, told over MQTT); production refuses.
const DAY = 24 * 3_600_000
let db: TestDatabase
let stack: ServerStack
let homes: DemoHome[]
const cookies = { admin: '', nurse: '' }

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  stack = await startServerStack({ db, name: 'platform-clock' })
  cookies.admin = await stack.login('admin')
  cookies.nurse = await stack.login('sykepleier')
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

const send = (method: string, path: string, cookie: string, body?: unknown) => fetch(`${stack.baseUrl}${path}`, {
  method, headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
})
interface ClockJson { now: string; offsetMs: number; speed: number; isWallClock: boolean }
const clock = async () => (await (await send('GET', '/api/clock', cookies.nurse)).json()) as ClockJson
const missedAlerts = async (patientId: string) => {
  const res = await send('GET', `/api/alerts?patientId=${patientId}`, cookies.nurse)
  return ((await res.json()) as { items: { rule: string }[] }).items.filter((a) => a.rule.startsWith('missed:'))
}

describe('the platform clock (issue 17)', () => {
  it('moves two days on, and the missed morning weighings follow at once, but not for a paused patient', async () => {
    // heart failure: the morning weight is due every day by 10:00 (profiles.ts); neither patient has weighed yet
    const [weighed, paused] = [homes[1]!, homes[5]!]
    expect((await clock()).isWallClock).toBe(true)
    await stack.rules.checkNow()
    expect(await missedAlerts(weighed.patientId)).toEqual([])
    // a hospital stay from now until further notice: no missed-measurement alert during it
    expect((await send('POST', `/api/patients/${paused.patientId}/pauses`, cookies.nurse, { startsAt: new Date().toISOString() })).status).toBe(201)

    const moved = await send('POST', '/api/admin/clock', cookies.admin, { advance: '2d' })
    expect(moved.status).toBe(200)
    const after = (await moved.json()) as ClockJson
    expect(after).toMatchObject({ speed: 1, isWallClock: false })
    expect(Math.abs(after.offsetMs - 2 * DAY)).toBeLessThan(5000)
    expect(Math.abs((await clock()).offsetMs - 2 * DAY)).toBeLessThan(5000)

    // ingest reloads the clock on the change event: check until it has (a deadline, not a sleep)
    const deadline = Date.now() + 10_000
    let alerts = await missedAlerts(weighed.patientId)
    while (alerts.length === 0 && Date.now() < deadline) {
      await stack.rules.checkNow()
      alerts = await missedAlerts(weighed.patientId)
    }
    expect(alerts).toEqual([expect.objectContaining({ rule: 'missed:body-weight' })])
    expect(await missedAlerts(paused.patientId)).toEqual([])
  })

  it('lets only an administrator move it, and logs each try', async () => {
    const before = await clock()
    const res = await send('POST', '/api/admin/clock', cookies.nurse, { advance: '14d' })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } })
    expect(Math.abs((await clock()).offsetMs - before.offsetMs)).toBeLessThan(5000)
    const { rows } = await db.pool.query<{ actor: string; outcome: string }>(
      `SELECT actor, outcome FROM audit_log WHERE resource_type = 'PlatformClock' ORDER BY id`)
    expect(rows).toEqual([{ actor: 'admin', outcome: 'allowed' }, { actor: 'sykepleier', outcome: 'denied' }])
  })

  it.each([
    [{}, 'nothing said'], [{ offset: '14 days' }, 'not a duration'], [{ offset: '1d', advance: '1d' }, 'two ways at once'],
    [{ speed: 0 }, 'no speed'], [{ speed: 1e9 }, 'too fast'], [{ reset: true, speed: 2 }, 'reset with a speed'], [{ jump: '1d' }, 'unknown field'],
  ])('refuses %j (%s) with 400 and moves nothing', async (body) => {
    const before = await clock()
    const res = await send('POST', '/api/admin/clock', cookies.admin, body)
    expect(res.status).toBe(400)
    expect(Math.abs((await clock()).offsetMs - before.offsetMs)).toBeLessThan(5000)
  })

  it('goes back to the wall clock on reset', async () => {
    const res = await send('POST', '/api/admin/clock', cookies.admin, { reset: true })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ isWallClock: true, speed: 1 })
  })

  it('is refused in production mode, also to an administrator', async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO users (tenant_id, username, display_name, role, password_hash) VALUES ('demo', 'prod-admin', 'Prod Admin', 'admin', 'not-a-hash') RETURNING id`)
    const cookie = `varde_session=${await createSession(db.pool, { userId: rows[0]!.id, tenantId: 'demo' }, 60_000)}`
    const app = await buildApp({ db: db.pool, live: stack.live, logger: pino({ level: 'silent' }), mode: 'production', secureCookies: false })
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const res = await fetch(`${baseUrl}/api/admin/clock`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ advance: '14d' }) })
      expect(res.status).toBe(403)
      expect(await res.json()).toMatchObject({ error: { code: 'clock-fixed' } })
      expect((await clock()).isWallClock).toBe(true)
    } finally {
      await app.close()
    }
  })
})
