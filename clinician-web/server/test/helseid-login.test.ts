import { createHash } from 'node:crypto'
import { createServer } from 'node:net'
import { seedDemoTenants, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { startHelseIdStandIn, type StandIn } from '@varde/helseid/stand-in'
import { exportJWK, generateKeyPair, type JWTPayload } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { helseIdLogin, TestBrowser } from './helseid-browser.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// Issue 24: login with HelseID against a real OpenID provider (the stand-in,
// oidc-provider) started here. The provider's answers are tampered with (and
// signed again with its own key) to show that Varde refuses an ID token for
// another audience, from another issuer, with another nonce, or expired.
let db: TestDatabase
let stack: ServerStack
let provider: StandIn
let tamper: ((p: JWTPayload) => JWTPayload) | null = null
let homes: DemoHome[]
let naboHomes: DemoHome[]
const STREAM_CHECK_MS = 100

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number }
    s.close(() => resolve(port))
  })
})

beforeAll(async () => {
  db = await startTestDatabase()
  ;({ demo: homes, nabo: naboHomes } = await seedDemoTenants(db.pool))
  const port = await freePort()
  const appUrl = `http://127.0.0.1:${port}`
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  provider = await startHelseIdStandIn({
    loginClient: {
      clientId: 'varde-test', redirectUris: [`${appUrl}/api/session/helseid/callback`], postLogoutRedirectUris: [`${appUrl}/login`],
      publicJwk: { ...(await exportJWK(publicKey)), kid: 'varde-test-1' },
    },
    tamperIdToken: (p) => (tamper ? tamper(p) : p),
  })
  stack = await startServerStack({
    db, name: 'helseid-login-test', port,
    app: {
      sessionCheckMs: STREAM_CHECK_MS,
      helseId: {
        issuer: provider.issuer, clientId: 'varde-test', clientJwk: { ...(await exportJWK(privateKey)), kid: 'varde-test-1' },
        redirectUris: [`${appUrl}/api/session/helseid/callback`],
      },
    },
  })
})
afterAll(async () => {
  await stack?.stop()
  await provider?.close()
  await db?.stop()
})
beforeEach(() => { tamper = null })

const sessionOf = async (browser: TestBrowser) => {
  const res = await fetch(`${stack.baseUrl}/api/session`, { headers: { cookie: browser.cookieHeader(new URL(stack.baseUrl)) } })
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}

