import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHelseIdMachineClient, type DpopAuth } from '../src/dpop.js'
import { createDpopResource, type DpopResource } from '../src/dpop-resource.js'
import { startHelseIdStandIn, type StandIn } from '../src/stand-in.js'

// Issue 24, machine access: Varde as a HelseID client (client credentials,
// private_key_jwt, DPoP-bound tokens) against the stand-in (oidc-provider,
// which asks for a DPoP nonce at its token endpoint), calling a resource
// server over real HTTP that checks each call's proof and asks for its own
// nonce, as Pasientens måledata does.
let provider: StandIn
let resource: DpopResource
let server: Server
let apiUrl: string
let clientJwk: JWK
let clock = Date.now()

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true })
  clientJwk = { ...(await exportJWK(pair.privateKey)), kid: 'varde-pmd-1', alg: 'ES256' }
  provider = await startHelseIdStandIn({
    loginClient: { clientId: 'unused', redirectUris: ['http://127.0.0.1/cb'], postLogoutRedirectUris: [], publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'x' } },
    machineClients: [{ clientId: 'varde-pmd', publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'varde-pmd-1', alg: 'ES256' } }],
    machineAudience: 'nhn:pmd',
  })
  resource = createDpopResource({ issuer: provider.issuer, audience: 'nhn:pmd', jwks: provider.publicJwks, now: () => clock })
  server = createServer((req, res) => {
    const url = `${apiUrl}${(req.url ?? '/').slice(1)}`
    void resource.check({ method: req.method ?? 'GET', url, authorization: req.headers.authorization, dpop: req.headers.dpop as string | undefined }).then((result) => {
      if (result.ok) { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ client: result.clientId })); return }
      res.statusCode = 401
      res.setHeader('www-authenticate', resource.challenge(result.error))
      if (result.error === 'use_dpop_nonce') res.setHeader('dpop-nonce', resource.nonce())
      res.end(JSON.stringify({ error: result.error, detail: result.detail }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  await provider?.close()
})

const clientWith = (extra: Partial<Parameters<typeof createHelseIdMachineClient>[0]> = {}) =>
  createHelseIdMachineClient({ issuer: provider.issuer, clientId: 'varde-pmd', clientJwk, now: () => clock, ...extra })

/** A call as the PMD transport makes it: once, and again with the server's nonce when it asks for one. */
async function call(auth: DpopAuth, path = 'Observation', nonce?: string): Promise<{ status: number; body: Record<string, string>; headers: Record<string, string> }> {
  const url = `${apiUrl}${path}`
  const headers = await auth.headersFor('POST', url, nonce)
  const res = await fetch(url, { method: 'POST', headers })
  const body = await res.json() as Record<string, string>
  if (res.status === 401 && body.error === 'use_dpop_nonce' && nonce === undefined) return call(auth, path, res.headers.get('dpop-nonce') ?? '')
  return { status: res.status, body, headers }
}

const raw = (headers: Record<string, string>, path = 'Observation') =>
  fetch(`${apiUrl}${path}`, { method: 'POST', headers }).then(async (r) => ({ status: r.status, body: await r.json() as { error: string } }))

describe('HelseID machine client with DPoP', () => {
  it('gets a DPoP-bound token with private_key_jwt and calls with a fresh proof, honouring the server nonce', async () => {
    const auth = clientWith()
    const first = await call(auth)
    expect(first).toMatchObject({ status: 200, body: { client: 'varde-pmd' } })
    expect(first.headers.Authorization).toMatch(/^DPoP ey/)
    const second = await call(auth)
    expect(second.status).toBe(200)
    expect(second.headers.DPoP).not.toBe(first.headers.DPoP) // a new proof each time
    expect(second.headers.Authorization).toBe(first.headers.Authorization) // the cached token
  })

  it('fetches a new token shortly before the cached one expires', async () => {
    const auth = clientWith({ refreshBeforeSeconds: 30 })
    const first = await call(auth)
    clock += 260_000 // the stand-in's tokens live 300 s: 40 s left, more than 30
    expect((await call(auth)).headers.Authorization).toBe(first.headers.Authorization)
    clock += 20_000 // 20 s left
    const renewed = await call(auth)
    clock = Date.now()
    expect(renewed.headers.Authorization).not.toBe(first.headers.Authorization)
  })

  it('is refused by the resource without a valid proof', async () => {
    const auth = clientWith()
    const ok = await call(auth)
    const token = ok.headers.Authorization ?? ''
    const nonce = resource.nonce()
    const fresh = () => auth.headersFor('POST', `${apiUrl}Observation`, nonce)
    expect(await raw({ Authorization: token })).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof' } })
    expect(await raw({ Authorization: token.replace('DPoP', 'Bearer'), DPoP: (await fresh()).DPoP ?? '' })).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    // a proof for another URL, another method, replayed, or without the server's nonce
    expect(await raw({ ...(await fresh()) }, 'Patient')).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof' } })
    const other = await auth.headersFor('GET', `${apiUrl}Observation`, nonce)
    expect(await raw(other)).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof' } })
    const once = await fresh()
    expect((await raw(once)).status).toBe(200)
    expect(await raw(once)).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof' } })
    expect(await raw(await auth.headersFor('POST', `${apiUrl}Observation`))).toMatchObject({ status: 401, body: { error: 'use_dpop_nonce' } })
    // a proof by another key than the one the token is bound to
    const stranger = clientWith()
    const strangerProof = (await stranger.headersFor('POST', `${apiUrl}Observation`, nonce)).DPoP ?? ''
    expect(await raw({ Authorization: token, DPoP: strangerProof })).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof' } })
  })
})
