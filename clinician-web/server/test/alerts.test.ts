import { hashSecret, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import type { AlertChangedEvent } from '@varde/domain'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LiveEvents } from '../src/index.js'
import { startServerStack, type ServerStack } from './server-stack.js'
import { insertAlert } from './insert-alert.js'

// The alert inbox and lifecycle against the real database, broker and (for
// the last test) ingest with its rules worker. Alerts are inserted as the
// rules store them, so every state can be set up directly. Demo care teams:
// `sykepleier` (home care) has every patient; `lege` (hospital) only those
// shared with the hospital, and not Berit Kristiansen, who objects to sharing.
let db: TestDatabase
let stack: ServerStack
let live: LiveEvents
let homes: DemoHome[]
let baseUrl: string
let mqttUrl: string
let users: Record<string, string>
let otherPatientId: string
const announced: AlertChangedEvent[] = []

// demo patients by index (packages/db demo-seed.ts)
const KARI = 0, OLA = 1, INGRID = 2, PER = 3, ASTRID = 4, KNUT = 5, BERIT = 8, JON = 9, ERLING = 11
const patient = (i: number) => homes[i]!.patientId
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000)

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  await db.pool.query(`INSERT INTO tenants (id, name) VALUES ('other', 'Annen kommune')`)
  await db.pool.query(
    `INSERT INTO users (tenant_id, username, display_name, role, password_hash) VALUES ('other', 'annen-sykepleier', 'Annen Sykepleier', 'nurse', $1)`,
    [await hashSecret('other-pw')],
  )
  users = Object.fromEntries((await db.pool.query<{ username: string; id: string }>('SELECT username, id FROM users')).rows.map((r) => [r.username, r.id]))
  otherPatientId = (await db.pool.query<{ id: string }>(
    `WITH p AS (INSERT INTO patients (tenant_id, display_name) VALUES ('other', 'Annen Pasient') RETURNING id),
          c AS (INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation) SELECT 'other', id, $1, 'home-care' FROM p)
     SELECT id FROM p`,
    [users['annen-sykepleier']],
  )).rows[0]!.id
  stack = await startServerStack({ db, name: 'alerts-test' })
  ;({ live, baseUrl, mqttUrl } = stack)
  live.onAlertChanged((e) => announced.push(e))
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

const login = (username: string, password?: string) => stack.login(username, password)

interface AlertJson {
  id: string; patientId: string; patientName: string; severity: string; status: string; rule: string; openedAt: string
  summary: string; summaries: { nb: string; en: string }; revision: number; readings: { type: string; value: number; unit: string }[]
  thresholds: Record<string, unknown>; acknowledgedBy: string | null; assignedTo: string | null; assignedToUserId: string | null
  outcome: string | null; resolutionNote: string | null; resolvedBy: string | null; count: number
}

