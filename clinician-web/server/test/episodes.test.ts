import { seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import type { AlertChangedEvent } from '@varde/domain'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertAlert } from './insert-alert.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// Episodes over HTTP against the real database and broker (issue 20, ADR
// 0027): a patient's SpO2 alerts are one card, acknowledged once for the
// whole; GET /api/alerts stays as the contract has it. Alerts are inserted as
// the rules worker stores them; the engine's side is
// packages/domain/src/rules/episodes.test.ts.
let db: TestDatabase
let stack: ServerStack
let nurse: string
let homes: DemoHome[]
const announced: AlertChangedEvent[] = []

interface EpisodeJson {
  id: string; patientId: string; kind: string; topic: string; severity: string; status: string; readingCount: number
  first: { value: number } | null; worst: { value: number } | null; latest: { value: number } | null
  alerts: { id: string; status: string }[]
  snooze: { until: string; reason: string; severity: string; byName: string } | null
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000)

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  stack = await startServerStack({ db, name: 'episodes-test' })
  stack.live.onAlertChanged((e) => announced.push(e))
  nurse = await stack.login('sykepleier')
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

/** A patient of the demo nurse with no alerts yet. */
async function newPatient(): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `WITH p AS (INSERT INTO patients (tenant_id, display_name) VALUES ('demo', 'Episode Pasient') RETURNING id),
          c AS (INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation)
                SELECT 'demo', p.id, u.id, 'home-care' FROM p, users u WHERE u.tenant_id = 'demo' AND u.username = 'sykepleier')
     SELECT id FROM p`)
  return rows[0]!.id
}

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method, headers: { cookie: nurse, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}
const episodesOf = async (patientId: string) =>
  (await call('GET', `/api/episodes?patientId=${patientId}`)).body.items as EpisodeJson[]

