import type { Bundle, CareTeam } from '@medplum/fhirtypes'
import { seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validate } from './fhir-validator.js'
import { insertAlert } from './insert-alert.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// "Del med fastlege", the deliveries' administration and FHIR CareTeam
// (issue 18; docs/decisions/0023) over HTTP against the real database:
// a share is a delivery of the forwarding outbox, refused with its reason
// when the patient objects or the GP's relationship has ended; a tenant
// administrator sees every delivery and puts a dead letter back in the queue;
// the care team reads as a valid R4 CareTeam for those with a relationship only.
let db: TestDatabase
let stack: ServerStack
let homes: DemoHome[]
const cookies = { nurse: '', gp: '', admin: '', lege: '' }
let practice: string

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  stack = await startServerStack({ db, name: 'share-with-gp' })
  for (const [role, username] of [['nurse', 'sykepleier'], ['gp', 'fastlege'], ['admin', 'admin'], ['lege', 'lege']] as const) cookies[role] = await stack.login(username)
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
const patientsWithGp = async () => (await db.pool.query<{ patient_id: string }>(
  `SELECT c.patient_id FROM care_team_members c JOIN users u ON u.id = c.user_id WHERE u.username = 'fastlege' AND c.ends_at IS NULL ORDER BY c.patient_id`)).rows.map((r) => r.patient_id)
/** A demo patient the GP has no relationship with (the seed has several). */
const patientWithoutGp = async () => {
  const withGp = new Set((await db.pool.query<{ patient_id: string }>(`SELECT patient_id FROM care_team_members WHERE relation = 'gp'`)).rows.map((r) => r.patient_id))
  return homes.map((h) => h.patientId).find((id) => !withGp.has(id))!
}
const auditRows = async (action: string) => (await db.pool.query<{ outcome: string; resource_id: string }>(
  'SELECT outcome, resource_id FROM audit_log WHERE action = $1 ORDER BY id', [action])).rows

