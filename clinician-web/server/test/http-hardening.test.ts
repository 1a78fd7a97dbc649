import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/index.js'
import { insertAlert } from './insert-alert.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// Issue 14, defect 5: what a service holding health data is expected to send
// and refuse, tried from outside over HTTP against a listening server. The
// demo-mode stack trusts the loopback proxy (X-Forwarded-Proto); a second app
// in production mode, on the same database and broker, has the defaults of
// production (no /metrics, no /api/docs, Secure cookie, no source maps).
let db: TestDatabase
let stack: ServerStack
let homes: DemoHome[]
let baseUrl: string
let production: FastifyInstance
let productionUrl: string
let portalDir: string
const PUBLIC_URL = 'https://varde.example.no'

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  // a built portal as Vite leaves it: index.html, hashed assets and their source maps
  portalDir = mkdtempSync(join(tmpdir(), 'varde-portal-'))
  mkdirSync(join(portalDir, 'assets'))
  writeFileSync(join(portalDir, 'index.html'), '<!doctype html><title>Varde</title><script type="module" src="/assets/app.js"></script>')
  writeFileSync(join(portalDir, 'assets', 'app.js'), 'console.log(1)\n//# sourceMappingURL=app.js.map\n')
  writeFileSync(join(portalDir, 'assets', 'app.js.map'), '{"version":3,"sources":["../src/main.tsx"],"mappings":""}')
  stack = await startServerStack({
    db, name: 'http-hardening', app: { webDistDir: portalDir, http: { trustProxy: ['127.0.0.1'] }, sessionCheckMs: 100 },
  })
  baseUrl = stack.baseUrl
  // production refuses demo accounts: one real user for it
  await db.pool.query(`UPDATE users SET is_demo = false WHERE username = 'sykepleier'`)
  production = await buildApp({
    db: db.pool, live: stack.live, logger: pino({ level: 'silent' }), mode: 'production', webDistDir: portalDir, http: { publicUrl: PUBLIC_URL },
  })
  productionUrl = await production.listen({ port: 0, host: '127.0.0.1' })
})
afterAll(async () => {
  await production?.close()
  await stack?.stop()
  await db?.stop()
  if (portalDir) rmSync(portalDir, { recursive: true, force: true })
})

const login = (username: string) => stack.login(username)
const kari = () => homes[0]!.patientId

describe('security headers', () => {
  const paths = ['/', '/patients/some-page', '/assets/app.js', '/api/patients', '/api/nope', '/fhir/metadata', '/fhir/Patient/x', '/healthz', '/metrics']

  it.each(paths)('%s carries the CSP, nosniff, no-referrer and frame-ancestors none', async (path) => {
    const res = await fetch(`${baseUrl}${path}`)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).toMatch(/script-src 'self'(;|$)/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    // plain HTTP: HSTS would be ignored and would pin a demo on localhost
    expect(res.headers.get('strict-transport-security')).toBeNull()
  })

  it('sends them on the live event stream too', async () => {
    const cookie = await login('sykepleier')
    const controller = new AbortController()
    const res = await fetch(`${baseUrl}/api/events`, { headers: { cookie }, signal: controller.signal })
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(res.headers.get('cache-control')).toBe('no-store')
    controller.abort()
  })

  it('sends HSTS behind a trusted TLS proxy (X-Forwarded-Proto: https), and not for an untrusted one', async () => {
    const behindTls = await fetch(`${baseUrl}/api/patients`, { headers: { 'x-forwarded-proto': 'https' } })
    expect(behindTls.headers.get('strict-transport-security')).toMatch(/max-age=\d{8,}; includeSubDomains/)
    // the production app trusts no proxy (VARDE_TRUST_PROXY unset): anyone could send the header
    const untrusted = await fetch(`${productionUrl}/api/patients`, { headers: { 'x-forwarded-proto': 'https' } })
    expect(untrusted.headers.get('strict-transport-security')).toBeNull()
  })
})