describe('login with HelseID', () => {
  it('logs a test person in as the Varde user with their HPR number, and writes the claims with every access', async () => {
    const browser = new TestBrowser()
    const landed = await helseIdLogin(browser, stack.baseUrl, 'sykepleier')
    expect(landed.pathname + landed.search).toBe('/')
    expect(browser.cookie(stack.baseUrl, 'varde_helseid'), 'the login transaction is used once').toBeUndefined()
    const me = await sessionOf(browser)
    expect(me).toMatchObject({ status: 200, body: { user: { username: 'sykepleier', role: 'nurse' }, tenant: { id: 'demo' }, authMethod: 'helseid' } })

    const cookie = browser.cookieHeader(new URL(stack.baseUrl))
    const list = await fetch(`${stack.baseUrl}/api/patients`, { headers: { cookie } })
    expect(list.status).toBe(200)
    const { rows } = await db.pool.query<{ details: { helseid?: Record<string, unknown> } }>(
      `SELECT details FROM audit_log WHERE actor = 'sykepleier' ORDER BY id DESC LIMIT 1`)
    expect(rows[0]?.details.helseid).toMatchObject({
      hprNumber: '9100001', securityLevel: 4, organisation: '999888777',
      trustFramework: {
        type: 'nhn:tillitsrammeverk:parameters',
        practitioner: { authorization: { code: 'SP' }, legal_entity: { id: '999888777' }, point_of_care: { id: '999888778' } },
        care_relationship: { purpose_of_use: { code: 'TREAT' }, healthcare_service: { code: 'S03' }, decision_ref: { id: 'vedtak-demo-1' } },
      },
    })
  })

  it('sends the user back to the page they came from, and never off the portal', async () => {
    expect((await helseIdLogin(new TestBrowser(), stack.baseUrl, 'lege', '?returnTo=%2Fpatients')).pathname).toBe('/patients')
    const offSite = await helseIdLogin(new TestBrowser(), stack.baseUrl, 'lege', '?returnTo=%2F%2Fevil.example%2F')
    expect(offSite.host + offSite.pathname).toBe(`${new URL(stack.baseUrl).host}/`)
  })

  it.each([
    ['ukjent', 'helseid-no-user', 'a person without an HPR number whose pseudonym is no user'],
    ['niva3', 'security-level-too-low', 'a login on security level 3 where the tenant asks for 4'],
  ])('refuses %s (%s): %s', async (login, code) => {
    const browser = new TestBrowser()
    const landed = await helseIdLogin(browser, stack.baseUrl, login)
    expect(landed.pathname + landed.search).toBe(`/login?error=${code}`)
    expect((await sessionOf(browser)).status).toBe(401)
  })

  it.each<[string, (p: JWTPayload) => JWTPayload]>([
    ['another audience', (p) => ({ ...p, aud: 'another-client' })],
    ['another issuer', (p) => ({ ...p, iss: 'https://helseid-sts.nhn.no' })],
    ['another nonce', (p) => ({ ...p, nonce: 'not-the-one-sent' })],
    ['an expired ID token', (p) => ({ ...p, iat: (p.iat ?? 0) - 3600, exp: Math.floor(Date.now() / 1000) - 600 })],
  ])('refuses an ID token with %s', async (_what, change) => {
    tamper = change
    const browser = new TestBrowser()
    const landed = await helseIdLogin(browser, stack.baseUrl, 'lege')
    expect(landed.pathname + landed.search).toBe('/login?error=helseid-login-failed')
    expect((await sessionOf(browser)).status).toBe(401)
  })

  it('refuses a callback this browser did not start (no transaction cookie)', async () => {
    const browser = new TestBrowser()
    const res = await browser.request(new URL('/api/session/helseid/callback?code=x&state=y', stack.baseUrl))
    expect(res.headers.get('location')).toBe('/login?error=helseid-login-failed')
  })

  it('asks HelseID for a fresh login (prompt=login, max_age) before emergency access, and opens a session with a new authTime', async () => {
    const browser = new TestBrowser()
    await helseIdLogin(browser, stack.baseUrl, 'lege')
    const first = (await sessionOf(browser)).body.authTime as string
    const start = await browser.request(new URL('/api/session/helseid?maxAge=60&returnTo=%2Fpatients', stack.baseUrl))
    const to = new URL(start.headers.get('location') ?? '')
    expect(to.searchParams.get('prompt')).toBe('login')
    expect(to.searchParams.get('max_age')).toBe('60')
    // the provider shows its login page again although its session is live
    const landed = await helseIdLogin(browser, stack.baseUrl, 'lege', '?maxAge=60&returnTo=%2Fpatients')
    expect(landed.pathname).toBe('/patients')
    expect(Date.parse((await sessionOf(browser)).body.authTime as string)).toBeGreaterThanOrEqual(Date.parse(first))
  })

  it('logs out here and at HelseID (single logout)', async () => {
    const browser = new TestBrowser()
    await helseIdLogin(browser, stack.baseUrl, 'fastlege')
    const logout = await browser.request(new URL('/api/session/helseid/logout', stack.baseUrl), { method: 'POST' })
    const { redirectTo } = await logout.json() as { redirectTo: string }
    expect((await sessionOf(browser)).status).toBe(401)
    const endSession = new URL(redirectTo)
    expect(endSession.origin).toBe(provider.issuer)
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy()
    // the provider's page posts its form itself (a script); the test posts it
    const page = await (await browser.request(endSession)).text()
    const action = /<form[^>]* method="post" action="([^"]+)"/.exec(page)?.[1] ?? ''
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1] ?? ''
    const done = await browser.follow(new URL(action, endSession), (u) => u.origin === stack.baseUrl, { method: 'POST', form: { xsrf, logout: 'yes' } })
    expect(done.url.href).toBe(`${stack.baseUrl}/login`)
    // the provider's session is gone: a new login asks for the person again
    const again = await browser.follow(new URL('/api/session/helseid', stack.baseUrl), (u) => u.origin === stack.baseUrl && !u.pathname.startsWith('/api/'))
    expect(again.res?.status).toBe(200)
    expect(await again.res?.text()).toContain('<form method="post" action="/interaction/')
  })
})

