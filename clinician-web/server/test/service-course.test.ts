import { seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { checkNationalId, nationalIdCheckDigits } from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerStack, type ServerStack } from './server-stack.js'

// Issue 17: the patient's course of service through the API, on the real
// parts (broker, ingest and its rules, the app, the database over the wire):
// a pause moved through by the platform clock raises no missed-measurement
// alert; ending the service cuts the gateway off at once and resolves the
// open alerts; after the start-up period the proposed thresholds come with a
// what-if whose replay of the current rules is exactly what the rules raised.
let db: TestDatabase
let stack: ServerStack
const cookies = { admin: '', nurse: '', clinician: '' }
let individual = 200

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
  stack = await startServerStack({ db, name: 'service-course' })
  cookies.admin = await stack.login('admin')
  cookies.nurse = await stack.login('sykepleier')
  cookies.clinician = await stack.login('lege')
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

const send = async (method: string, path: string, cookie: string, body?: unknown) => {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method, headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) as Record<string, unknown> : {} }
}
function nextNationalId(): string {
  for (;;) {
    const firstNine = `2083${String(60 + Math.floor(individual / 900)).padStart(2, '0')}${String(100 + (individual++ % 900))}`
    const digits = nationalIdCheckDigits(firstNine)
    if (digits !== null) return `${firstNine}${digits}`
  }
}
async function enrol(conditions: string[]): Promise<string> {
  const res = await send('POST', '/api/admin/patients', cookies.admin, { nationalId: nextNationalId(), displayName: 'Pasient Forløp', conditions })
  expect(res.status).toBe(201)
  return res.body.id as string
}
const platformNow = async () => Date.parse((await send('GET', '/api/clock', cookies.nurse)).body.now as string)
const alertsOf = async (patientId: string, status = 'status=open&status=acknowledged&status=resolved') =>
  (await send('GET', `/api/alerts?patientId=${patientId}&${status}`, cookies.nurse)).body.items as
    { id: string; rule: string; ruleVersion: string; severity: string; count: number; status: string; outcome: string | null }[]

async function gatewayFor(patientId: string): Promise<{ id: string; client: MqttClient; secret: string }> {
  const res = await send('POST', '/api/admin/gateways', cookies.admin, { patientId })
  expect(res.status).toBe(201)
  const { id, secret } = res.body as { id: string; secret: string }
  return { id, secret, client: await connect(id, secret) }
}
async function connect(id: string, secret: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(stack.mqttUrl, { clientId: id, username: id, password: secret, clean: false, protocolVersion: 4, reconnectPeriod: 0 })
  await client.subscribeAsync(`varde/v1/gateways/${id}/receipts`, { qos: 1 })
  return client
}
let batch = 0
async function publish(gw: { id: string; client: MqttClient }, readings: { value: number; at: number }[]): Promise<unknown> {
  const batchId = `course-${++batch}`
  const receipt = new Promise((resolve) => {
    const onMessage = (_t: string, payload: Buffer) => {
      const r = JSON.parse(payload.toString()) as { batchId: string }
      if (r.batchId === batchId) { gw.client.off('message', onMessage); resolve(r) }
    }
    gw.client.on('message', onMessage)
  })
  await gw.client.publishAsync(`varde/v1/gateways/${gw.id}/measurements`, JSON.stringify({
    batchId, sentAt: new Date(readings.at(-1)!.at).toISOString(),
    measurements: readings.map((r, i) => ({ id: `m${i}`, deviceId: 'AA:BB:CC:00:17:99', type: 'spo2', value: r.value, unit: '%', measuredAt: new Date(r.at).toISOString() })),
  }), { qos: 1 })
  return receipt
}
/** The rules have judged every stored reading (the queue drained), polled with a deadline. */
async function judged(): Promise<void> {
  await stack.rules.drain()
}

