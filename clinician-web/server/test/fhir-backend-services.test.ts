import type { Bundle, Observation, Resource } from '@medplum/fhirtypes'
import { addCareTeamMember, registerFhirClient, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { Client } from 'fhir-kit-client'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import { randomUUID } from 'node:crypto'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validate } from './fhir-validator.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// SMART Backend Services (issue 22; docs/decisions/0038) from outside, as a
// hospital's integration would use it: the hospital's system is registered
// with its public key; it signs an assertion with its private key, trades it
// at the token endpoint for a short access token, and reads over plain HTTP
// and with a real FHIR client (fhir-kit-client). It sees only the patients on
// whose care team its organisation is.
const HOSPITAL = '974795787'
const CLIENT_ID = 'sykehus-epj'
let db: TestDatabase
let stack: ServerStack
let homes: DemoHome[]
let hospitalPatient: DemoHome
let otherPatient: DemoHome
let key: CryptoKey
let otherKey: CryptoKey
let tokenUrl: string

async function assertion(claims: { key?: CryptoKey; alg?: string; kid?: string; jti?: string; exp?: number | string; iss?: string; aud?: string } = {}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: claims.alg ?? 'RS384', kid: claims.kid ?? 'k1' })
    .setIssuer(claims.iss ?? CLIENT_ID).setSubject(claims.iss ?? CLIENT_ID).setAudience(claims.aud ?? tokenUrl)
    .setJti(claims.jti ?? randomUUID()).setExpirationTime(claims.exp ?? '4m')
    .sign(claims.key ?? key)
}

