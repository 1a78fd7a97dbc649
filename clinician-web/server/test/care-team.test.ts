import { seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerStack, type ServerStack } from './server-stack.js'

// The care team over HTTP (issue 18): relationships with the trust
// framework's metadata, an ended relationship losing access in the API and
// FHIR at once, and the patient's objection hiding the patient from the
// outside GP; all through the access layer, against the real database.
let db: TestDatabase
let stack: ServerStack
let homes: DemoHome[]
const cookies = { nurse: '', gp: '', patient: '' }
let practice: string

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  stack = await startServerStack({ db, name: 'care-team' })
  cookies.nurse = await stack.login('sykepleier')
  cookies.gp = await stack.login('fastlege')
  cookies.patient = await stack.login('pasient')
  practice = (await db.pool.query<{ id: string }>(`SELECT id FROM forwarding_recipients WHERE name = 'Demo legekontor'`)).rows[0]!.id
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

async function api(cookie: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}
interface MemberJson { id: string; relation: string; isActive: boolean; user: { displayName: string } | null; recipient: { name: string } | null; decision: { byName: string; reason: string }; metadata: Record<string, unknown> }
const members = async (patientId: string) => (await api(cookies.nurse, `/api/patients/${patientId}/care-team`)).json['members'] as MemberJson[]