describe('the course of service (issue 17)', () => {
  it('has demo patients whose national ids pass the check digits that enrolment applies', async () => {
    // each demo patient, as FHIR shows it to its nurse: the identifier a municipality would enrol it by
    const nurse = await send('GET', '/api/patients', cookies.nurse)
    const ids = await Promise.all((nurse.body.items as { id: string }[]).map(async (p) =>
      ((await send('GET', `/fhir/Patient/${p.id}`, cookies.nurse)).body.identifier as { system: string; value: string }[])
        .find((i) => i.system === 'urn:oid:2.16.578.1.12.4.1.4.1')?.value ?? ''))
    expect(ids.length).toBeGreaterThan(5)
    expect(ids.filter((id) => !checkNationalId(id).isValid)).toEqual([])
  })

  it('raises no missed-measurement alert inside a pause, moved through by the platform clock', async () => {
    // heart failure: the morning weight is due every day by 10:00 (profiles.ts); nobody weighs
    const now = await platformNow()
    const cases = [
      { name: 'not paused', pause: null, missed: true },
      { name: 'paused until further notice', pause: { endsAt: null }, missed: false },
      { name: 'paused past the clock move (hospital stay of three days)', pause: { endsAt: new Date(now + 3 * 86_400_000).toISOString() }, missed: false },
      { name: 'a pause that ended an hour on, before any deadline', pause: { endsAt: new Date(now + 3_600_000).toISOString() }, missed: true },
    ] as const
    const patients: string[] = []
    for (const c of cases) {
      const id = await enrol(['heart-failure'])
      patients.push(id)
      if (c.pause) expect((await send('POST', `/api/patients/${id}/pauses`, cookies.nurse, { startsAt: new Date(now).toISOString(), endsAt: c.pause.endsAt })).status).toBe(201)
    }
    expect((await send('POST', '/api/admin/clock', cookies.admin, { advance: '2d' })).status).toBe(200)
    try {
      // the rules take the clock from its change event: check until the unpaused patient's deadline is seen (a deadline, not a sleep)
      const deadline = Date.now() + 15_000
      const missed = async (id: string) => (await alertsOf(id)).filter((a) => a.rule === 'missed:body-weight')
      while ((await missed(patients[0]!)).length === 0 && Date.now() < deadline) await stack.rules.checkNow()
      const outcome = await Promise.all(patients.map(async (id) => (await missed(id)).length > 0))
      expect(cases.map((c, i) => ({ name: c.name, missed: outcome[i] }))).toEqual(cases.map((c) => ({ name: c.name, missed: c.missed })))
      // adherence counts the same plan: the mornings planned for the unpaused patient, none weighed; none planned inside a pause.
      // A morning counts when its window (00:00–10:00 Oslo) lies within follow-up: enrolled after 10:00, the next two mornings;
      // enrolled before (CI runs at night too), that morning's window began before follow-up and the third's deadline is not
      // reached two days on, so one.
      const enrolHour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', hour: '2-digit', hourCycle: 'h23' }).format(new Date(now)))
      const adherence = async (id: string) => ((await send('GET', `/api/patients/${id}`, cookies.nurse)).body.adherence as { days7: unknown }).days7
      expect(await adherence(patients[0]!)).toEqual({ done: 0, planned: enrolHour < 10 ? 1 : 2 })
      expect(await adherence(patients[1]!)).toEqual({ done: 0, planned: 0 })
    } finally {
      expect((await send('POST', '/api/admin/clock', cookies.admin, { offset: '0' })).status).toBe(200)
    }
  })

  it('still alerts on a dangerous value during a pause, and says the service is paused', async () => {
    const patient = await enrol(['hypertension'])
    const gw = await gatewayFor(patient)
    try {
      expect((await send('POST', `/api/patients/${patient}/pauses`, cookies.nurse, { reason: 'Innlagt' })).status).toBe(201)
      expect(await publish(gw, [{ value: 84, at: await platformNow() }])).toMatchObject({ accepted: ['m0'] })
      await judged()
      const alerts = (await send('GET', `/api/alerts?patientId=${patient}`, cookies.nurse)).body.items as { rule: string; severity: string; summary: string }[]
      expect(alerts.map((a) => [a.rule, a.severity])).toEqual([['threshold:spo2', 'red']])
      expect(alerts[0]!.summary).toMatch(/\(tjenesten er satt på pause\)$/)
    } finally {
      await gw.client.endAsync(true)
    }
  })

  it('ends the service: the gateway cut off and refused at once, open alerts resolved service-ended, out of the list, data kept', async () => {
    const patient = await enrol(['hypertension'])
    const gw = await gatewayFor(patient)
    const now = await platformNow()
    expect(await publish(gw, [{ value: 84, at: now - 1000 }])).toMatchObject({ accepted: ['m0'] })
    await judged()
    expect((await alertsOf(patient)).map((a) => [a.rule, a.severity, a.status])).toEqual([['threshold:spo2', 'red', 'open']])

    expect((await send('POST', `/api/patients/${patient}/service/end`, cookies.admin, { reason: 'test' })).status).toBe(403)
    const closed = new Promise<void>((resolve) => gw.client.once('close', () => resolve()))
    const ended = await send('POST', `/api/patients/${patient}/service/end`, cookies.nurse, { reason: 'Flyttet til sykehjem' })
    expect(ended).toEqual({ status: 200, body: { revokedGatewayIds: [gw.id], resolvedAlerts: 1 } })
    await closed
    await gw.client.endAsync(true)
    // refused as any wrong credentials are (device-protocol.md: CONNACK 4), saying nothing of why
    await expect(connect(gw.id, gw.secret)).rejects.toMatchObject({ code: 4 })

    expect((await alertsOf(patient)).map((a) => [a.status, a.outcome])).toEqual([['resolved', 'service-ended']])
    const list = (await send('GET', '/api/patients', cookies.nurse)).body.items as { id: string }[]
    expect(list.map((p) => p.id)).not.toContain(patient)
    const course = await send('GET', `/api/patients/${patient}/service`, cookies.nurse)
    expect(course.body).toMatchObject({ state: 'ended', canChange: false })
    expect((course.body.history as { toState: string; reason: string | null }[]).map((h) => [h.toState, h.reason]))
      .toEqual([['active', 'enrolled'], ['ended', 'Flyttet til sykehjem']])
    const kept = await send('GET', `/api/patients/${patient}/measurements?from=${new Date(now - 3_600_000).toISOString()}`, cookies.nurse)
    expect((kept.body.items as unknown[]).length).toBe(1)
    expect(await send('POST', `/api/patients/${patient}/service/end`, cookies.nurse, { reason: 'again' }))
      .toMatchObject({ status: 409, body: { error: { code: 'service-ended' } } })
  })

  it('proposes thresholds after the start-up period; the replay of the current rules is exactly what they raised; accepted, the next reading is judged by them', async () => {
    const patient = await enrol(['hypertension'])
    const gw = await gatewayFor(patient)
    // SpO2 around 90 %, the patient's own normal: red by the general limits (≤ 91), in three batches, measured since enrolment
    for (const values of [[90, 91], [90, 92], [91, 90]]) {
      const at = await platformNow()
      expect(await publish(gw, values.map((value, j) => ({ value, at: at - 1 + j })))).toMatchObject({ rejected: [] })
      await judged()
    }
    const before = await send('GET', `/api/patients/${patient}/threshold-proposals`, cookies.clinician)
    expect(before.body).toMatchObject({ isStartupOver: false, proposals: [] })

    expect((await send('POST', '/api/admin/clock', cookies.admin, { advance: '15d' })).status).toBe(200)
    try {
      const deadline = Date.now() + 10_000
      let r = await send('GET', `/api/patients/${patient}/threshold-proposals`, cookies.clinician)
      while (!r.body.isStartupOver && Date.now() < deadline) r = await send('GET', `/api/patients/${patient}/threshold-proposals`, cookies.clinician)
      const body = r.body as { raised: unknown[]; current: unknown[]; proposals: { ruleId: string; params: Record<string, unknown>; proposed: unknown[] }[] }
      expect(body.raised).toEqual([expect.objectContaining({ alertKey: 'threshold:spo2', severity: 'red', count: 6 })])
      expect(body.current).toEqual(body.raised)
      expect(body.proposals.map((p) => [p.ruleId, p.proposed])).toEqual([['threshold:spo2', []]])

      // issue 20's what-if on a rule edit, over the last 30 days: the rules as they are replay to exactly what was
      // raised (same rule, same readings, same count); the proposal's limits would have raised nothing
      const whatIf = async (change: unknown) => (await send('POST', `/api/patients/${patient}/rules/threshold:spo2/what-if`, cookies.nurse, change)).body as {
        raised: { alertKey: string; severity: string; count: number }[]; elapsedMs: number
        current: { alerts: { alertKey: string; severity: string; count: number }[]; episodes: number }; proposed: { alerts: unknown[]; episodes: number }
      }
      const same = await whatIf({ isEnabled: true })
      const pick = (a: { alertKey: string; severity: string; count: number }) => ({ alertKey: a.alertKey, severity: a.severity, count: a.count })
      expect(same.raised.map(pick)).toEqual([{ alertKey: 'threshold:spo2', severity: 'red', count: 6 }])
      expect(same.current.alerts.map(pick)).toEqual(same.raised.map(pick))
      expect(same.proposed.alerts.map(pick)).toEqual(same.current.alerts.map(pick))
      expect(same.proposed.episodes).toBe(same.current.episodes)
      expect(same.current.episodes).toBe(1)
      const personal = await whatIf({ params: body.proposals[0]!.params })
      expect(personal.current).toEqual(same.current)
      expect(personal.proposed).toEqual({ alerts: [], episodes: 0 })
      expect((await send('POST', `/api/patients/${patient}/rules/threshold:spo2/what-if`, cookies.nurse, { params: { vitals: 'none' } })).status).toBe(400)

      // the clinician accepts it: the rule's next version, with who and why
      const accepted = await send('PUT', `/api/patients/${patient}/rules/threshold:spo2`, cookies.clinician, { params: body.proposals[0]!.params, reason: 'Personlige terskelverdier fra oppstartsperioden' })
      expect(accepted.status).toBe(200)
      expect(accepted.body).toMatchObject({ origin: 'override', reason: 'Personlige terskelverdier fra oppstartsperioden', setBy: { name: 'Lars Lege' } })
      for (const a of await alertsOf(patient, 'status=open')) {
        expect((await send('POST', `/api/alerts/${a.id}/resolve`, cookies.nurse, { outcome: 'adjusted-plan' })).status).toBe(200)
      }
      // 90 % is the patient's normal now: no alert; 86 % is below the personal red limit (86.?): red, by the new version
      const later = await platformNow()
      await publish(gw, [{ value: 90, at: later - 2000 }])
      await judged()
      expect(await alertsOf(patient, 'status=open')).toEqual([])
      await publish(gw, [{ value: 85, at: later - 1000 }])
      await judged()
      expect((await alertsOf(patient, 'status=open')).map((a) => [a.rule, a.severity, a.ruleVersion])).toEqual([['threshold:spo2', 'red', expect.stringContaining('override:1')]])
    } finally {
      await gw.client.endAsync(true)
      expect((await send('POST', '/api/admin/clock', cookies.admin, { offset: '0' })).status).toBe(200)
    }
  })
})
