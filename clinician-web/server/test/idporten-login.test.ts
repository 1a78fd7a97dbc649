import { seedDemoTenants } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { startIdPortenStandIn, type IdPortenStandIn } from '@varde/helseid/id-porten-stand-in'
import { exportJWK, generateKeyPair, type JWTPayload } from 'jose'
import { createServer } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { standInLogin, TestBrowser } from './helseid-browser.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// Issue 25: patients log in with ID-porten, against a real OpenID provider
// (the ID-porten stand-in, oidc-provider) started here: the pid names the
// patient's record, the acr must reach the tenant's least level, and logout
// ends the session here and at the provider. Tampered tokens (signed again
// with the provider's key) show that the ID token is checked before a claim is read.
let db: TestDatabase
let stack: ServerStack
let provider: IdPortenStandIn
let tamper: ((p: JWTPayload) => JWTPayload) | null = null
const START = '/api/session/idporten'

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number }
    s.close(() => resolve(port))
  })
})

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemoTenants(db.pool)
  const port = await freePort()
  const appUrl = `http://127.0.0.1:${port}`
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  provider = await startIdPortenStandIn({
    client: {
      clientId: 'varde-test', redirectUris: [`${appUrl}${START}/callback`], postLogoutRedirectUris: [`${appUrl}/login`],
      publicJwk: { ...(await exportJWK(publicKey)), kid: 'varde-test-1' },
    },
    tamperIdToken: (p) => (tamper ? tamper(p) : p),
  })
  stack = await startServerStack({
    db, name: 'idporten-login-test', port,
    app: {
      idPorten: {
        issuer: provider.issuer, clientId: 'varde-test', clientJwk: { ...(await exportJWK(privateKey)), kid: 'varde-test-1' },
        redirectUris: [`${appUrl}${START}/callback`],
      },
    },
  })
})
afterAll(async () => {
  await stack?.stop()
  await provider?.close()
  await db?.stop()
})
beforeEach(async () => {
  tamper = null
  await db.pool.query(`UPDATE tenants SET min_idporten_level = 'idporten-loa-high'`)
})

const get = async (browser: TestBrowser, path: string) => {
  const res = await fetch(`${stack.baseUrl}${path}`, { headers: { cookie: browser.cookieHeader(new URL(stack.baseUrl)) } })
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}
const landing = (url: URL) => url.pathname + url.search