describe('the care team over HTTP', () => {
  it('shows the team with each relationship\'s metadata, recipient and decision', async () => {
    const kari = homes[0]!.patientId
    const { status, json } = await api(cookies.nurse, `/api/patients/${kari}/care-team`)
    expect(status).toBe(200)
    expect(json).toMatchObject({ canManage: true, recipients: [{ name: 'Demo legekontor', organisationNumber: '999000111', transport: 'fhir-rest' }] })
    expect((json['members'] as MemberJson[]).map((m) => `${m.user?.displayName} ${m.relation} ${m.isActive}`)).toEqual(
      expect.arrayContaining(['Sara Sykepleier home-care true', 'Frida Fastlege gp true']))
    expect((json['members'] as MemberJson[]).find((m) => m.relation === 'gp')).toMatchObject({ recipient: { name: 'Demo legekontor' }, metadata: { purposeOfUse: 'TREAT' } })
  })

  it('ending the GP\'s relationship ends the GP\'s access in the API and FHIR at once', async () => {
    const ola = homes[1]!.patientId
    expect((await api(cookies.gp, `/api/patients/${ola}`)).status).toBe(200)
    expect((await api(cookies.gp, `/fhir/Patient/${ola}`)).status).toBe(200)
    const gp = (await members(ola)).find((m) => m.relation === 'gp')!
    const ended = await api(cookies.nurse, `/api/patients/${ola}/care-team/${gp.id}/end`, { reason: 'Pasienten har byttet fastlege' })
    expect(ended).toMatchObject({ status: 200, json: { isActive: false, ended: { reason: 'Pasienten har byttet fastlege' } } })
    // the next request, no cache to wait for
    expect((await api(cookies.gp, `/api/patients/${ola}`)).status).toBe(404)
    expect([403, 404]).toContain((await api(cookies.gp, `/fhir/Patient/${ola}`)).status) // platform-contract.md: 403 or 404, never the data
    expect((await api(cookies.gp, `/api/patients/${ola}/measurements`)).status).toBe(404)
    expect(((await api(cookies.gp, '/api/patients')).json['items'] as { id: string }[]).map((p) => p.id)).not.toContain(ola)
    // ended once: ending again is a 404
    expect((await api(cookies.nurse, `/api/patients/${ola}/care-team/${gp.id}/end`, { reason: 'igjen' })).json).toMatchObject({ error: { code: 'not-found' } })
  })

  it('adds the GP back with the trust framework\'s metadata and the decision behind it', async () => {
    const ola = homes[1]!.patientId
    const gpUser = (await db.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'fastlege'`)).rows[0]!.id
    const added = await api(cookies.nurse, `/api/patients/${ola}/care-team`, {
      relation: 'gp', userId: gpUser, recipientId: practice, organisation: { name: 'Demo legekontor', number: '999000111', herId: '9990001' },
      practitioner: { name: 'Frida Fastlege', hprNumber: '9144889' },
      metadata: { roleAuthorization: 'LE', legalEntity: { number: '999000111', name: 'Demo legekontor AS' }, pointOfCare: 'Demo legekontor', department: 'Allmennpraksis', healthcareService: 'Fastlege', purposeOfUse: 'TREAT' },
      reason: 'Tilbake hos fastlegen',
    })
    expect(added).toMatchObject({ status: 201, json: { isActive: true, decision: { byName: 'Sara Sykepleier', reason: 'Tilbake hos fastlegen' }, metadata: { department: 'Allmennpraksis' } } })
    expect((await api(cookies.gp, `/api/patients/${ola}`)).status).toBe(200)
    expect((await api(cookies.nurse, `/api/patients/${ola}/care-team`, { relation: 'gp', userId: gpUser, reason: 'to ganger' })).json).toMatchObject({ error: { code: 'already-member' } })
    // a member must be named; bad numbers are refused at the edge
    expect((await api(cookies.nurse, `/api/patients/${ola}/care-team`, { relation: 'hospital', reason: 'uten navn' })).status).toBe(400)
    expect((await api(cookies.nurse, `/api/patients/${ola}/care-team`, { relation: 'hospital', organisation: { number: '12' }, reason: 'x' })).status).toBe(400)
  })

  it('the GP and the patient read the team but may not change it', async () => {
    const kari = homes[0]!.patientId
    expect((await api(cookies.gp, `/api/patients/${kari}/care-team`)).json).toMatchObject({ canManage: false })
    const refused = await api(cookies.gp, `/api/patients/${kari}/care-team`, { relation: 'hospital', organisation: { number: '999000222' }, reason: 'x' })
    expect(refused).toMatchObject({ status: 403, json: { error: { code: 'forbidden' } } })
    const log = await db.pool.query(`SELECT outcome FROM audit_log WHERE actor = 'fastlege' AND resource_type = 'CareTeam' AND action = 'change'`)
    expect(log.rows).toEqual([{ outcome: 'denied' }])
  })

  it('an objection against the GP practice hides the patient from the GP until it is withdrawn; one against the municipal nurse is refused', async () => {
    const ingrid = homes[2]!.patientId
    expect((await api(cookies.gp, `/api/patients/${ingrid}`)).status).toBe(200)
    const objection = await api(cookies.nurse, `/api/patients/${ingrid}/objections`, { scope: 'recipient', recipientId: practice, channel: 'phone', objectedOn: '2026-12-06', note: 'Ringte inn' })
    expect(objection).toMatchObject({ status: 201, json: { scope: 'recipient', channel: 'phone', objectedOn: '2026-12-06', withdrawn: null } })
    expect((await api(cookies.gp, `/api/patients/${ingrid}`)).status).toBe(404)
    const nurseUser = (await db.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'sykepleier'`)).rows[0]!.id
    expect((await api(cookies.nurse, `/api/patients/${ingrid}/objections`, { scope: 'recipient', userId: nurseUser, channel: 'phone' })).json)
      .toMatchObject({ error: { code: 'invalid-objection-target' } })
    expect((await api(cookies.nurse, `/api/patients/${ingrid}/objections`, { scope: 'all-beyond-municipal', recipientId: practice, channel: 'phone' })).status).toBe(400)
    const view = (await api(cookies.nurse, `/api/patients/${ingrid}/care-team`)).json
    expect(view['objections']).toMatchObject([{ id: objection.json['id'], recipientId: practice }])
    const withdrawn = await api(cookies.nurse, `/api/patients/${ingrid}/objections/${String(objection.json['id'])}/withdraw`, { channel: 'letter' })
    expect(withdrawn).toMatchObject({ status: 200, json: { withdrawn: { channel: 'letter' } } })
    expect((await api(cookies.gp, `/api/patients/${ingrid}`)).status).toBe(200)
  })

  it('an ended relationship ends the live stream\'s readings of that patient at once, while the others keep coming', async () => {
    const [kari, per] = [homes[0]!, homes[3]!] // the GP on both teams
    const controller = new AbortController()
    const res = await fetch(`${stack.baseUrl}/api/events`, { headers: { cookie: cookies.gp }, signal: controller.signal })
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let buffered = ''
    /** The patient ids of the measurement events up to and including the first for `until`. */
    const measurementsUntil = async (until: string): Promise<string[]> => {
      for (;;) {
        const events = [...buffered.matchAll(/event: measurement\ndata: (.*)\n/g)].map((m) => (JSON.parse(m[1]!) as { patientId: string }).patientId)
        const at = events.indexOf(until)
        if (at >= 0) {
          buffered = ''
          return events.slice(0, at + 1)
        }
        const { value, done } = await reader.read()
        if (done) throw new Error('stream ended')
        buffered += decoder.decode(value)
      }
    }
    const openedAt = new Date()
    try {
      await publishSpo2(per.gatewayId, 'sse-before')
      expect(await measurementsUntil(per.patientId)).toEqual([per.patientId])
      const gp = (await members(per.patientId)).find((m) => m.relation === 'gp')!
      expect((await api(cookies.nurse, `/api/patients/${per.patientId}/care-team/${gp.id}/end`, { reason: 'Flyttet' })).status).toBe(200)
      // Per's reading first, then Kari's (still on the GP's list): when Kari's arrives, Per's has been judged
      await publishSpo2(per.gatewayId, 'sse-after')
      await publishSpo2(kari.gatewayId, 'sse-after-kari')
      expect(await measurementsUntil(kari.patientId)).toEqual([kari.patientId])
    } finally {
      controller.abort()
    }
    // what was pushed to whom (issue 19): when the stream ends, one entry per patient with what it pushed, and
    // nothing of Per after the GP's relationship ended
    const pushed = async () => (await db.pool.query<{ patient_id: string; measurements: number }>(
      `SELECT a.patient_id, (a.details->>'measurements')::int AS measurements FROM audit_log a JOIN users u ON u.id = a.actor_user_id
        WHERE u.username = 'fastlege' AND a.action = 'push' AND a.at >= $1 ORDER BY a.patient_id`, [openedAt])).rows
    const deadline = Date.now() + 10_000
    while ((await pushed()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(await pushed()).toEqual([
      { patient_id: per.patientId, measurements: 1 }, { patient_id: kari.patientId, measurements: 1 },
    ].sort((a, b) => (a.patient_id < b.patient_id ? -1 : 1)))
  })
})

let readings = 0
async function publishSpo2(gatewayId: string, batchId: string): Promise<void> {
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
