import type { AuditEvent, Bundle, CapabilityStatement } from '@medplum/fhirtypes'
import { seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validate } from './fhir-validator.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// Issue 19 (log control) over HTTP against the real database: a nurse on no
// care team breaks the glass for Kari Nordmann (demo-gw-001), reads her for
// 4 hours of the platform clock and not after; the privacy officer sees the
// flags, reviews one (the review itself logged); Kari sees the access in her
// own access report and as FHIR AuditEvents, valid R4; nobody else reads them.
let db: TestDatabase
let stack: ServerStack
let kari: DemoHome
const cookies = { vikar: '', personvern: '', pasient: '', sykepleier: '', admin: '' }
beforeAll(async () => {
  db = await startTestDatabase()
  kari = (await seedDemo(db.pool))[0]!
  stack = await startServerStack({ db, name: 'log-control' })
  for (const name of Object.keys(cookies) as (keyof typeof cookies)[]) cookies[name] = await stack.login(name)
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

async function send(method: string, path: string, cookie: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.baseUrl}${path}`, {
    method, headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
}
const json = async <T>(res: Response, status = 200): Promise<T> => {
  expect(res.status, await res.clone().text()).toBe(status)
  return (await res.json()) as T
}
const REASON = 'Pasienten ringte responssenteret med brystsmerter'

describe('log control (issue 19)', () => {
  it('opens emergency access for a nurse on no care team, with a reason and the password again, for 4 hours', async () => {
    expect((await send('GET', `/api/patients/${kari.patientId}`, cookies.vikar)).status).toBe(404)
    const wrong = await send('POST', `/api/patients/${kari.patientId}/emergency-access`, cookies.vikar, { reason: REASON, password: 'not-it' })
    expect(wrong.status).toBe(403)
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('wrong-password')
    expect((await send('POST', `/api/patients/${kari.patientId}/emergency-access`, cookies.vikar, { reason: 'kort', password: 'demo' })).status).toBe(400)
    expect((await send('POST', `/api/patients/${kari.patientId}/emergency-access`, cookies.admin, { reason: REASON, password: 'demo' })).status).toBe(403)

    const grant = await json<{ patientId: string; expiresAt: string }>(
      await send('POST', `/api/patients/${kari.patientId}/emergency-access`, cookies.vikar, { reason: REASON, password: 'demo' }), 201)
    expect(Math.abs(new Date(grant.expiresAt).getTime() - Date.now() - 4 * 3600_000)).toBeLessThan(60_000)
    const patient = await json<{ displayName: string; emergencyAccessUntil: string | null }>(await send('GET', `/api/patients/${kari.patientId}`, cookies.vikar))
    expect(patient).toMatchObject({ displayName: 'Kari Nordmann', emergencyAccessUntil: grant.expiresAt })
    // a nurse on the care team sees no mark
    expect((await json<{ emergencyAccessUntil: string | null }>(await send('GET', `/api/patients/${kari.patientId}`, cookies.sykepleier))).emergencyAccessUntil).toBeNull()
  })

  it('flags the emergency access and the reads under it for the privacy officer, who marks one reviewed (logged too)', async () => {
    expect((await send('GET', '/api/log-control/entries', cookies.sykepleier)).status).toBe(403)
    const { items } = await json<{ items: { id: string; actor: string; action: string; flags: string[]; reason: string | null; ip: string | null; review: unknown }[] }>(
      await send('GET', `/api/log-control/entries?show=open&user=vikar&patient=${kari.patientId}`, cookies.personvern))
    const opened = items.find((e) => e.action === 'emergency-access' && e.flags.includes('emergency'))
    expect(opened).toMatchObject({ actor: 'vikar', reason: REASON, ip: expect.any(String), review: null })
    expect(items.find((e) => e.action === 'read')?.flags).toEqual(expect.arrayContaining(['emergency', 'no-relationship']))
    const denied = await json<{ items: { flags: string[] }[] }>(await send('GET', '/api/log-control/entries?outcome=denied&user=vikar', cookies.personvern))
    expect(denied.items.length).toBeGreaterThan(0)
    expect(denied.items.every((e) => e.flags.includes('denied'))).toBe(true)

    const reviewed = await json<{ review: { note: string; reviewedBy: string } }>(
      await send('POST', `/api/log-control/entries/${opened!.id}/review`, cookies.personvern, { note: 'Bekreftet med vakthavende: akutt situasjon.' }))
    expect(reviewed.review).toMatchObject({ note: 'Bekreftet med vakthavende: akutt situasjon.', reviewedBy: 'personvern' })
    const open = await json<{ items: { id: string }[] }>(await send('GET', `/api/log-control/entries?show=open&user=vikar`, cookies.personvern))
    expect(open.items.map((e) => e.id)).not.toContain(opened!.id)
    const reviews = await json<{ items: { resourceId: string }[] }>(await send('GET', '/api/log-control/entries?action=review', cookies.personvern))
    expect(reviews.items.map((e) => e.resourceId)).toContain(opened!.id)

    const csv = await send('GET', `/api/log-control/report?month=${new Date().toISOString().slice(0, 7)}`, cookies.personvern)
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/)
    const lines = (await csv.text()).trim().split('\r\n')
    expect(lines[0]).toMatch(/^id,time,user/)
    expect(lines.some((l) => l.startsWith(`${opened!.id},`) && l.includes('emergency') && l.includes('Bekreftet med vakthavende'))).toBe(true)
  })

  it('exports the filtered log whole as CSV and JSON lines, quoted for a spreadsheet, only to the privacy officer; the export is logged', async () => {
    expect((await send('GET', '/api/log-control/export', cookies.sykepleier)).status).toBe(403)
    // a review note with what CSV must quote: a comma, a quote, a line break, and a formula
    const { items: [denied] } = await json<{ items: { id: string }[] }>(await send('GET', '/api/log-control/entries?outcome=denied&user=vikar&limit=1', cookies.personvern))
    const note = '=HYPERLINK("x"), sett\npå nytt'
    await json(await send('POST', `/api/log-control/entries/${denied!.id}/review`, cookies.personvern, { note }))

    const all = await json<{ items: { id: string }[] }>(await send('GET', '/api/log-control/entries?user=vikar&limit=1000', cookies.personvern))
    const csv = await send('GET', '/api/log-control/export?user=vikar&format=csv', cookies.personvern)
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="tilgangslogg-\d{4}-\d{2}-\d{2}\.csv"$/)
    const text = await csv.text()
    expect(text.split('\r\n')[0]).toBe('id,time,user,name,role,hpr,organisation,patient,action,resource,outcome,purpose,reason,flags,reviewed,reviewed by,note,patient id,resource id,ip,client')
    expect(text).toContain(`,"'=HYPERLINK(""x""), sett\npå nytt",`)
    // one line per entry (the quoted line break inside one field aside)
    expect(text.split('\r\n').filter((l) => /^\d+,/.test(l)).map((l) => l.split(',')[0])).toEqual(all.items.map((e) => e.id))

    const jsonl = await send('GET', `/api/log-control/export?format=jsonl&outcome=denied&user=vikar`, cookies.personvern)
    expect(jsonl.headers.get('content-type')).toMatch(/^application\/x-ndjson/)
    const entries = (await jsonl.text()).trim().split('\n').map((l) => JSON.parse(l) as { outcome: string; actor: string; flags: string[] })
    expect(entries.length).toBeGreaterThan(0)
    expect(entries.every((e) => e.outcome === 'denied' && e.actor === 'vikar' && e.flags.includes('denied'))).toBe(true)

    const exports = await json<{ items: { actor: string; outcome: string }[] }>(await send('GET', '/api/log-control/entries?action=log.export', cookies.personvern))
    expect(exports.items.map((e) => [e.actor, e.outcome])).toEqual([['personvern', 'allowed'], ['personvern', 'allowed'], ['sykepleier', 'denied']])
  })

  it('gives the monthly control report\'s figures as PDF and CSV for a chosen month, logged', async () => {
    const month = new Date().toISOString().slice(0, 7)
    expect((await send('GET', `/api/log-control/report/summary?month=${month}`, cookies.sykepleier)).status).toBe(403)
    expect((await send('GET', `/api/log-control/report/summary?month=2026-13`, cookies.personvern)).status).toBe(400)
    const pdf = await send('GET', `/api/log-control/report/summary?month=${month}`, cookies.personvern)
    expect(pdf.headers.get('content-type')).toBe('application/pdf')
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-')

    const csv = await send('GET', `/api/log-control/report/summary?month=${month}&format=csv`, cookies.personvern)
    const lines = (await csv.text()).trim().split('\r\n')
    expect(lines[0]).toBe('section,key,outcome,count,reviewed')
    expect(lines).toContain('total,emergency accesses,,1,')
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^total,denied attempts,,[1-9]\d*,$/), expect.stringMatching(/^flag,emergency,,[1-9]\d*,1$/),
      expect.stringMatching(/^action,emergency-access,allowed,1,$/), expect.stringMatching(/^user,vikar,,[1-9]\d*,$/)]))
    // an earlier month has nothing
    expect((await (await send('GET', '/api/log-control/report/summary?month=2020-01&format=csv', cookies.personvern)).text()).trim().split('\r\n'))
      .toEqual(['section,key,outcome,count,reviewed', 'total,entries,,0,', 'total,emergency accesses,,0,', 'total,denied attempts,,0,'])
    const reports = await json<{ items: { resourceId: string }[] }>(await send('GET', '/api/log-control/entries?action=log.report', cookies.personvern))
    expect(reports.items.map((e) => e.resourceId)).toEqual(expect.arrayContaining([month, '2020-01']))
  })

  it('shows Kari who read her data and why, in her report and as valid R4 AuditEvents; nobody else reads them', async () => {
    const report = await json<{ patientName: string; items: { who: string; action: string; purpose: string | null; reason: string | null }[] }>(
      await send('GET', '/api/me/access-report', cookies.pasient))
    expect(report.patientName).toBe('Kari Nordmann')
    expect(report.items).toEqual(expect.arrayContaining([expect.objectContaining({ who: 'Vera Vikar', action: 'emergency-access', purpose: 'emergency', reason: REASON })]))
    expect((await send('GET', '/api/me/access-report', cookies.sykepleier)).status).toBe(404)

    const started = Date.now()
    const bundle = await json<Bundle<AuditEvent>>(await send('GET', `/fhir/AuditEvent?patient=${kari.patientId}&date=ge${new Date(started - 3600_000).toISOString().slice(0, 10)}`, cookies.pasient))
    const events = bundle.entry!.map((e) => e.resource!)
    expect(events.length).toBeGreaterThan(1)
    for (const event of events) expect(validate(event).filter((f) => f.severity === 'error'), JSON.stringify(event)).toEqual([])
    // the grant and the reads under it are emergency treatment; the grant carries the reason
    const emergency = events.find((e) => e.outcomeDesc === 'emergency-access allowed')
    expect(events.filter((e) => e.agent[0]?.altId === 'vikar').map((e) => e.purposeOfEvent?.[0]?.coding?.[0]?.code)).toEqual(expect.arrayContaining(['ETREAT']))
    expect(events.filter((e) => e.agent[0]?.altId === 'vikar').every((e) => e.purposeOfEvent?.[0]?.coding?.[0]?.code === 'ETREAT')).toBe(true)
    expect(emergency?.entity).toEqual(expect.arrayContaining([expect.objectContaining({ what: expect.objectContaining({ reference: `Patient/${kari.patientId}` }) })]))
    expect(JSON.stringify(emergency)).toContain(REASON)
    // read by id, by the patient and the privacy officer; nobody else
    const one = await json<AuditEvent>(await send('GET', `/fhir/AuditEvent/${emergency!.id}`, cookies.personvern))
    expect(one.id).toBe(emergency!.id)
    expect((await send('GET', `/fhir/AuditEvent/${emergency!.id}`, cookies.pasient)).status).toBe(200)
    expect((await send('GET', `/fhir/AuditEvent/${emergency!.id}`, cookies.sykepleier)).status).toBe(404)
    expect((await send('GET', `/fhir/AuditEvent?patient=${kari.patientId}`, cookies.sykepleier)).status).toBe(403)
    expect((await send('GET', `/fhir/AuditEvent?patient=${kari.patientId}`, cookies.vikar)).status).toBe(403)

    // an access appears at once (the contract allows 5 s)
    await send('GET', `/api/patients/${kari.patientId}/measurements`, cookies.sykepleier)
    const after = await json<Bundle<AuditEvent>>(await send('GET', `/fhir/AuditEvent?patient=${kari.patientId}&_count=5`, cookies.pasient))
    expect(after.entry?.[0]?.resource?.agent[0]?.name).toBe('Sara Sykepleier')
    expect(Date.now() - started).toBeLessThan(5000)

    const metadata = await json<CapabilityStatement>(await send('GET', '/fhir/metadata', ''))
    expect(metadata.rest?.[0]?.resource?.find((r) => r.type === 'AuditEvent')?.searchParam?.map((p) => p.name)).toEqual(expect.arrayContaining(['patient', 'date']))
  })

  it('ends the emergency access after 4 hours of the platform clock', async () => {
    expect((await send('POST', '/api/admin/clock', cookies.admin, { advance: '4h' })).status).toBe(200)
    try {
      expect((await send('GET', `/api/patients/${kari.patientId}`, cookies.vikar)).status).toBe(404)
    } finally {
      await send('POST', '/api/admin/clock', cookies.admin, { offset: '0' })
    }
  })
})