describe('emergency access with HelseID: a fresh login first (issue 24)', () => {
  const REASON = 'Pasienten ringte responssenteret med brystsmerter'
  // Ingrid Johansen: Lars Lege (clinician) is not on her care team
  const patientId = () => homes[2]!.patientId
  const breakTheGlass = (browser: TestBrowser) => fetch(`${stack.baseUrl}/api/patients/${patientId()}/emergency-access`, {
    method: 'POST', headers: { cookie: browser.cookieHeader(new URL(stack.baseUrl)), 'content-type': 'application/json' }, body: JSON.stringify({ reason: REASON }),
  })
  const hashOf = (browser: TestBrowser) => createHash('sha256').update(browser.cookie(stack.baseUrl, 'varde_session') ?? '').digest('hex')
  // the session's auth_time is the wall clock's (docs/decisions/0014): the test moves it back rather than waiting
  const loggedInMinutesAgo = (browser: TestBrowser, minutes: number) =>
    db.pool.query(`UPDATE sessions SET auth_time = now() - make_interval(mins => $2) WHERE token_hash = $1`, [hashOf(browser), minutes])
  const entries = (outcome: string) => db.pool.query<{ details: Record<string, unknown> }>(
    `SELECT details FROM audit_log WHERE actor = 'lege' AND action = 'emergency-access' AND outcome = $1 ORDER BY id`, [outcome])

  it('refuses a HelseID session whose login is older than 5 minutes (401 reauthentication-required), and logs the refusal', async () => {
    const browser = new TestBrowser()
    await helseIdLogin(browser, stack.baseUrl, 'lege')
    await loggedInMinutesAgo(browser, 10)
    const before = (await entries('denied')).rows.length
    const res = await breakTheGlass(browser)
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: { code: 'reauthentication-required' } })
    const denied = (await entries('denied')).rows
    expect(denied).toHaveLength(before + 1)
    expect(denied.at(-1)?.details).toMatchObject({ why: 'reauthentication' })
    expect((await sessionOf(browser)).status, 'the session itself lives on').toBe(200)
  })

  it('opens it after a fresh login at HelseID (prompt=login, max_age=300), and writes that login\'s auth_time into the grant\'s entry', async () => {
    const browser = new TestBrowser()
    await helseIdLogin(browser, stack.baseUrl, 'lege')
    await loggedInMinutesAgo(browser, 10)
    const stale = browser.cookie(stack.baseUrl, 'varde_session')
    const landed = await helseIdLogin(browser, stack.baseUrl, 'lege', `?maxAge=300&returnTo=${encodeURIComponent(`/patients/${patientId()}`)}`)
    expect(landed.pathname).toBe(`/patients/${patientId()}`)
    expect(browser.cookie(stack.baseUrl, 'varde_session')).not.toBe(stale)
    const stalePage = await fetch(`${stack.baseUrl}/api/session`, { headers: { cookie: `varde_session=${stale}` } })
    expect(stalePage.status, 'the session the fresh login replaced is over').toBe(401)
    const authTime = (await sessionOf(browser)).body.authTime as string
    const res = await breakTheGlass(browser)
    expect(res.status, await res.clone().text()).toBe(201)
    const granted = (await entries('allowed')).rows.at(-1)?.details
    expect(granted).toMatchObject({ reason: REASON, authentication: { method: 'helseid', authTime }, helseid: { hprNumber: '9100002', securityLevel: 4 } })
  })

  it('refuses a fresh login whose ID token says an auth_time older than max_age, and the glass stays whole', async () => {
    const browser = new TestBrowser()
    await helseIdLogin(browser, stack.baseUrl, 'lege')
    await loggedInMinutesAgo(browser, 10)
    // the provider answers with its single sign-on session's old auth_time instead of a fresh login
    tamper = (p) => ({ ...p, auth_time: Math.floor(Date.now() / 1000) - 600 })
    const landed = await helseIdLogin(browser, stack.baseUrl, 'lege', '?maxAge=300&returnTo=%2F')
    expect(landed.pathname + landed.search).toBe('/login?error=helseid-login-failed')
    expect((await breakTheGlass(browser)).status).toBe(401)
  })

  it('still asks a password session for its password', async () => {
    const cookie = await stack.login('vikar')
    const send = (body: object) => fetch(`${stack.baseUrl}/api/patients/${patientId()}/emergency-access`, {
      method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body),
    })
    expect((await send({ reason: REASON })).status).toBe(403)
    expect((await send({ reason: REASON, password: 'demo' })).status).toBe(201)
  })
})