async function requestToken(signed: string, scope = 'system/*.read', accept = 'application/json'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: signed }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const fhir = async <T extends Resource = Resource>(path: string, token: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${stack.baseUrl}/fhir/${path}`, { headers: { authorization: `Bearer ${token}` } })
  return { status: res.status, body: (await res.json()) as T }
}

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  ;[hospitalPatient, otherPatient] = [homes[0]!, homes[1]!]
  stack = await startServerStack({ db, name: 'fhir-backend-services' })
  tokenUrl = `${stack.baseUrl}/fhir/auth/token`
  const pair = await generateKeyPair('RS384', { extractable: true })
  key = pair.privateKey
  otherKey = (await generateKeyPair('RS384')).privateKey
  const ec = await generateKeyPair('ES384', { extractable: true })
  await registerFhirClient(db.pool, {
    tenantId: hospitalPatient.tenantId, clientId: CLIENT_ID, name: 'Sykehusets EPJ', organisationNumber: HOSPITAL,
    jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS384' }, { ...(await exportJWK(ec.publicKey)), kid: 'k2', alg: 'ES384' }] },
  })
  ecKey = ec.privateKey
  // the hospital (its organisation, not one of its users) on the first patient's care team only
  const admin = (await db.pool.query<{ id: string }>("SELECT id FROM users WHERE username = 'admin'")).rows[0]!.id
  const added = await addCareTeamMember(db.pool, {
    tenantId: hospitalPatient.tenantId, patientId: hospitalPatient.patientId, relation: 'hospital',
    organisation: { name: 'Demo sykehus', number: HOSPITAL }, decidedByUserId: admin, reason: 'innlagt, oppfølging etter utskriving',
  })
  expect(added.ok).toBe(true)
  // readings sent as the gateway sends them, three so that pages of one have next links
  const gw = await mqtt.connectAsync(stack.mqttUrl, { clientId: hospitalPatient.gatewayId, username: hospitalPatient.gatewayId, password: hospitalPatient.secret, protocolVersion: 4, reconnectPeriod: 0 })
  await gw.subscribeAsync(`varde/v1/gateways/${hospitalPatient.gatewayId}/receipts`, { qos: 1 })
  const receipt = new Promise<{ accepted: string[] }>((resolve) => gw.on('message', (_t, p) => resolve(JSON.parse(p.toString()) as { accepted: string[] })))
  const measurements = [91, 92, 93].map((v) => ({ id: `o-${v}`, deviceId: 'ox-1', type: 'spo2', value: v, unit: '%', measuredAt: new Date(Date.now() - v * 60_000).toISOString() }))
  await gw.publishAsync(`varde/v1/gateways/${hospitalPatient.gatewayId}/measurements`, JSON.stringify({ batchId: 'backend-1', sentAt: new Date().toISOString(), measurements }), { qos: 1 })
  expect((await receipt).accepted).toHaveLength(3)
  await gw.endAsync()
})
let ecKey: CryptoKey
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

describe('SMART Backend Services (private_key_jwt, client credentials)', () => {
  it('says where its token endpoint is (.well-known/smart-configuration and the CapabilityStatement)', async () => {
    const res = await fetch(`${stack.baseUrl}/fhir/.well-known/smart-configuration`)
    expect(await res.json()).toMatchObject({ token_endpoint: tokenUrl, token_endpoint_auth_methods_supported: ['private_key_jwt'], grant_types_supported: ['client_credentials'] })
    const statement = (await (await fetch(`${stack.baseUrl}/fhir/metadata`)).json()) as { rest: { security: Resource }[] }
    expect(JSON.stringify(statement.rest[0]!.security)).toContain(tokenUrl)
  })

  it('gives a short token for an assertion signed with a registered key, which sees only the patients the hospital cares for, every call logged with the client id', async () => {
    const { status, body } = await requestToken(await assertion())
    expect({ status, body }).toEqual({ status: 200, body: { access_token: expect.any(String), token_type: 'bearer', expires_in: 300, scope: 'system/*.read' } })
    const token = body.access_token as string
    // an ES384 key of the same client too (SMART: RS384 and ES384)
    expect((await requestToken(await assertion({ key: ecKey, alg: 'ES384', kid: 'k2' }))).status).toBe(200)

    const mine = await fhir<Bundle<Observation>>(`Observation?patient=${hospitalPatient.patientId}&_count=1000`, token)
    expect(mine.status).toBe(200)
    expect(mine.body.entry?.length).toBeGreaterThanOrEqual(3)
    expect(mine.body.entry!.flatMap((e) => validate(e.resource!))).toEqual([])
    expect((await fhir(`Patient/${hospitalPatient.patientId}`, token)).status).toBe(200)
    expect((await fhir(`CareTeam/${hospitalPatient.patientId}`, token)).status).toBe(200)
    // the other patient is as one that does not exist
    const other = await fhir(`Observation?patient=${otherPatient.patientId}`, token)
    expect([other.status, other.body.resourceType]).toEqual([403, 'OperationOutcome'])
    expect((await fhir(`Patient/${otherPatient.patientId}`, token)).status).toBe(404)
    const nationalId = (await db.pool.query<{ n: string }>('SELECT national_id AS n FROM patients WHERE id = $1', [otherPatient.patientId])).rows[0]!.n
    expect((await fhir<Bundle>(`Patient?identifier=${nationalId}`, token)).body.entry).toEqual([])
    // the portal's API is not FHIR: the token opens nothing there
    expect((await fetch(`${stack.baseUrl}/api/patients`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)

    const log = await db.pool.query<{ actor: string; client: string | null; organisation: string | null; patient_id: string | null; outcome: string; action: string }>(
      "SELECT actor, client, organisation, patient_id, outcome, action FROM audit_log WHERE actor = $1 ORDER BY id", [`client:${CLIENT_ID}`])
    expect(log.rows.every((r) => r.client === CLIENT_ID && r.organisation === HOSPITAL)).toBe(true)
    expect(log.rows.filter((r) => r.action === 'token').map((r) => r.outcome)).toEqual(['allowed', 'allowed'])
    expect(log.rows.some((r) => r.action === 'search' && r.patient_id === hospitalPatient.patientId && r.outcome === 'allowed')).toBe(true)
    expect(log.rows.some((r) => r.action === 'read' && r.outcome === 'denied')).toBe(true)
  })

  it('refuses a wrong key, an expired, a far-future or a replayed assertion and an unknown client, as OAuth says or as an OperationOutcome', async () => {
    const cases: [string, Promise<string>, number, string][] = [
      ['wrong key', assertion({ key: otherKey }), 401, 'invalid_client'],
      ['unknown client', assertion({ iss: 'no-such-client' }), 401, 'invalid_client'],
      ['another audience', assertion({ aud: 'https://example.org/token' }), 401, 'invalid_client'],
      ['expired', assertion({ exp: Math.floor(Date.now() / 1000) - 120 }), 400, 'invalid_grant'],
      ['exp an hour ahead', assertion({ exp: '1h' }), 400, 'invalid_grant'],
      ['not a JWT', Promise.resolve('not-a-jwt'), 401, 'invalid_client'],
    ]
    for (const [name, signed, status, error] of cases) {
      const answer = await requestToken(await signed)
      expect({ name, status: answer.status, error: answer.body.error }).toEqual({ name, status, error })
      expect(answer.body.access_token).toBeUndefined()
    }
    const once = await assertion({ jti: 'used-once' })
    expect((await requestToken(once)).status).toBe(200)
    const replay = await requestToken(once, 'system/*.read', 'application/fhir+json')
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 400, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security', diagnostics: 'The assertion was used before (jti)' }] } })
    const wrongKey = await requestToken(await assertion({ key: otherKey }), 'system/*.read', 'application/fhir+json')
    expect([wrongKey.status, wrongKey.body.resourceType]).toEqual([401, 'OperationOutcome'])
    // a token that is no token: an OperationOutcome, never a session's data
    const bad = await fhir('Patient/' + hospitalPatient.patientId, 'no-such-token')
    expect([bad.status, bad.body.resourceType]).toEqual([401, 'OperationOutcome'])
  })

  it('keeps a token to its scopes: system/Observation.read reads Observations and no Patient, even by _include', async () => {
    const { body } = await requestToken(await assertion(), 'system/Observation.read')
    expect(body.scope).toBe('system/Observation.read')
    const token = body.access_token as string
    const search = await fhir<Bundle>(`Observation?patient=${hospitalPatient.patientId}&_include=Observation:patient`, token)
    expect(search.status).toBe(200)
    expect(search.body.entry?.filter((e) => e.search?.mode === 'include')).toEqual([])
    const patient = await fhir(`Patient/${hospitalPatient.patientId}`, token)
    expect([patient.status, patient.body.resourceType]).toEqual([403, 'OperationOutcome'])
    expect((await requestToken(await assertion(), 'user/*.read')).body.error).toBe('invalid_scope')
  })
})

describe('an integrator with fhir-kit-client and a backend-services token', () => {
  it('searches, pages by the next links and reads, as the hospital\'s system', async () => {
    const token = (await requestToken(await assertion())).body.access_token as string
    const client = new Client({ baseUrl: `${stack.baseUrl}/fhir`, bearerToken: token })
    const found: Observation[] = []
    let page = (await client.search({ resourceType: 'Observation', searchParams: { patient: hospitalPatient.patientId, _count: 1, _sort: '-date' } })) as Bundle<Observation>
    let pages = 0
    for (;;) {
      pages += 1
      found.push(...(page.entry ?? []).map((e) => e.resource!))
      const next = (await client.nextPage({ bundle: page })) as Bundle<Observation> | undefined
      if (!next) break
      page = next
    }
    expect(pages).toBe(found.length)
    expect(found.length).toBeGreaterThanOrEqual(3)
    const times = found.map((o) => Date.parse(o.effectiveDateTime!))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    for (const o of found.slice(0, 3)) {
      expect(await client.read({ resourceType: 'Observation', id: o.id! })).toEqual(o)
      const [resourceType, id] = o.subject!.reference!.split('/') as [string, string]
      expect(await client.read({ resourceType, id })).toMatchObject({ resourceType: 'Patient', id: hospitalPatient.patientId })
    }
    await expect(client.read({ resourceType: 'Patient', id: otherPatient.patientId })).rejects.toMatchObject({ response: { status: 404 } })
  })
})