describe('Cache-Control: no-store on health data', () => {
  it('is on every API and FHIR answer, the refusals and errors included', async () => {
    const cookie = await login('sykepleier')
    const alertId = await insertAlert(db.pool, { patientId: kari(), severity: 'red' })
    const paths = [
      '/api/session', '/api/patients', `/api/patients/${kari()}`, `/api/patients/${kari()}/measurements`, `/api/patients/${kari()}/rules`,
      `/api/patients/${kari()}/pauses`, '/api/alerts', `/api/alerts/${alertId}`, `/fhir/Patient/${kari()}`, `/fhir/Observation?patient=${kari()}`,
      `/fhir/Device?identifier=${homes[0]!.gatewayId}`, '/fhir/Observation', `/api/patients/${homes[2]!.patientId}/nope`,
    ]
    for (const path of paths) {
      for (const headers of [{ cookie }, {}]) {
        const res = await fetch(`${baseUrl}${path}`, { headers })
        expect({ path, status: res.status, cacheControl: res.headers.get('cache-control') }).toEqual({ path, status: res.status, cacheControl: 'no-store' })
      }
    }
  })
})

describe('the session cookie', () => {
  it('is Secure in production mode (and not in demo mode, served over plain HTTP on loopback)', async () => {
    const prod = await fetch(`${productionUrl}/api/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sykepleier', password: 'demo' }),
    })
    expect(prod.status).toBe(204)
    expect(prod.headers.get('set-cookie')).toMatch(/; Secure/i)
    expect(prod.headers.get('set-cookie')).toMatch(/; SameSite=Strict/i)
    const demo = await fetch(`${baseUrl}/api/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'lege', password: 'demo' }),
    })
    expect(demo.headers.get('set-cookie')).not.toMatch(/; Secure/i)
  })
})

describe('state-changing requests from another origin', () => {
  const note = (cookie: string, alertId: string, headers: Record<string, string>) =>
    fetch(`${baseUrl}/api/alerts/${alertId}/notes`, {
      method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ text: 'sett til' }),
    })

  it('are refused with 403 cross-origin, whether the browser says so in Origin or Sec-Fetch-Site', async () => {
    const cookie = await login('sykepleier')
    const alertId = await insertAlert(db.pool, { patientId: kari(), severity: 'yellow' })
    for (const headers of [{ origin: 'https://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: 'https://other.varde.example.no' }]) {
      const res = await note(cookie, alertId, headers)
      expect({ headers, status: res.status, body: await res.json() }).toMatchObject({ headers, status: 403, body: { error: { code: 'cross-origin' } } })
    }
    // logging out and logging in are state changes too
    const logout = await fetch(`${baseUrl}/api/session`, { method: 'DELETE', headers: { cookie, origin: 'https://evil.example' } })
    expect(logout.status).toBe(403)
    expect((await fetch(`${baseUrl}/api/session`, { headers: { cookie } })).status).toBe(200)
    const loginCsrf = await fetch(`${baseUrl}/api/session`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ username: 'lege', password: 'demo' }),
    })
    expect(loginCsrf.status).toBe(403)
    const { rows } = await db.pool.query(`SELECT 1 FROM alert_events WHERE alert_id = $1 AND kind = 'noted'`, [alertId])
    expect(rows).toHaveLength(0)
  })

  it('are served from the same origin (Origin = Host, or VARDE_PUBLIC_URL), from tools that send no Origin, and with a Bearer token', async () => {
    const cookie = await login('sykepleier')
    const alertId = await insertAlert(db.pool, { patientId: kari(), severity: 'yellow' })
    expect((await note(cookie, alertId, { origin: baseUrl, 'sec-fetch-site': 'same-origin' })).status).toBe(200)
    expect((await note(cookie, alertId, {})).status).toBe(200)
    const token = cookie.split('=')[1]!
    const bearer = await fetch(`${baseUrl}/api/alerts/${alertId}/notes`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ text: 'fra journalsystemet' }),
    })
    expect(bearer.status).toBe(200)
    // production behind a proxy: the browser's origin is the public URL, the Host header the proxy's upstream
    const prodLogin = await fetch(`${productionUrl}/api/session`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: PUBLIC_URL, 'sec-fetch-site': 'same-origin' }, body: JSON.stringify({ username: 'sykepleier', password: 'demo' }),
    })
    expect(prodLogin.status).toBe(204)
  })
})