describe('a person who is a user in two tenants (issue 24): picks one, and the session is that tenant\'s alone', () => {
  const choiceUrl = () => new URL('/api/session/tenant-choice', stack.baseUrl)
  const get = async (browser: TestBrowser, path: string) => browser.request(new URL(path, stack.baseUrl))
  const chosen = (tenantId: string) => db.pool.query<{ actor: string; details: { offered: string[] } }>(
    `SELECT actor, details FROM audit_log WHERE action = 'tenant-chosen' AND tenant_id = $1 ORDER BY id`, [tenantId])

  it('opens no session at login, but offers both tenants on the portal\'s page; the choice is one-use and only this browser\'s', async () => {
    const browser = new TestBrowser()
    const landed = await helseIdLogin(browser, stack.baseUrl, 'vikar', '?returnTo=%2Fpatients')
    expect(landed.pathname + landed.search).toBe('/choose-tenant?returnTo=%2Fpatients')
    expect((await sessionOf(browser)).status, 'no session before the choice').toBe(401)
    const offered = await (await browser.request(choiceUrl())).json()
    expect(offered).toEqual({ items: [
      { tenantId: 'demo', tenantName: 'Demo kommune', displayName: 'Vera Vikar' },
      { tenantId: 'nabo', tenantName: 'Nabo kommune', displayName: 'Vera Vikar' },
    ] })
    // another browser has no choice to make
    expect(await (await new TestBrowser().request(choiceUrl())).json()).toEqual({ items: [] })
    const stranger = await new TestBrowser().request(choiceUrl(), { method: 'POST', json: { tenantId: 'demo' } })
    expect(stranger.status).toBe(403)
    expect(await stranger.json()).toMatchObject({ error: { code: 'tenant-choice-expired' } })
    // a tenant not offered uses the choice up: no second try with it
    expect((await browser.request(choiceUrl(), { method: 'POST', json: { tenantId: 'elsewhere' } })).status).toBe(403)
    expect(await (await new TestBrowser().request(choiceUrl())).json()).toEqual({ items: [] })
    expect((await browser.request(choiceUrl(), { method: 'POST', json: { tenantId: 'demo' } })).status).toBe(403)
    expect((await sessionOf(browser)).status).toBe(401)
  })

  it('binds the session to the tenant picked: in demo, nothing of nabo; switching is a new login and session, logged in each tenant', async () => {
    const browser = new TestBrowser()
    await helseIdLogin(browser, stack.baseUrl, 'vikar')
    const demoBefore = (await chosen('demo')).rows.length
    expect((await browser.request(choiceUrl(), { method: 'POST', json: { tenantId: 'demo' } })).status).toBe(204)
    expect(await sessionOf(browser)).toMatchObject({ status: 200, body: { user: { username: 'vikar' }, tenant: { id: 'demo' }, authMethod: 'helseid' } })
    const demoLog = (await chosen('demo')).rows
    expect(demoLog).toHaveLength(demoBefore + 1)
    expect(demoLog.at(-1)).toMatchObject({ actor: 'vikar', details: { offered: ['demo', 'nabo'] } })

    // tenant isolation: the demo session reads nothing of nabo, whatever it asks for
    const hilde = naboHomes[0]!.patientId
    const list = await (await get(browser, '/api/patients')).json() as { items: { id: string }[] }
    expect(list.items.map((p) => p.id)).not.toContain(hilde)
    for (const path of [`/api/patients/${hilde}`, `/api/patients/${hilde}/measurements`, `/fhir/Patient/${hilde}`]) {
      const res = await get(browser, path)
      expect(res.status, path).toBe(404)
      expect(await res.text(), path).not.toContain('Hilde')
    }
    const search = await (await get(browser, '/fhir/Patient?name=Dahl')).text()
    expect(search).not.toContain(hilde)

    // switching tenant: log in again and pick nabo; the demo session is over
    const demoSession = browser.cookie(stack.baseUrl, 'varde_session')
    await helseIdLogin(browser, stack.baseUrl, 'vikar')
    expect((await browser.request(choiceUrl(), { method: 'POST', json: { tenantId: 'nabo' } })).status).toBe(204)
    expect(await sessionOf(browser)).toMatchObject({ status: 200, body: { user: { username: 'nabo-vikar' }, tenant: { id: 'nabo' } } })
    expect((await fetch(`${stack.baseUrl}/api/session`, { headers: { cookie: `varde_session=${demoSession}` } })).status).toBe(401)
    expect((await chosen('nabo')).rows.at(-1)).toMatchObject({ actor: 'nabo-vikar', details: { offered: ['demo', 'nabo'] } })
    expect((await get(browser, `/api/patients/${homes[0]!.patientId}`)).status).toBe(404)
  })
})