describe('GET /api/episodes and one action for the whole', () => {
  it('several SpO2 alerts of one patient are one episode with its course; acknowledged once, every alert in it is', async () => {
    const patient = await newPatient()
    const yellow = await insertAlert(db.pool, { patientId: patient, severity: 'yellow', value: 93, openedAt: minutesAgo(120) })
    const red = await insertAlert(db.pool, { patientId: patient, severity: 'red', value: 89, openedAt: minutesAgo(60) })
    const red2 = await insertAlert(db.pool, { patientId: patient, severity: 'red', value: 90, openedAt: minutesAgo(30) })

    const [episode, ...more] = await episodesOf(patient)
    expect(more).toEqual([])
    expect(episode).toMatchObject({
      id: yellow, kind: 'clinical', topic: 'vital:spo2', severity: 'red', status: 'open',
      // the worst is the lowest SpO2 seen (89), not the latest red value (90)
      first: { value: 93 }, worst: { value: 89 }, latest: { value: 90 },
    })
    expect(episode!.alerts.map((a) => a.id)).toEqual([yellow, red, red2])
    // the contract's list is unchanged: three alerts
    const open = (await call('GET', `/api/alerts?status=open&patientId=${patient}`)).body.items as { id: string }[]
    expect(open.map((a) => a.id).sort()).toEqual([yellow, red, red2].sort())

    const acked = await call('POST', `/api/episodes/${yellow}/acknowledge`, {})
    expect(acked.status).toBe(200)
    expect(acked.body).toMatchObject({ id: yellow, status: 'acknowledged' })
    expect((await call('GET', `/api/alerts?status=open&patientId=${patient}`)).body.items).toEqual([])
    // each alert's change announced, so every portal's inbox follows
    for (const id of [yellow, red, red2]) {
      await expect.poll(() => announced.some((e) => e.alertId === id && e.status === 'acknowledged')).toBe(true)
    }
    // a second acknowledge of the whole: nothing is open
    expect((await call('POST', `/api/episodes/${yellow}/acknowledge`, {})).body).toMatchObject({ error: { code: 'already-acknowledged' } })
    const { rows } = await db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_log WHERE resource_type = 'Alert' AND action = 'alert.acknowledge' AND outcome = 'allowed' AND resource_id = ANY($1)`, [[yellow, red, red2]])
    expect(Number(rows[0]!.n)).toBe(3)
  })

  it('resolving the episode resolves each alert; the episode is gone from the list', async () => {
    const patient = await newPatient()
    const a = await insertAlert(db.pool, { patientId: patient, severity: 'yellow', openedAt: minutesAgo(50) })
    await insertAlert(db.pool, { patientId: patient, severity: 'yellow', openedAt: minutesAgo(40) })
    const resolved = await call('POST', `/api/episodes/${a}/resolve`, { outcome: 'contacted-patient' })
    expect(resolved.status).toBe(200)
    expect(resolved.body).toMatchObject({ id: a, status: 'resolved' })
    expect(await episodesOf(patient)).toEqual([])
  })

  it('an alert past the window is an episode of its own; technical alerts are apart; an unknown id is 404', async () => {
    const patient = await newPatient()
    await insertAlert(db.pool, { patientId: patient, severity: 'yellow', openedAt: minutesAgo(26 * 60) })
    await insertAlert(db.pool, { patientId: patient, severity: 'yellow', openedAt: minutesAgo(10) })
    await db.pool.query(
      `UPDATE alerts SET rule_id = 'device:gateway-offline', rule_kind = 'gateway-offline'
        WHERE id = $1`, [await insertAlert(db.pool, { patientId: patient, severity: 'yellow', openedAt: minutesAgo(5) })])
    const episodes = await episodesOf(patient)
    expect(episodes.map((e) => [e.kind, e.topic])).toEqual([
      ['technical', 'rule:device:gateway-offline'],
      ['clinical', 'vital:spo2'],
      ['clinical', 'vital:spo2'],
    ])
    const technical = (await call('GET', `/api/episodes?patientId=${patient}&kind=technical`)).body.items as EpisodeJson[]
    expect(technical.map((e) => e.topic)).toEqual(['rule:device:gateway-offline'])
    expect((await call('POST', `/api/episodes/00000000-0000-4000-8000-000000000000/acknowledge`, {})).body)
      .toMatchObject({ error: { code: 'not-found' } })
  })
})

describe('snooze (issue 20, ADR 0033)', () => {
  const hoursAhead = (now: string, h: number) => new Date(Date.parse(now) + h * 3_600_000).toISOString()
  const platformNow = async () => (await call('GET', '/api/episodes')).body.now as string
  let admin: string
  const moveClock = async (body: unknown) => {
    const res = await fetch(`${stack.baseUrl}/api/admin/clock`, {
      method: 'POST', headers: { cookie: admin, 'content-type': 'application/json' }, body: JSON.stringify(body),
    })
    expect(res.status).toBe(200)
  }
  beforeAll(async () => { admin = await stack.login('admin') })
  afterAll(async () => { await moveClock({ reset: true }) })

  it('a snoozed episode leaves the inbox with its reason, and comes back by itself at its end time (platform clock)', async () => {
    const patient = await newPatient()
    const a = await insertAlert(db.pool, { patientId: patient, severity: 'yellow', openedAt: minutesAgo(20) })
    const until = hoursAhead(await platformNow(), 2)
    const snoozed = await call('POST', `/api/episodes/${a}/snooze`, { until, reason: '  Ringt pasienten, måler igjen i kveld ' })
    expect(snoozed.status).toBe(200)
    expect(snoozed.body).toMatchObject({ id: a, snooze: { until, reason: 'Ringt pasienten, måler igjen i kveld', severity: 'yellow' } })
    expect(await episodesOf(patient)).toEqual([])
    const hidden = (await call('GET', `/api/episodes?patientId=${patient}&snoozed=only`)).body.items as EpisodeJson[]
    expect(hidden.map((e) => [e.id, e.snooze?.until])).toEqual([[a, until]])
    // logged by the statement that made it, without the free text
    const { rows } = await db.pool.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_log WHERE action = 'episode.snooze' AND outcome = 'allowed' AND resource_id = $1`, [a])
    expect(rows).toHaveLength(1)
    expect(JSON.stringify(rows[0]!.details)).not.toContain('pasienten')

    await moveClock({ advance: '2h' })
    expect((await episodesOf(patient)).map((e) => [e.id, e.snooze])).toEqual([[a, null]])
    expect((await call('GET', `/api/episodes?patientId=${patient}&snoozed=only`)).body.items).toEqual([])
    await moveClock({ reset: true })
  })

  it('a red value during a yellow snooze shows the episode at once; red snoozed red stays snoozed', async () => {
    const patient = await newPatient()
    const a = await insertAlert(db.pool, { patientId: patient, severity: 'yellow', openedAt: minutesAgo(30) })
    const until = hoursAhead(await platformNow(), 4)
    expect((await call('POST', `/api/episodes/${a}/snooze`, { until, reason: 'Kjent, følges opp' })).status).toBe(200)
    expect(await episodesOf(patient)).toEqual([])
    await insertAlert(db.pool, { patientId: patient, severity: 'red', value: 89, openedAt: minutesAgo(5) })
    const [shown, ...more] = await episodesOf(patient)
    expect(more).toEqual([])
    expect(shown).toMatchObject({ id: a, severity: 'red', snooze: { until, severity: 'yellow' } })
    // snoozed again as red: a still-red value is no reason to show it
    expect((await call('POST', `/api/episodes/${a}/snooze`, { until, reason: 'Lege varslet' })).body).toMatchObject({ snooze: { severity: 'red' } })
    await insertAlert(db.pool, { patientId: patient, severity: 'red', value: 88, openedAt: minutesAgo(1) })
    expect(await episodesOf(patient)).toEqual([])
    // ended early: back
    expect((await call('DELETE', `/api/episodes/${a}/snooze`)).body).toMatchObject({ id: a, snooze: null })
    expect((await episodesOf(patient)).map((e) => e.id)).toEqual([a])
    expect((await call('DELETE', `/api/episodes/${a}/snooze`)).body).toMatchObject({ error: { code: 'not-found' } })
  })

  it('refuses an end time that passed, one past 72 h, an empty reason and an unknown episode, each with its code', async () => {
    const patient = await newPatient()
    const a = await insertAlert(db.pool, { patientId: patient, severity: 'yellow', openedAt: minutesAgo(10) })
    const now = await platformNow()
    const cases: [unknown, number, string][] = [
      [{ until: hoursAhead(now, -1), reason: 'x' }, 400, 'snooze-ended'],
      [{ until: hoursAhead(now, 73), reason: 'x' }, 400, 'snooze-too-long'],
      [{ until: hoursAhead(now, 1), reason: '   ' }, 400, 'invalid-request'],
      [{ until: 'i kveld', reason: 'x' }, 400, 'invalid-request'],
    ]
    for (const [body, status, code] of cases) {
      const res = await call('POST', `/api/episodes/${a}/snooze`, body)
      expect([res.status, (res.body.error as { code: string }).code]).toEqual([status, code])
    }
    const unknown = await call('POST', '/api/episodes/00000000-0000-4000-8000-000000000000/snooze', { until: hoursAhead(now, 1), reason: 'x' })
    expect([unknown.status, (unknown.body.error as { code: string }).code]).toEqual([404, 'not-found'])
    expect((await episodesOf(patient)).map((e) => e.id)).toEqual([a])
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'episode.snooze' AND outcome = 'denied' AND resource_id = $1`, [a])
    expect(rows[0]!.n).toBe(2)
  })

  it('the worst of an episode is its most extreme reading, also one between the alert\'s first and latest findings', async () => {
    // a home without COPD (the general SpO2 limits: red at 91 % and below), whose gateway sends one reading at a time
    const home = homes.find((h) => !h.conditions.includes('copd'))!
    const gw = await mqtt.connectAsync(stack.mqttUrl, { clientId: home.gatewayId, username: home.gatewayId, password: home.secret, clean: false, protocolVersion: 4, reconnectPeriod: 0 })
    try {
      await gw.subscribeAsync(`varde/v1/gateways/${home.gatewayId}/receipts`, { qos: 1 })
      const t0 = Date.now() - 40 * 60_000
      for (const [i, value] of [90, 84, 86, 88].entries()) {
        const batchId = `episode-worst-${i}`
        const receipt = new Promise<void>((resolve) => gw.on('message', (_t, payload) => { if ((JSON.parse(payload.toString()) as { batchId: string }).batchId === batchId) resolve() }))
        await gw.publishAsync(`varde/v1/gateways/${home.gatewayId}/measurements`, JSON.stringify({
          batchId, sentAt: new Date().toISOString(),
          measurements: [{ id: `m${i}`, deviceId: 'AA:BB:CC:00:99:01', type: 'spo2', value, unit: '%', measuredAt: new Date(t0 + i * 10 * 60_000).toISOString() }],
        }), { qos: 1 })
        await receipt
        // judged before the next is sent: each reading is a finding of its own, as a gateway sending as it measures makes them
        await expect.poll(async () => (await episodesOf(home.patientId))[0]?.readingCount ?? 0, { timeout: 10_000 }).toBe(i + 1)
      }
    } finally {
      await gw.endAsync()
    }
    const [episode, ...more] = await episodesOf(home.patientId)
    expect(more).toEqual([])
    // the alert keeps its first (90) and latest (88) findings; 84 lay between them
    expect(episode).toMatchObject({ topic: 'vital:spo2', severity: 'red', first: { value: 90 }, worst: { value: 84 }, latest: { value: 88 } })
  })
})