describe('patients log in with ID-porten (issue 25)', () => {
  it('logs Kari in by her national id at level high, as the patient user linked to her record, on her own page', async () => {
    const browser = new TestBrowser()
    const landed = await standInLogin(browser, stack.baseUrl, START, 'kari')
    expect(landing(landed)).toBe('/min-side')
    expect(browser.cookie(stack.baseUrl, 'varde_idporten'), 'the login transaction is used once').toBeUndefined()
    expect(await get(browser, '/api/session')).toMatchObject({ status: 200, body: { user: { username: 'pasient', role: 'patient' }, tenant: { id: 'demo' }, authMethod: 'idporten' } })
    const page = await get(browser, '/api/me/page')
    expect(page.status).toBe(200)
    expect(JSON.stringify(page.body)).toContain('Kari Nordmann')
    // the national id matched her record and is kept nowhere
    const { rows } = await db.pool.query<{ identity: unknown; auth_method: string }>(
      `SELECT s.identity, s.auth_method FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'pasient' AND s.auth_method = 'idporten'`)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((r) => r.identity === null)).toBe(true)
  })

  it('refuses MinID (substantial) where the tenant asks for high, and takes it where the tenant accepts substantial', async () => {
    expect(landing(await standInLogin(new TestBrowser(), stack.baseUrl, START, 'kari-minid'))).toBe('/login?error=idporten-level-too-low')
    await db.pool.query(`UPDATE tenants SET min_idporten_level = 'idporten-loa-substantial' WHERE id = 'demo'`)
    const browser = new TestBrowser()
    expect(landing(await standInLogin(browser, stack.baseUrl, START, 'kari-minid'))).toBe('/min-side')
    expect(await get(browser, '/api/session')).toMatchObject({ status: 200, body: { user: { username: 'pasient' } } })
  })

  it('refuses a patient without a login of her own, and a person who is no one\'s patient: no session either way', async () => {
    for (const login of ['ola', 'ukjent']) {
      const browser = new TestBrowser()
      expect(landing(await standInLogin(browser, stack.baseUrl, START, login)), login).toBe('/login?error=idporten-no-patient')
      expect(browser.cookie(stack.baseUrl, 'varde_session'), login).toBeUndefined()
    }
  })

  it('refuses a person who is a patient user in two municipalities (no choice of municipality for patients yet), and a disabled patient user', async () => {
    const { rows: [nabo] } = await db.pool.query<{ id: string }>(
      `INSERT INTO patients (tenant_id, national_id, display_name, birth_date, conditions, is_demo)
       VALUES ('nabo', '12814112355', 'Kari Nordmann', '1941-01-12', '{copd}', true) RETURNING id`)
    await db.pool.query(
      `INSERT INTO users (tenant_id, username, display_name, role, password_hash, patient_id, is_demo)
       VALUES ('nabo', 'nabo-pasient-kari', 'Kari Nordmann', 'patient', 'x', $1, true)`, [nabo!.id])
    try {
      expect(landing(await standInLogin(new TestBrowser(), stack.baseUrl, START, 'kari'))).toBe('/login?error=idporten-several-tenants')
      await db.pool.query(`UPDATE users SET disabled_at = now() WHERE username = 'nabo-pasient-kari'`)
      // the nabo user disabled: only demo's remains, and she logs in there
      expect(landing(await standInLogin(new TestBrowser(), stack.baseUrl, START, 'kari'))).toBe('/min-side')
      await db.pool.query(`UPDATE users SET disabled_at = now() WHERE username = 'pasient'`)
      expect(landing(await standInLogin(new TestBrowser(), stack.baseUrl, START, 'kari'))).toBe('/login?error=idporten-no-patient')
    } finally {
      await db.pool.query(`UPDATE users SET disabled_at = NULL WHERE username = 'pasient'`)
      await db.pool.query(`DELETE FROM users WHERE username = 'nabo-pasient-kari'`)
      await db.pool.query('DELETE FROM patients WHERE id = $1', [nabo!.id])
    }
  })

  it('refuses an ID token for another audience, from another issuer, with another nonce, expired, without pid or with an unknown acr', async () => {
    const now = Math.floor(Date.now() / 1000)
    const cases: [string, (p: JWTPayload) => JWTPayload][] = [
      ['audience', (p) => ({ ...p, aud: 'someone-else' })],
      ['issuer', (p) => ({ ...p, iss: 'https://idporten.example' })],
      ['nonce', (p) => ({ ...p, nonce: 'not-ours' })],
      ['expired', (p) => ({ ...p, iat: now - 3600, exp: now - 1800 })],
      ['no pid', ({ pid: _pid, ...p }) => p],
      ['acr', (p) => ({ ...p, acr: 'Level4' })],
    ]
    for (const [name, rewrite] of cases) {
      tamper = rewrite
      const browser = new TestBrowser()
      expect(landing(await standInLogin(browser, stack.baseUrl, START, 'kari')), name).toBe('/login?error=idporten-login-failed')
      expect(browser.cookie(stack.baseUrl, 'varde_session'), name).toBeUndefined()
    }
  })

  it('refuses a callback this browser did not start (no transaction cookie)', async () => {
    const browser = new TestBrowser()
    const done = await browser.follow(new URL(`${START}/callback?code=x&state=y`, stack.baseUrl), (u) => !u.pathname.startsWith('/api/'))
    expect(landing(done.url)).toBe('/login?error=idporten-login-failed')
  })

  it('offers ID-porten on the login page', async () => {
    expect(await get(new TestBrowser(), '/api/login-options')).toMatchObject({ status: 200, body: { idPorten: { isDemo: true } } })
  })

  it('logs out here and at ID-porten (single logout)', async () => {
    const browser = new TestBrowser()
    await standInLogin(browser, stack.baseUrl, START, 'kari')
    const logout = await browser.request(new URL(`${START}/logout`, stack.baseUrl), { method: 'POST' })
    const { redirectTo } = await logout.json() as { redirectTo: string }
    expect((await get(browser, '/api/session')).status).toBe(401)
    const endSession = new URL(redirectTo)
    expect(endSession.origin).toBe(provider.issuer)
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy()
    const page = await (await browser.request(endSession)).text()
    const action = /<form[^>]* method="post" action="([^"]+)"/.exec(page)?.[1] ?? ''
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1] ?? ''
    const done = await browser.follow(new URL(action, endSession), (u) => u.origin === stack.baseUrl, { method: 'POST', form: { xsrf, logout: 'yes' } })
    expect(done.url.href).toBe(`${stack.baseUrl}/login`)
    // ID-porten's session is gone: a new login asks for the person again
    const again = await browser.follow(new URL(START, stack.baseUrl), (u) => u.origin === stack.baseUrl && !u.pathname.startsWith('/api/'))
    expect(await again.res?.text()).toContain('<form method="post" action="/interaction/')
  })
})