describe('session timeouts (every session, password ones too)', () => {
  // the session's stamps are the wall clock's (docs/decisions/0014): the test moves them back rather than waiting
  const hashOf = (cookie: string) => createHash('sha256').update(cookie.split('=')[1] ?? '').digest('hex')
  const age = (cookie: string, column: 'last_seen_at' | 'expires_at', by: string) =>
    db.pool.query(`UPDATE sessions SET ${column} = ${column} - $2::interval WHERE token_hash = $1`, [hashOf(cookie), by])

  it('ends a session idle for 30 minutes, and keeps one in use alive', async () => {
    const cookie = await stack.login('sykepleier')
    await age(cookie, 'last_seen_at', '29 minutes')
    expect((await fetch(`${stack.baseUrl}/api/session`, { headers: { cookie } })).status).toBe(200)
    await age(cookie, 'last_seen_at', '29 minutes') // the request above moved it to now: 29 min idle again
    expect((await fetch(`${stack.baseUrl}/api/session`, { headers: { cookie } })).status).toBe(200)
    await age(cookie, 'last_seen_at', '31 minutes')
    expect((await fetch(`${stack.baseUrl}/api/session`, { headers: { cookie } })).status).toBe(401)
  })

  it('does not keep an idle session alive through an open live page, and ends the page\'s stream when idle', async () => {
    const cookie = await stack.login('sykepleier')
    const stream = await fetch(`${stack.baseUrl}/api/events`, { headers: { cookie } })
    expect(stream.status).toBe(200)
    const ended = (async () => { const reader = stream.body!.getReader(); while (!(await reader.read()).done) { /* events, heartbeats */ } })()
    await age(cookie, 'last_seen_at', '29 minutes')
    // the stream checks its session every 100 ms: let several checks pass (what is tested is that they change nothing)
    await new Promise((resolve) => setTimeout(resolve, 5 * STREAM_CHECK_MS))
    await age(cookie, 'last_seen_at', '2 minutes')
    await ended // the stream's next check finds the session idle for 31 minutes
    expect((await fetch(`${stack.baseUrl}/api/session`, { headers: { cookie } })).status).toBe(401)
  })

  it('ends a session 12 hours after login however busy', async () => {
    const cookie = await stack.login('lege')
    const { rows } = await db.pool.query<{ hours: number }>(
      `SELECT extract(epoch FROM expires_at - created_at) / 3600 AS hours FROM sessions WHERE token_hash = $1`, [hashOf(cookie)])
    expect(Number(rows[0]?.hours)).toBeCloseTo(12, 2)
    await age(cookie, 'expires_at', '12 hours')
    expect((await fetch(`${stack.baseUrl}/api/session`, { headers: { cookie } })).status).toBe(401)
  })
})

describe('the stand-in\'s test personnel', () => {
  it('are the demo users with the same HPR numbers and pseudonyms', async () => {
    const { STAND_IN_PERSONNEL } = await import('@varde/helseid')
    const { DEMO_HELSEID_IDENTITIES } = await import('@varde/db')
    for (const [username, identity] of Object.entries(DEMO_HELSEID_IDENTITIES)) {
      // nabo-vikar is vikar in the second tenant: one person, one login at the stand-in
      expect(STAND_IN_PERSONNEL.find((p) => p.login === username.replace(/^nabo-/, '')), username).toMatchObject(identity)
    }
  })
})