describe('Del med fastlege', () => {
  it('forwards an alert now with a note, as a pending delivery of the outbox the patient page shows', async () => {
    const [patient] = await patientsWithGp()
    const alert = await insertAlert(db.pool, { patientId: patient!, severity: 'yellow' })
    const shared = await api(cookies.nurse, `/api/alerts/${alert}/share`, { note: 'Ring pasienten i dag' })
    expect(shared).toMatchObject({ status: 202, json: { status: 'pending', kind: 'alert', alertId: alert, recipient: { id: practice }, share: { byName: 'Sara Sykepleier', note: 'Ring pasienten i dag' } } })
    // a second share of the same alert is a delivery of its own (the trigger's one-per-alert is for automatic forwarding)
    expect((await api(cookies.nurse, `/api/alerts/${alert}/share`, {})).status).toBe(202)
    const team = await api(cookies.nurse, `/api/patients/${patient}/care-team`)
    const deliveries = (team.json['deliveries'] as { alertId: string; share: unknown }[]).filter((d) => d.alertId === alert)
    expect(deliveries).toHaveLength(2)
  })

  it('is refused with its reason when the patient objects, when the GP\'s relationship has ended, and when there is no GP; nothing is enqueued', async () => {
    const [, patient] = await patientsWithGp()
    const outbox = async () => Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM forwarding_outbox WHERE patient_id = $1', [patient])).rows[0]!.n)
    const alert = await insertAlert(db.pool, { patientId: patient!, severity: 'yellow' })
    const before = await outbox()

    const objection = await api(cookies.nurse, `/api/patients/${patient}/objections`, { scope: 'recipient', recipientId: practice, channel: 'phone' })
    expect(objection.status).toBe(201)
    expect(await api(cookies.nurse, `/api/alerts/${alert}/share`, { note: 'x' })).toMatchObject({ status: 409, json: { error: { code: 'patient-objects' } } })
    expect((await api(cookies.nurse, `/api/patients/${patient}/objections/${objection.json['id'] as string}/withdraw`, { channel: 'phone' })).status).toBe(200)

    const gp = ((await api(cookies.nurse, `/api/patients/${patient}/care-team`)).json['members'] as { id: string; relation: string; isActive: boolean }[])
      .find((m) => m.relation === 'gp' && m.isActive)!
    expect((await fetch(`${stack.baseUrl}/fhir/CareTeam/${patient}`, { headers: { cookie: cookies.gp } })).status).toBe(200)
    expect((await api(cookies.nurse, `/api/patients/${patient}/care-team/${gp.id}/end`, { reason: 'Byttet fastlege' })).status).toBe(200)
    // the ended relationship ends the GP's view at the next request everywhere: alerts, FHIR CareTeam and Observation
    expect((await fetch(`${stack.baseUrl}/fhir/CareTeam/${patient}`, { headers: { cookie: cookies.gp } })).status).toBe(404)
    expect((await fetch(`${stack.baseUrl}/fhir/Observation?patient=${patient}`, { headers: { cookie: cookies.gp } })).status).toBe(403)
    expect((await api(cookies.gp, `/api/alerts/${alert}`)).status).toBe(404)
    expect(((await api(cookies.gp, '/api/alerts?status=open')).json['items'] as { patientId: string }[]).map((a) => a.patientId)).not.toContain(patient)
    expect(await api(cookies.nurse, `/api/alerts/${alert}/share`, {})).toMatchObject({ status: 409, json: { error: { code: 'relationship-ended' } } })
    expect(await outbox()).toBe(before)

    const withoutGp = await patientWithoutGp()
    const other = await insertAlert(db.pool, { patientId: withoutGp, severity: 'red' })
    expect(await api(cookies.nurse, `/api/alerts/${other}/share`, {})).toMatchObject({ status: 409, json: { error: { code: 'no-gp' } } })
    expect((await auditRows('change')).filter((r) => r.resource_id === alert).map((r) => r.outcome)).toEqual(['denied', 'denied'])
  })

  it('is not for the GP, and an alert the caller does not see is a 404', async () => {
    const [patient] = await patientsWithGp()
    const alert = await insertAlert(db.pool, { patientId: patient!, severity: 'yellow' })
    expect(await api(cookies.gp, `/api/alerts/${alert}/share`, {})).toMatchObject({ status: 403, json: { error: { code: 'forbidden' } } })
    const unseen = await insertAlert(db.pool, { patientId: await patientWithoutGp(), severity: 'yellow' })
    expect((await api(cookies.gp, `/api/alerts/${unseen}`)).status).toBe(404)
    expect(await api(cookies.gp, `/api/alerts/${unseen}/share`, {})).toMatchObject({ status: 404, json: { error: { code: 'not-found' } } })
  })
})