async function call(cookie: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}${path}`, {
    method, headers: { cookie, ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}
const listIds = async (cookie: string, query: string) =>
  ((await call(cookie, 'GET', `/api/alerts${query}`)).body.items as AlertJson[]).map((a) => a.id)

async function auditOf(alertId: string): Promise<{ actor: string; action: string; outcome: string }[]> {
  const { rows } = await db.pool.query<{ actor: string; action: string; outcome: string }>(
    `SELECT actor, action, outcome FROM audit_log WHERE resource_type = 'Alert' AND resource_id = $1 ORDER BY id`, [alertId])
  return rows
}

/** Resolves once an event matching `predicate` has been announced on the alerts topic. */
async function announcement(predicate: (e: AlertChangedEvent) => boolean): Promise<AlertChangedEvent> {
  for (;;) {
    const found = announced.find(predicate)
    if (found) return found
    await new Promise<void>((resolve) => {
      const off = live.onAlertChanged(() => { off(); resolve() })
    })
  }
}

interface SseEvent { event: string; data: { alert: AlertJson } }

/** An open `/api/events` stream: every event received, and a wait for the next matching one. */
async function openEvents(cookie: string) {
  const controller = new AbortController()
  const res = await fetch(`${baseUrl}/api/events`, { headers: { cookie }, signal: controller.signal })
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  const events: SseEvent[] = []
  let wake: (() => void) | null = null
  let buffer = ''
  let isConnected = false
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (block === ': connected') isConnected = true
        const event = /^event: (.+)$/m.exec(block)?.[1]
        const data = /^data: (.+)$/m.exec(block)?.[1]
        if (event && data) events.push({ event, data: JSON.parse(data) })
      }
      wake?.()
    }
  })()
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise<void>((resolve) => { wake = resolve })
  }
  await until(() => isConnected) // the server subscribes to live events before it says so
  return {
    alerts: () => events.filter((e) => e.event === 'alert').map((e) => e.data.alert),
    async nextAlert(predicate: (a: AlertJson) => boolean): Promise<AlertJson> {
      let found: AlertJson | undefined
      await until(() => (found = events.filter((e) => e.event === 'alert').map((e) => e.data.alert).find(predicate)) !== undefined)
      return found!
    },
    close: () => controller.abort(),
  }
}

describe('the inbox', () => {
  it('lists alerts red first, then oldest first, with the contract\'s fields, filtered by status and patient', async () => {
    const sykepleier = await login('sykepleier')
    const yellowOld = await insertAlert(db.pool, { patientId: patient(KARI), severity: 'yellow', openedAt: minutesAgo(300) })
    const redNew = await insertAlert(db.pool, { patientId: patient(OLA), severity: 'red', openedAt: minutesAgo(5) })
    const redOld = await insertAlert(db.pool, { patientId: patient(INGRID), severity: 'red', openedAt: minutesAgo(90) })
    const acknowledged = await insertAlert(db.pool, { patientId: patient(KARI), severity: 'yellow', openedAt: minutesAgo(600), status: 'acknowledged', byUserId: users.sykepleier })
    const resolved = await insertAlert(db.pool, { patientId: patient(OLA), severity: 'red', openedAt: minutesAgo(1000), status: 'resolved', byUserId: users.sykepleier })

    const open = await call(sykepleier, 'GET', '/api/alerts?status=open')
    expect(open.status).toBe(200)
    const items = open.body.items as AlertJson[]
    expect(items.map((a) => a.id)).toEqual([redOld, redNew, yellowOld])
    for (const a of items) {
      expect(a).toMatchObject({ id: expect.any(String), patientId: expect.any(String), severity: expect.stringMatching(/^(red|yellow)$/),
        status: 'open', rule: 'threshold:spo2', openedAt: expect.any(String), summary: expect.any(String) })
    }
    expect(items[0]).toMatchObject({
      patientId: patient(INGRID), patientName: 'Ingrid Johansen', severity: 'red', summary: 'Oksygenmetning 88 % (rød grense ≤ 91 %)',
      summaries: { en: 'Oxygen saturation 88% (red limit ≤ 91%)' }, count: 1, revision: 1,
      readings: [{ type: 'spo2', value: 88, unit: '%' }], thresholds: { vitals: [{ vital: 'spo2' }] },
      acknowledgedBy: null, assignedTo: null, outcome: null,
    })
    expect(items[0]).not.toHaveProperty('readings.0.measurementId') // no gateway or batch ids in the view

    // the unresolved by default, in the same order whatever their status
    expect(await listIds(sykepleier, '')).toEqual([redOld, redNew, acknowledged, yellowOld])
    expect(await listIds(sykepleier, '?status=open&status=acknowledged')).toEqual([redOld, redNew, acknowledged, yellowOld])
    expect(await listIds(sykepleier, '?status=resolved')).toEqual([resolved])
    expect(await listIds(sykepleier, `?patientId=${patient(KARI)}`)).toEqual([acknowledged, yellowOld])
    expect((await call(sykepleier, 'GET', '/api/alerts?status=closed')).body).toMatchObject({ error: { code: 'invalid-request' } })
    expect((await call(sykepleier, 'GET', '/api/alerts?patientId=nope')).status).toBe(400)

    const english = await call(sykepleier, 'GET', '/api/alerts?status=open', undefined, { 'accept-language': 'en-GB,en;q=0.9,nb;q=0.5' })
    expect((english.body.items as AlertJson[])[0]?.summary).toBe('Oxygen saturation 88% (red limit ≤ 91%)')

    // the patient list's traffic light counts unresolved alerts; "needs attention" the unacknowledged of them
    const patients = (await call(sykepleier, 'GET', '/api/patients')).body.items as { id: string; openAlerts: unknown }[]
    expect(patients.find((p) => p.id === patient(KARI))?.openAlerts).toEqual({ red: 0, yellow: 2, unacknowledged: 1 })
    expect(patients.find((p) => p.id === patient(OLA))?.openAlerts).toEqual({ red: 1, yellow: 0, unacknowledged: 1 })
    expect(patients.find((p) => p.id === patient(PER))?.openAlerts).toEqual({ red: 0, yellow: 0, unacknowledged: 0 })

    expect(await auditOf(redOld)).toEqual(expect.arrayContaining([{ actor: 'sykepleier', action: 'list', outcome: 'allowed' }]))
  })

  it('is documented in the OpenAPI description', async () => {
    const doc = (await (await fetch(`${baseUrl}/api/docs/json`)).json()) as { paths: Record<string, unknown> }
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/alerts', '/api/alerts/{id}', '/api/alerts/{id}/acknowledge', '/api/alerts/{id}/assign', '/api/alerts/{id}/resolve', '/api/alerts/{id}/notes',
    ]))
  })
})

describe('who may see an alert', () => {
  it('hides alerts outside the caller\'s care relationships and tenant: 404 for reads and actions, audited as denied', async () => {
    const lege = await login('lege')
    const other = await login('annen-sykepleier', 'other-pw')
    const notShared = await insertAlert(db.pool, { patientId: patient(INGRID), severity: 'red' })
    const objecting = await insertAlert(db.pool, { patientId: patient(BERIT), severity: 'red' })
    const shared = await insertAlert(db.pool, { patientId: patient(KNUT), severity: 'yellow' })
    const othersOwn = await insertAlert(db.pool, { tenantId: 'other', patientId: otherPatientId, severity: 'yellow' })

    const legeSees = await listIds(lege, '?status=open&status=acknowledged&status=resolved')
    expect(legeSees).toContain(shared)
    expect(legeSees).not.toContain(notShared)
    expect(legeSees).not.toContain(objecting)
    expect(legeSees).not.toContain(othersOwn)
    const otherSees = await listIds(other, '?status=open&status=acknowledged&status=resolved')
    expect(otherSees).toEqual([othersOwn])

    for (const [cookie, id] of [[lege, notShared], [lege, objecting], [other, shared], [lege, othersOwn]] as const) {
      expect(await call(cookie, 'GET', `/api/alerts/${id}`)).toEqual({ status: 404, body: { error: { code: 'not-found', message: 'No such alert.' } } })
      expect((await call(cookie, 'POST', `/api/alerts/${id}/acknowledge`, {})).status).toBe(404)
      expect((await call(cookie, 'POST', `/api/alerts/${id}/resolve`, { outcome: 'false-alarm' })).status).toBe(404)
      expect((await call(cookie, 'POST', `/api/alerts/${id}/notes`, { text: 'x' })).status).toBe(404)
      expect((await call(cookie, 'POST', `/api/alerts/${id}/assign`, { userId: null })).status).toBe(404)
    }
    expect(await listIds(lege, `?patientId=${patient(INGRID)}`)).toEqual([])
    expect((await call(lege, 'GET', `/api/alerts/${shared}`)).status).toBe(200)
    // an id that cannot be one is a malformed request (issue 14), which tells nothing of any alert
    expect(await call(lege, 'GET', '/api/alerts/not-a-uuid')).toMatchObject({ status: 400, body: { error: { code: 'invalid-request' } } })

    // nothing changed, and every attempt is in the access log
    const sykepleier = await login('sykepleier')
    expect((await call(sykepleier, 'GET', `/api/alerts/${notShared}`)).body).toMatchObject({ status: 'open', revision: 1, history: [{ kind: 'opened' }] })
    const log = await auditOf(notShared)
    expect(log.filter((e) => e.actor === 'lege').map((e) => [e.action, e.outcome])).toEqual([
      ['read', 'denied'], ['alert.acknowledge', 'denied'], ['alert.resolve', 'denied'], ['alert.note', 'denied'], ['alert.assign', 'denied'],
    ])
    expect((await fetch(`${baseUrl}/api/alerts`)).status).toBe(401)
  })
})

describe('the lifecycle', () => {
  it('the patient list counts an alert as needing attention until someone acknowledges it (issue 20)', async () => {
    const sykepleier = await login('sykepleier')
    const jonInList = async () => {
      const items = (await call(sykepleier, 'GET', '/api/patients')).body.items as
        { id: string; birthDate?: string | null; openAlerts: { red: number; yellow: number; unacknowledged?: number } }[]
      return items.find((p) => p.id === patient(JON))!
    }
    const before = await jonInList()
    expect(before.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    const id = await insertAlert(db.pool, { patientId: patient(JON), severity: 'red', value: 85 })
    expect((await jonInList()).openAlerts).toEqual({
      red: before.openAlerts.red + 1, yellow: before.openAlerts.yellow, unacknowledged: before.openAlerts.unacknowledged! + 1,
    })
    expect((await call(sykepleier, 'POST', `/api/alerts/${id}/acknowledge`, {})).status).toBe(200)
    // still unresolved, so still red on the traffic light; but in hand, so no longer "needs attention"
    expect((await jonInList()).openAlerts).toEqual({ ...before.openAlerts, red: before.openAlerts.red + 1 })
  })

  it('the patient list\'s dense row: each latest value coloured by the patient\'s rules, the worst open episode, the last contact (issue 20)', async () => {
    const sykepleier = await login('sykepleier')
    const ARNE = 7 // COPD: SpO2 red at ≤ 83 %
    const home = homes[ARNE]!
    const rowOf = async () => ((await call(sykepleier, 'GET', '/api/patients')).body.items as {
      id: string; latest: Record<string, { value: number; severity?: string | null }>; lastContactAt?: string | null
      worstOpen?: { severity: string; status: string; rule: string; summaries: { nb: string }; since: string } | null
    }[]).find((p) => p.id === patient(ARNE))!
    expect(await rowOf()).toMatchObject({ worstOpen: null, lastContactAt: null })
    const at = minutesAgo(3)
    await db.pool.query(
      `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
       VALUES ('demo', $1, $2, 'AA:BB:CC:00:11:22', 'row-test', 'm1', 'spo2', 82, '%', $3, $3, 'decoded'),
              ('demo', $1, $2, 'AA:BB:CC:00:11:22', 'row-test', 'm2', 'pulse', 72, '/min', $3, $3, 'decoded')`,
      [home.patientId, home.gatewayId, at],
    )
    expect((await rowOf()).latest).toMatchObject({ spo2: { value: 82, severity: 'red' }, pulse: { value: 72, severity: null } })

    const yellow = await insertAlert(db.pool, { patientId: patient(ARNE), severity: 'yellow', openedAt: minutesAgo(120) })
    await insertAlert(db.pool, { patientId: patient(ARNE), severity: 'red', openedAt: minutesAgo(30), value: 82 })
    // red before yellow, though the yellow is older
    expect((await rowOf()).worstOpen).toMatchObject({ severity: 'red', status: 'open', rule: 'threshold:spo2', summaries: { nb: expect.stringContaining('82 %') } })

    expect((await call(sykepleier, 'POST', `/api/alerts/${yellow}/acknowledge`, {})).status).toBe(200)
    const row = await rowOf()
    expect(Date.parse(row.lastContactAt!)).toBeGreaterThan(Date.now() - 60_000)
  })

  it('acknowledges, assigns, notes and resolves, each once, with history, audit and an announcement', async () => {
    const sykepleier = await login('sykepleier')
    const id = await insertAlert(db.pool, { patientId: patient(ASTRID), severity: 'red', value: 86 })
    const post = (path: string, body: unknown) => call(sykepleier, 'POST', `/api/alerts/${id}/${path}`, body)

    const acked = await post('acknowledge', {})
    expect(acked).toMatchObject({ status: 200, body: { id, status: 'acknowledged', acknowledgedBy: 'Sara Sykepleier', revision: 2 } })
    expect(await post('acknowledge', {})).toEqual({ status: 409, body: { error: { code: 'already-acknowledged', message: 'The alert is already acknowledged.' } } })

    expect(await post('assign', { userId: users.lege })).toMatchObject({ status: 200, body: { assignedTo: 'Lars Lege', assignedToUserId: users.lege, revision: 3 } })
    // an admin gives no care, and another tenant's nurse is no one here
    expect(await post('assign', { userId: users.admin })).toMatchObject({ status: 400, body: { error: { code: 'invalid-assignee' } } })
    expect(await post('assign', { userId: users['annen-sykepleier'] })).toMatchObject({ status: 400, body: { error: { code: 'invalid-assignee' } } })
    expect(await post('assign', { userId: 'someone' })).toMatchObject({ status: 400, body: { error: { code: 'invalid-request' } } })
    expect(await post('assign', { userId: null })).toMatchObject({ status: 200, body: { assignedTo: null, assignedToUserId: null, revision: 4 } })

    expect(await post('notes', { text: '  Ringte pasienten, ingen svar.  ' })).toMatchObject({ status: 200, body: { status: 'acknowledged', revision: 5 } })
    expect((await post('notes', { text: '   ' })).status).toBe(400)

    expect(await post('resolve', { outcome: 'called-a-friend' })).toMatchObject({ status: 400, body: { error: { code: 'invalid-request' } } })
    expect((await post('resolve', {})).status).toBe(400)
    const resolved = await post('resolve', { outcome: 'contacted-gp', note: 'Fastlege øker diuretika' })
    expect(resolved).toMatchObject({ status: 200, body: {
      status: 'resolved', outcome: 'contacted-gp', resolutionNote: 'Fastlege øker diuretika', resolvedBy: 'Sara Sykepleier', revision: 6,
    } })
    expect(await post('resolve', { outcome: 'false-alarm' })).toEqual({ status: 409, body: { error: { code: 'already-resolved', message: 'The alert is already resolved.' } } })
    expect((await post('acknowledge', {})).body).toMatchObject({ error: { code: 'already-resolved' } })
    expect((await post('assign', { userId: users.sykepleier })).status).toBe(409)
    expect(await post('notes', { text: 'Fastlege bekreftet endringen.' })).toMatchObject({ status: 200, body: { status: 'resolved', revision: 7 } })

    const detail = await call(sykepleier, 'GET', `/api/alerts/${id}`)
    expect(detail.status).toBe(200)
    const history = detail.body.history as { kind: string; actor: string; details: Record<string, unknown> }[]
    expect(history.map((e) => [e.kind, e.actor])).toEqual([
      ['opened', 'rules'], ['acknowledged', 'sykepleier'], ['assigned', 'sykepleier'], ['assigned', 'sykepleier'],
      ['noted', 'sykepleier'], ['resolved', 'sykepleier'], ['noted', 'sykepleier'],
    ])
    expect(history[2]?.details).toEqual({ assignedTo: users.lege, assignedToName: 'Lars Lege' })
    expect(history[4]?.details).toEqual({ text: 'Ringte pasienten, ingen svar.' })
    expect(history[5]?.details).toEqual({ outcome: 'contacted-gp', note: 'Fastlege øker diuretika' })
    expect(await listIds(sykepleier, `?patientId=${patient(ASTRID)}`)).toEqual([])

    const log = (await auditOf(id)).map((e) => `${e.action}:${e.outcome}`)
    expect(log).toEqual([
      'alert.acknowledge:allowed', 'alert.acknowledge:allowed', 'alert.assign:allowed', 'alert.assign:allowed', 'alert.assign:allowed',
      'alert.assign:allowed', 'alert.note:allowed', 'alert.resolve:allowed', 'alert.resolve:allowed', 'alert.acknowledge:allowed',
      'alert.assign:allowed', 'alert.note:allowed', 'read:allowed',
    ])

    // each change announced once, with its revision, for every server's live events
    await announcement((e) => e.alertId === id && e.revision === 7)
    expect(announced.filter((e) => e.alertId === id).map((e) => [e.change, e.revision, e.status])).toEqual([
      ['acknowledged', 2, 'acknowledged'], ['assigned', 3, 'acknowledged'], ['assigned', 4, 'acknowledged'],
      ['noted', 5, 'acknowledged'], ['resolved', 6, 'resolved'], ['noted', 7, 'resolved'],
    ])
    expect(announced.find((e) => e.alertId === id)).toEqual({
      tenantId: 'demo', patientId: patient(ASTRID), alertId: id, change: 'acknowledged', revision: 2, severity: 'red',
      status: 'acknowledged', at: expect.any(String),
    })
  })

  it('resolves an open alert directly, without a note', async () => {
    const sykepleier = await login('sykepleier')
    const id = await insertAlert(db.pool, { patientId: patient(ASTRID), severity: 'yellow' })
    expect(await call(sykepleier, 'POST', `/api/alerts/${id}/resolve`, { outcome: 'false-alarm', note: '  ' })).toMatchObject({
      status: 200, body: { status: 'resolved', outcome: 'false-alarm', resolutionNote: null, acknowledgedBy: null },
    })
  })

  it('lets only one of two nurses acknowledging at once succeed', async () => {
    const [a, b] = await Promise.all([login('sykepleier'), login('lege')])
    const id = await insertAlert(db.pool, { patientId: patient(KNUT), severity: 'red' })
    const answers = await Promise.all([a, b].map((cookie) => call(cookie, 'POST', `/api/alerts/${id}/acknowledge`, {})))
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409])
  })
})

describe('live alerts', () => {
  it('pushes a changed alert to a user who gives the patient care, and not to one who does not', async () => {
    const sykepleier = await login('sykepleier')
    const lege = await login('lege')
    const [nurseEvents, doctorEvents] = await Promise.all([openEvents(sykepleier), openEvents(lege)])
    try {
      const notShared = await insertAlert(db.pool, { patientId: patient(JON), severity: 'red' })
      expect((await call(sykepleier, 'POST', `/api/alerts/${notShared}/acknowledge`, {})).status).toBe(200)
      const pushed = await nurseEvents.nextAlert((a) => a.id === notShared)
      expect(pushed).toMatchObject({
        id: notShared, patientId: patient(JON), patientName: 'Jon Jensen', status: 'acknowledged', revision: 2,
        acknowledgedBy: 'Sara Sykepleier', summary: 'Oksygenmetning 88 % (rød grense ≤ 91 %)', readings: [{ type: 'spo2', value: 88 }],
      })

      // the doctor's stream gets this one, announced after: so the first was never sent to it
      const shared = await insertAlert(db.pool, { patientId: patient(ERLING), severity: 'yellow' })
      expect((await call(sykepleier, 'POST', `/api/alerts/${shared}/notes`, { text: 'Ser på det.' })).status).toBe(200)
      expect(await doctorEvents.nextAlert((a) => a.id === shared)).toMatchObject({ patientName: 'Erling Berg', revision: 2 })
      expect(doctorEvents.alerts().map((a) => a.id)).toEqual([shared])
      expect((await nurseEvents.nextAlert((a) => a.id === shared)).revision).toBe(2)
    } finally {
      nurseEvents.close()
      doctorEvents.close()
    }
  })

  it('shows an alert the rules open from a red reading, live and in the inbox', async () => {
    const sykepleier = await login('sykepleier')
    const events = await openEvents(sykepleier)
    try {
      const home = homes[PER]!
      const gw = await mqtt.connectAsync(mqttUrl, { clientId: home.gatewayId, username: home.gatewayId, password: home.secret, clean: false, protocolVersion: 4, reconnectPeriod: 0 })
      await gw.publishAsync(`varde/v1/gateways/${home.gatewayId}/measurements`, JSON.stringify({
        batchId: 'alerts-red-1', sentAt: new Date().toISOString(),
        measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:11:44', type: 'spo2', value: 84, unit: '%', measuredAt: new Date().toISOString() }],
      }), { qos: 1 })
      await gw.endAsync()

      const pushed = await events.nextAlert((a) => a.patientId === home.patientId)
      expect(pushed).toMatchObject({
        patientName: 'Per Olsen', severity: 'red', status: 'open', rule: 'threshold:spo2', count: 1,
        readings: [{ type: 'spo2', value: 84, unit: '%' }], thresholds: { vitals: [{ vital: 'spo2' }] },
      })
      expect(pushed.summary).toMatch(/84 %/)
      const inbox = (await call(sykepleier, 'GET', `/api/alerts?patientId=${home.patientId}`)).body.items as AlertJson[]
      expect(inbox).toEqual([expect.objectContaining({ id: pushed.id, severity: 'red' })])
    } finally {
      events.close()
    }
  })
})
