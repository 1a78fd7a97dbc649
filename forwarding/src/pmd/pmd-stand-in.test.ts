import type { ForwardedReading } from '@varde/db'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createHash, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pmdBundle } from './pmd-bundle.js'
import { startPmdStandIn, type PmdStandIn } from './pmd-stand-in.js'
import { staticTokenDpopAuth, type StaticDpopAuth } from './static-dpop-auth.js'

/**
 * The PMD stand-in over real HTTP with real DPoP proofs (RFC 9449): it must
 * refuse what PMD would refuse, or the adapter's tests prove nothing.
 */
let pmd: PmdStandIn
let auth: StaticDpopAuth
let other: StaticDpopAuth
const patient = { id: 'p', nationalId: '12814112345', displayName: 'Kari Nordmann' }
const sender = { name: 'Varde kommune', organisationNumber: '123456785', municipalityNumber: '0301' }
const reading = (type: string, value: number, unit: string): ForwardedReading =>
  ({ id: randomUUID(), type, value, unit, measuredAt: new Date(), gatewayId: 'gw', deviceId: 'AA' })
const bundle = () => pmdBundle(patient, [reading('spo2', 96, '%'), reading('pulse', 61, '/min')], sender).bundle

beforeAll(async () => {
  pmd = await startPmdStandIn()
  auth = await staticTokenDpopAuth('token-one')
  other = await staticTokenDpopAuth('token-two')
  pmd.acceptToken(auth.token, auth.jkt)
  pmd.acceptToken(other.token, other.jkt)
})
afterAll(() => pmd.close())

const post = (body: unknown, headers: Record<string, string>) =>
  fetch(pmd.url, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...headers }, body: JSON.stringify(body) })

describe('the PMD stand-in checks DPoP', () => {
  it('takes a valid proof, and answers a batch-response entry per entry with its fullUrl', async () => {
    const b = bundle()
    const res = await post(b, await auth.headersFor('POST', pmd.url))
    expect(res.status).toBe(200)
    const answer = await res.json() as { type: string; entry: { fullUrl: string; response: { status: string } }[] }
    expect(answer.type).toBe('batch-response')
    expect(answer.entry.map((e) => e.fullUrl)).toEqual((b['entry'] as { fullUrl: string }[]).map((e) => e.fullUrl))
    expect(answer.entry.map((e) => e.response.status)).toEqual(['201 Created', '201 Created'])
  })

  it('refuses a call without a proof, a Bearer token, a replayed proof, a proof for another URL or method, and another key\'s proof', async () => {
    const b = bundle()
    expect((await post(b, { authorization: `DPoP ${auth.token}` })).status).toBe(401)
    expect((await post(b, { authorization: `Bearer ${auth.token}` })).status).toBe(401)
    const once = await auth.headersFor('POST', pmd.url)
    expect((await post(b, once)).status).toBe(200)
    const replay = await post(b, once)
    expect(replay.status).toBe(401)
    expect(replay.headers.get('www-authenticate')).toMatch(/invalid_dpop_proof/)
    expect((await post(b, await auth.headersFor('POST', `${pmd.url}Observation`))).status).toBe(401)
    expect((await post(b, await auth.headersFor('PUT', pmd.url))).status).toBe(401)
    // the other client's proof with this client's token: the token is bound to another key
    const stolen = await other.headersFor('POST', pmd.url)
    expect((await post(b, { ...stolen, authorization: `DPoP ${auth.token}` })).status).toBe(401)
    expect(pmd.stats().refused).toMatchObject({ 'proof: missing or more than one': 1, 'token: not a DPoP-bound token': 1, 'proof: jti reused': 1, 'proof: htu': 1, 'proof: htm': 1, 'proof: key not the one the token is bound to': 1 })
  })

  it('refuses a stale proof and one whose ath hashes another token', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwk = await exportJWK(publicKey)
    const bound = await staticTokenDpopAuth('token-three', { privateKey, publicJwk: jwk })
    pmd.acceptToken(bound.token, bound.jkt)
    const proof = (iat: number, token: string) => new SignJWT({ htm: 'POST', htu: pmd.url, ath: createHash('sha256').update(token).digest('base64url') })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).setIssuedAt(iat).setJti(randomUUID()).sign(privateKey)
    const now = Math.floor(Date.now() / 1000)
    expect((await post(bundle(), { authorization: `DPoP ${bound.token}`, dpop: await proof(now - 300, bound.token) })).status).toBe(401)
    expect((await post(bundle(), { authorization: `DPoP ${bound.token}`, dpop: await proof(now, 'token-one') })).status).toBe(401)
    expect((await post(bundle(), { authorization: `DPoP ${bound.token}`, dpop: await proof(now, bound.token) })).status).toBe(200)
    expect(pmd.stats().refused).toMatchObject({ 'proof: iat': 1, 'proof: ath': 1 })
  })

  it('demands a nonce when told to: 401 use_dpop_nonce with DPoP-Nonce, then takes a proof carrying it', async () => {
    pmd.demandNonce(true)
    const first = await post(bundle(), await auth.headersFor('POST', pmd.url))
    expect(first.status).toBe(401)
    expect(first.headers.get('www-authenticate')).toMatch(/use_dpop_nonce/)
    const nonce = first.headers.get('dpop-nonce') as string
    expect((await post(bundle(), await auth.headersFor('POST', pmd.url, nonce))).status).toBe(200)
    pmd.demandNonce(false)
  })
})