describe('the deliveries\' administration', () => {
  it('lists every delivery of the tenant to its administrator, the dead letters apart, and puts one back in the queue once (audited)', async () => {
    const patient = homes[3]!.patientId
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO forwarding_outbox (tenant_id, recipient_id, patient_id, kind, window_start, window_end, status, attempts, settled_at, last_error)
       VALUES ('demo', $1, $2, 'readings', now() - interval '1 day', now(), 'dead', 30, now(), 'recipient-unreachable: ECONNREFUSED') RETURNING id::text`,
      [practice, patient])
    const dead = rows[0]!.id
    expect(await api(cookies.nurse, '/api/admin/deliveries')).toMatchObject({ status: 403, json: { error: { code: 'forbidden' } } })
    const all = await api(cookies.admin, '/api/admin/deliveries')
    expect(all.status).toBe(200)
    expect((all.json['items'] as { id: string }[]).map((d) => d.id)).toContain(dead)
    const deadOnes = (await api(cookies.admin, '/api/admin/deliveries?status=dead')).json['items'] as { id: string; status: string; lastError: string }[]
    expect(deadOnes).toEqual([expect.objectContaining({ id: dead, status: 'dead', lastError: 'recipient-unreachable: ECONNREFUSED' })])

    const requeued = await api(cookies.admin, `/api/admin/deliveries/${dead}/requeue`, {})
    expect(requeued).toMatchObject({ status: 200, json: { id: dead, status: 'pending', attempts: 0, requeued: { byName: 'Anne Administrator' } } })
    expect(await api(cookies.admin, `/api/admin/deliveries/${dead}/requeue`, {})).toMatchObject({ status: 404, json: { error: { code: 'not-found' } } })
    expect((await auditRows('delivery.requeue')).filter((r) => r.resource_id === dead).map((r) => r.outcome)).toEqual(['allowed', 'denied'])
  })
})

describe('FHIR CareTeam', () => {
  const fhir = async (cookie: string, path: string) => {
    const res = await fetch(`${stack.baseUrl}/fhir/${path}`, { headers: { cookie, accept: 'application/fhir+json' } })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  it('gives the patient\'s care team, participants with role, period and the relationship\'s metadata, valid R4', async () => {
    const kari = homes[0]!.patientId
    const search = await fhir(cookies.nurse, `CareTeam?patient=${kari}`)
    expect(search.status).toBe(200)
    const bundle = search.body as unknown as Bundle<CareTeam>
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 })
    const team = bundle.entry![0]!.resource!
    expect(team).toMatchObject({ resourceType: 'CareTeam', id: kari, status: 'active', subject: { reference: `Patient/${kari}` } })
    const gp = team.participant!.find((p) => p.role?.[0]?.coding?.[0]?.code === 'gp')!
    expect(gp).toMatchObject({
      member: { type: 'Practitioner', display: 'Frida Fastlege' },
      onBehalfOf: { type: 'Organization', identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '999000111' }, display: 'Demo legekontor' },
      period: { start: expect.any(String) },
    })
    const metadata = Object.fromEntries(gp.extension![0]!.extension!.map((e) => [e.url, e]))
    expect(metadata['purposeOfUse']).toMatchObject({ valueCoding: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' } })
    expect(metadata['decisionReason']).toMatchObject({ valueString: 'demo data' })

    const read = await fhir(cookies.nurse, `CareTeam/${kari}`)
    expect(read).toEqual({ status: 200, body: team })
    expect([...validate(search.body as unknown as Bundle), ...validate(team)]).toEqual([])
  })

  it('shows an ended relationship with its end and reason; a caller without a relationship gets 403 on search, 404 on read', async () => {
    const patient = homes[4]!.patientId
    const added = await api(cookies.nurse, `/api/patients/${patient}/care-team`, {
      relation: 'hospital', organisation: { name: 'Sykehuset Demo', number: '999000222', herId: '12345' }, practitioner: { name: 'Dr. Sykehus', hprNumber: '1234567' },
      metadata: { roleAuthorization: 'LE', legalEntity: { number: '999000222', name: 'Sykehuset Demo HF' }, pointOfCare: 'Medisinsk poliklinikk', department: 'Lungemedisin', healthcareService: 'Hjemmesykehus', purposeOfUse: 'COC' },
      reason: 'Innlagt og utskrevet til hjemmesykehus',
    })
    expect(added.status).toBe(201)
    expect((await api(cookies.nurse, `/api/patients/${patient}/care-team/${added.json['id'] as string}/end`, { reason: 'Hjemmesykehus avsluttet' })).status).toBe(200)
    const team = (await fhir(cookies.nurse, `CareTeam/${patient}`)).body as unknown as CareTeam
    const hospital = team.participant!.find((p) => p.id === added.json['id'])!
    expect(hospital).toMatchObject({ member: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '1234567' } }, period: { end: expect.any(String) } })
    expect(hospital.extension![0]!.extension!.map((e) => e.url)).toEqual(expect.arrayContaining(['roleAuthorization', 'legalEntity', 'pointOfCare', 'department', 'healthcareService', 'herId', 'endReason']))
    expect(validate(team)).toEqual([])

    const gpPatients = await patientsWithGp()
    const notGps = await patientWithoutGp()
    expect((await fhir(cookies.gp, `CareTeam?patient=${notGps}`)).status).toBe(403)
    expect((await fhir(cookies.gp, `CareTeam/${notGps}`)).status).toBe(404)
    expect((await fhir(cookies.gp, `CareTeam/${gpPatients[0]}`)).status).toBe(200)
  })
})

describe('the recipients\' settings (/admin/deliveries)', () => {
  const patch = async (cookie: string, id: string, body: unknown) => {
    const res = await fetch(`${stack.baseUrl}/api/admin/recipients/${id}`, {
      method: 'PATCH', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body),
    })
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string } } }
  }

  it('lists the tenant\'s recipients with their settings for its administrator only', async () => {
    const listed = await api(cookies.admin, '/api/admin/recipients')
    expect(listed.status).toBe(200)
    expect(listed.json.items).toEqual(expect.arrayContaining([expect.objectContaining({
      id: practice, name: 'Demo legekontor', transport: 'fhir-rest', isDemo: true,
      sends: expect.objectContaining({ redAlerts: true, dailyReadings: true }),
    })]))
    expect(await api(cookies.nurse, '/api/admin/recipients')).toMatchObject({ status: 403, json: { error: { code: 'forbidden' } } })
  })

  it('changes the name, the endpoint and what it gets, logs the fields changed, and refuses a bad address, a taken name and an unknown id', async () => {
    const changed = await patch(cookies.admin, practice, { baseUrl: 'https://fastlege.example.no/fhir', sends: { weeklySummary: true } })
    expect(changed).toMatchObject({ status: 200, json: { id: practice, baseUrl: 'https://fastlege.example.no/fhir', sends: { redAlerts: true, dailyReadings: true, weeklySummary: true } } })
    const logged = await db.pool.query<{ outcome: string; details: { fields: string[] } }>(
      `SELECT outcome, details FROM audit_log WHERE action = 'recipient.change' AND resource_id = $1 ORDER BY id DESC LIMIT 1`, [practice])
    expect(logged.rows[0]).toMatchObject({ outcome: 'allowed', details: { fields: ['baseUrl', 'sends'] } })

    for (const baseUrl of ['javascript:alert(1)', 'ftp://fastlege.example.no/', 'fastlege']) {
      expect(await patch(cookies.admin, practice, { baseUrl }), baseUrl).toMatchObject({ status: 400, json: { error: { code: 'invalid-request' } } })
    }
    // identity is not edited here: a new organisation is a new recipient
    expect((await patch(cookies.admin, practice, { organisationNumber: '999000999' })).status).toBe(400)
    const other = (await db.pool.query<{ id: string }>(
      `INSERT INTO forwarding_recipients (tenant_id, name, base_url) VALUES ('demo', 'Sykehuset Demo, medisinsk avdeling', 'https://sykehus.example.no/fhir') RETURNING id`)).rows[0]!.id
    expect(await patch(cookies.admin, other, { name: 'Demo legekontor' })).toMatchObject({ status: 409, json: { error: { code: 'recipient-name-taken' } } })
    expect(await patch(cookies.admin, '00000000-0000-4000-8000-000000000000', { name: 'x' })).toMatchObject({ status: 404, json: { error: { code: 'not-found' } } })
    expect(await patch(cookies.nurse, practice, { name: 'x' })).toMatchObject({ status: 403 })
    // nothing of the refused changes was stored
    const stored = await db.pool.query('SELECT name, base_url FROM forwarding_recipients WHERE id = $1', [practice])
    expect(stored.rows[0]).toEqual({ name: 'Demo legekontor', base_url: 'https://fastlege.example.no/fhir' })
  })
})