describe('the live event stream', () => {
  /** Resolves when the server ends the stream (the reader sees its end), whatever came before. */
  async function ended(res: Response): Promise<'ended'> {
    const reader = res.body!.getReader()
    for (;;) {
      const { done } = await reader.read()
      if (done) return 'ended'
    }
  }
  const open = async (cookie: string) => {
    const res = await fetch(`${baseUrl}/api/events`, { headers: { cookie } })
    expect(res.status).toBe(200)
    return res
  }

  it('ends when its session logs out', async () => {
    const cookie = await login('sykepleier')
    const [first, second] = [await open(cookie), await open(cookie)]
    const other = await open(await login('sykepleier'))
    const otherEnded = ended(other)
    expect((await fetch(`${baseUrl}/api/session`, { method: 'DELETE', headers: { cookie } })).status).toBe(204)
    expect(await Promise.all([ended(first), ended(second)])).toEqual(['ended', 'ended'])
    // another session of the same user keeps its stream
    const stillOpen = await Promise.race([otherEnded, new Promise((resolve) => setImmediate(() => resolve('open')))])
    expect(stillOpen).toBe('open')
  })

  it('ends when its session expires or is ended elsewhere (another server instance)', async () => {
    const cookie = await login('lege')
    const res = await open(cookie)
    await db.pool.query(`UPDATE sessions SET expires_at = now() WHERE user_id = (SELECT id FROM users WHERE username = 'lege')`)
    expect(await ended(res)).toBe('ended')
  })
})

describe('FHIR identifier searches without a care relationship', () => {
  it('answer an existing identifier as an unknown one: an empty searchset', async () => {
    const cookie = await login('lege') // the hospital: not on Ingrid's care team (diabetes, not shared)
    const ingrid = homes[2]!
    const { rows } = await db.pool.query<{ national_id: string }>('SELECT national_id FROM patients WHERE id = $1', [ingrid.patientId])
    const nationalId = rows[0]!.national_id
    expect(nationalId).toBeTruthy()
    const search = async (path: string) => {
      const res = await fetch(`${baseUrl}${path}`, { headers: { cookie } })
      const body = (await res.json()) as { resourceType: string; total?: number; entry?: unknown[] }
      return { status: res.status, resourceType: body.resourceType, total: body.total, entries: body.entry?.length }
    }
    const existing = await search(`/fhir/Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.1|${nationalId}`)
    const unknown = await search('/fhir/Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.1|01010112345')
    expect(existing).toEqual(unknown)
    expect(existing).toEqual({ status: 200, resourceType: 'Bundle', total: 0, entries: 0 })
    const gateway = await search(`/fhir/Device?identifier=${ingrid.gatewayId}`)
    const noGateway = await search('/fhir/Device?identifier=no-such-gateway')
    expect(gateway).toEqual(noGateway)
    expect(gateway).toEqual({ status: 200, resourceType: 'Bundle', total: 0, entries: 0 })
  })
})

describe('production mode', () => {
  it('serves no source maps', async () => {
    expect((await fetch(`${productionUrl}/assets/app.js`)).status).toBe(200)
    const map = await fetch(`${productionUrl}/assets/app.js.map`)
    expect(map.status).toBe(404)
    expect(await map.text()).not.toContain('main.tsx')
    expect((await fetch(`${baseUrl}/assets/app.js.map`)).status).toBe(200) // demo: for whoever debugs it
  })

  it('serves /metrics and /api/docs only when configured', async () => {
    for (const path of ['/metrics', '/api/docs', '/api/docs/json']) {
      expect({ path, status: (await fetch(`${productionUrl}${path}`)).status }).toEqual({ path, status: 404 })
      expect({ path, status: (await fetch(`${baseUrl}${path}`)).status }).toEqual({ path, status: 200 })
    }
    const withToken = await buildApp({
      db: db.pool, live: stack.live, logger: pino({ level: 'silent' }), mode: 'production',
      http: { metrics: true, metricsToken: 'prometheus-scrape-token', apiDocs: true },
    })
    try {
      expect((await withToken.inject({ url: '/metrics' })).statusCode).toBe(401)
      expect((await withToken.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-of-some-length' } })).statusCode).toBe(401)
      const scraped = await withToken.inject({ url: '/metrics', headers: { authorization: 'Bearer prometheus-scrape-token' } })
      expect(scraped.statusCode).toBe(200)
      expect(scraped.body).toContain('varde_up')
      expect((await withToken.inject({ url: '/api/docs/json' })).statusCode).toBe(200)
    } finally {
      await withToken.close()
    }
  })
})