describe('the PMD stand-in checks the Bundle', () => {
  const send = async (b: unknown) => post(b, await auth.headersFor('POST', pmd.url))
  const edit = (change: (b: Record<string, unknown> & { entry: Record<string, unknown>[] }) => void) => {
    const b = bundle() as Record<string, unknown> & { entry: Record<string, unknown>[] }
    change(b)
    return b
  }

  it('refuses a collection (the older published examples\' type), a Patient entry, a repeated fullUrl, no request, no municipality tag, no identifier, no profile', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['Bundle.type is not batch', edit((b) => { b['type'] = 'collection' })],
      ['an entry is not an Observation', edit((b) => { b.entry.push({ fullUrl: 'urn:uuid:x', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }) })],
      ['fullUrl not unique', edit((b) => { b.entry[1]!['fullUrl'] = b.entry[0]!['fullUrl'] })],
      ['an entry has no request POST or PUT', edit((b) => { delete b.entry[0]!['request'] })],
      ['no municipality number tag', edit((b) => { (b['meta'] as { tag: unknown[] }).tag = [] })],
      ['no Bundle.identifier', edit((b) => { delete b['identifier'] })],
      ['pmd-Bundle-Observation not claimed', edit((b) => { (b['meta'] as { profile: unknown[] }).profile = [] })],
    ]
    for (const [reason, b] of cases) {
      const res = await send(b)
      expect(res.status, reason).toBe(400)
      expect(JSON.stringify(await res.json())).toContain(reason)
    }
  })

  it('fails one entry alone: a subject by another system, or a performer without an organisation number', async () => {
    const b = edit((x) => {
      const o = x.entry[0]!['resource'] as Record<string, unknown>
      o['subject'] = { identifier: { system: 'urn:varde:patient', value: 'p' }, display: 'Kari' }
    })
    const answer = await (await send(b)).json() as { entry: { response: { status: string } }[] }
    expect(answer.entry.map((e) => e.response.status)).toEqual(['400 Bad Request', '201 Created'])
    const c = edit((x) => { (x.entry[1]!['resource'] as Record<string, unknown>)['performer'] = [{ display: 'someone' }] })
    const second = await (await send(c)).json() as { entry: { response: { status: string } }[] }
    expect(second.entry.map((e) => e.response.status)).toEqual(['201 Created', '400 Bad Request'])
  })
})
