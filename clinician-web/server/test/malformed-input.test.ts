import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSession, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertAlert } from './insert-alert.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// Issue 14, defect 4: odd input is a coded 400 (FHIR: an OperationOutcome),
// never a 5xx. The walk takes the app's own route table, so a route added
// later is walked too, and throws a table of known-bad values at each one's
// path parameters, at the query parameters the API knows, and (for the
// methods that carry one) at the body's fields, against the real database.
//
// VARDE_FUZZ_FULL=1 sends every bad value to every query parameter and body
// field of every route (about 21,500 requests, a minute and a half on 2 cores);
// by default each route gets every path-parameter value, every query parameter
// and body field, and every bad value, paired in a rotation that moves one step
// per route, so across the route table each (parameter, value) pair is still
// tried somewhere (asserted below). Every route, every class of bad input.
const FULL = process.env.VARDE_FUZZ_FULL === '1'
let db: TestDatabase
let stack: ServerStack
let homes: DemoHome[]
let baseUrl: string
let portalDir: string
let alertId: string
let pauseId: string
const sessions: Record<'nurse' | 'admin', string> = { nurse: '', admin: '' }

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  portalDir = mkdtempSync(join(tmpdir(), 'varde-portal-'))
  writeFileSync(join(portalDir, 'index.html'), '<!doctype html><title>Varde</title>')
  stack = await startServerStack({ db, name: 'malformed-input', app: { webDistDir: portalDir } })
  baseUrl = stack.baseUrl
  sessions.nurse = await stack.login('sykepleier')
  sessions.admin = await stack.login('admin')
  alertId = await insertAlert(db.pool, { patientId: kari(), severity: 'red' })
  const pause = await fetch(`${baseUrl}/api/patients/${kari()}/pauses`, {
    method: 'POST', headers: { cookie: sessions.nurse, 'content-type': 'application/json' },
    body: JSON.stringify({ startsAt: new Date(Date.now() + 86_400_000).toISOString(), endsAt: new Date(Date.now() + 2 * 86_400_000).toISOString() }),
  })
  pauseId = ((await pause.json()) as { id: string }).id
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
  if (portalDir) rmSync(portalDir, { recursive: true, force: true })
})

const kari = () => homes[0]!.patientId
/** Any bytes into a URL, percent-encoded one by one (encodeURIComponent refuses an unpaired surrogate). */
const percentEncode = (bytes: Uint8Array) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
const b64 = (s: string) => Buffer.from(s).toString('base64url')
const UUID = '7d1c1b8e-4a0e-4c33-9f3e-0e6f5d2c9a11'

/** Bad values for any text parameter, as they go into a URL (already encoded). */
const BAD_URL_VALUES = [
  ...['\u0000', 'a\u0000b', 'x'.repeat(6000), 'not-a-uuid', "' OR 1=1 --", '../../etc/passwd', '-1', '99999999999999999999999', '1e309', 'NaN',
    '[]', '{}', '0000-00-00', '+275760-09-13T00:00:00.000Z', '2026-02-30T25:61:00Z', '-271821-04-20T00:00:00Z', ' ', '\u202e\u0007', 'true',
    `${UUID}\u0000`, 'Patient/not-a-uuid', 'http://evil.example|1', '|', 'ge', 'gtnope', '0000-01-01T00:00:00Z', 'ge0000-01-01', 'le2026-01-01T00:00:00'].map(encodeURIComponent),
  '%00', '%ED%A0%80', '%FF', '%', '%2e%2e%2f%2e%2e%2f', '%C0%AE',
]
/** The same for query parameters, fewer (each is tried on every read): one of each kind of trouble. */
const BAD_QUERY_VALUES = [
  ...['\u0000', 'x'.repeat(6000), 'not-a-uuid', "' OR 1=1 --", '-1', '1e309', '[]', '+275760-09-13T00:00:00.000Z', '0000-01-01T00:00:00Z',
    'ge0000-01-01', 'Patient/not-a-uuid', 'http://evil.example|1', '|'].map(encodeURIComponent),
  '%ED%A0%80', '%FF', '%',
]
/** Keyset cursors of FHIR searches that are not ours (issue 14: each was a 500). */
const BAD_CURSORS = [
  'MXwy', b64(`2026-01-01T00:00:00Z|' OR 1=1 --`), b64('2026-01-01T00:00:00Z|not-a-uuid'), b64(`+275760-09-13T00:00:00.000Z|${UUID}`),
  b64(`-271821-04-20T00:00:00.000Z|${UUID}`), b64(`99999-01-01T00:00:00Z|${UUID}`), b64('\u0000|\u0000'), b64(`2026-01-01T00:00:00Z|${UUID}|x`),
  b64(`0001-01-01T00:00:00Z|${UUID}`), 'not base64 !!', '=', 'x'.repeat(6000),
].map(encodeURIComponent)
/** Every query parameter some route reads. */
const QUERY_NAMES = ['from', 'to', 'type', 'limit', 'status', 'patientId', 'identifier', 'patient', 'subject', 'code', 'date', '_count', '_cursor']
/** Every body field some route reads, and wrong values for them (JSON). */
const BODY_FIELDS = ['username', 'password', 'userId', 'outcome', 'note', 'text', 'params', 'isEnabled', 'kind', 'reason', 'startsAt', 'endsAt', 'patientId', 'id', 'deviceId']
const BAD_JSON_VALUES: unknown[] = [
  '\u0000', 'a\u0000b', 'x'.repeat(100_000), '\ud800', 123, -1, 1e308, true, null, [], {}, ['\u0000'], { a: '\u0000', '\u0000': 1 }, { vitals: [{ vital: '\u0000' }] },
  '+275760-09-13T00:00:00.000Z', '0000-01-01T00:00:00Z', '2026-02-30T00:00:00Z', 'not-a-uuid', "' OR 1=1 --",
]
const BAD_RAW_BODIES = ['not json', '{', '', '[]', 'null', '"x"', '123', `${'['.repeat(3000)}${']'.repeat(3000)}`, '{"__proto__":{"isAdmin":true}}']

interface Route { method: string; url: string }

/** The app's route table, from `printRoutes` (the tree Fastify prints: one route per line, children indented). */
function routeTable(app: FastifyInstance): Route[] {
  const routes: Route[] = []
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line)
    if (!m) continue
    const depth = m[1]!.length / 4
    const segment = m[2]!
    stack.length = depth
    const parent = stack.at(-1) ?? ''
    const url = parent.endsWith('/') || segment.startsWith('/') ? `${parent}${segment}` : `${parent}/${segment}`
    stack.push(url)
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, url })
  }
  return routes
}

/** A value of a path parameter that names something that exists, so that the route goes as deep as it can. */
function validParam(url: string, name: string): string {
  if (name === 'id') return url.startsWith('/api/alerts') ? alertId : url.startsWith('/api/admin/gateways') ? homes[1]!.gatewayId : kari()
  if (name === 'ruleId') return 'threshold:spo2'
  if (name === 'pauseId') return pauseId
  if (name === 'deviceId') return 'AA:BB:CC:00:11:22'
  return 'index.html'
}
/**
 * The (name, value) pairs a route gets: all of them in the full sweep; else
 * max(names, values) of them, each name and each value at least once, the
 * values shifted by `shift` (the route's index) so that consecutive routes
 * take the other pairs.
 */
function pairsFor<V>(names: readonly string[], values: readonly V[], shift: number): [string, V][] {
  if (FULL) return names.flatMap((n) => values.map((v): [string, V] => [n, v]))
  return Array.from({ length: Math.max(names.length, values.length) }, (_, k): [string, V] => [names[k % names.length]!, values[(k + shift) % values.length]!])
}
const paramNames = (url: string) => [...url.matchAll(/:(\w+)|\*/g)].map((m) => m[1] ?? '*')
const fill = (url: string, values: Record<string, string>) => url.replace(/:(\w+)|\*/g, (_, name: string | undefined) => values[name ?? '*']!)

interface Outcome { request: string; status: number; body: string }

async function send(route: Route, path: string, body?: string, contentType = 'application/json'): Promise<Outcome> {
  // logging out ends the session it is sent with: that one gets a session of its own
  const cookie = route.url === '/api/session' && route.method === 'DELETE'
    ? `varde_session=${await createSession(db.pool, await userOf('sykepleier'), 60_000)}`
    : sessions[route.url.startsWith('/api/admin') ? 'admin' : 'nurse']
  const res = await fetch(`${baseUrl}${path}`, {
    method: route.method, redirect: 'manual',
    headers: { cookie, ...(body !== undefined ? { 'content-type': contentType } : {}) }, ...(body !== undefined ? { body } : {}),
  })
  const request = `${route.method} ${path.slice(0, 160)}${body !== undefined ? ` ${body.slice(0, 400)}` : ''}`
  // an event stream that opened is not read to its end (it has none)
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel()
    return { request, status: res.status, body: '' }
  }
  return { request, status: res.status, body: await res.text() }
}
const users = new Map<string, { userId: string; tenantId: string }>()
async function userOf(username: string) {
  if (!users.has(username)) {
    const { rows } = await db.pool.query<{ id: string; tenant_id: string }>('SELECT id, tenant_id FROM users WHERE username = $1', [username])
    users.set(username, { userId: rows[0]!.id, tenantId: rows[0]!.tenant_id })
  }
  return users.get(username)!
}

/** A refusal a client can act on: `{error: {code}}`, or for FHIR an OperationOutcome with an issue code. */
function isCoded(outcome: Outcome): boolean {
  try {
    const body = JSON.parse(outcome.body) as { error?: { code?: unknown } | string; resourceType?: string; issue?: { code?: unknown }[] }
    // the OAuth token endpoint (SMART Backend Services) refuses as RFC 6749 §5.2 says: `error` is the code itself
    const isOAuthRefusal = / \/fhir\/auth\/token/.test(outcome.request) && typeof body.error === 'string' && /^[a-z_]+$/.test(body.error)
    return isOAuthRefusal || (typeof body.error === 'object' && typeof body.error.code === 'string') || (body.resourceType === 'OperationOutcome' && typeof body.issue?.[0]?.code === 'string')
  } catch {
    return false
  }
}

/** Runs the requests a few at a time (a browser's worth of concurrency), in order of the list. */
async function runAll(requests: (() => Promise<Outcome>)[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  let next = 0
  await Promise.all(Array.from({ length: 6 }, async () => {
    while (next < requests.length) outcomes.push(await requests[next++]!())
  }))
  return outcomes
}

describe('malformed input', () => {
  it('is a coded 400 where issue 14 found 500s', async () => {
    const cases: [string, number, string][] = [
      ['/api/patients/%00', 400, 'invalid-request'],
      [`/api/patients/${kari()}%00/measurements`, 400, 'invalid-request'],
      ['/api/patients/not-a-uuid/rules', 400, 'invalid-request'],
      [`/api/patients/${kari()}/measurements?from=%2B275760-09-13T00:00:00.000Z`, 400, 'invalid-request'],
      ...BAD_CURSORS.map((c): [string, number, string] => [`/fhir/Observation?patient=${kari()}&_cursor=${c}`, 400, 'value']),
      ['/fhir/Observation?patient=not-a-uuid', 400, 'value'],
      ['/fhir/Observation?patient=%00', 400, 'value'],
      [`/fhir/Observation?patient=${kari()}&date=ge9999-99-99`, 400, 'value'],
      [`/fhir/Observation?patient=${kari()}&_count=lots`, 400, 'value'],
      ['/fhir/Patient/%00', 400, 'value'],
      ['/fhir/Patient?identifier=%00', 400, 'value'],
      ['/fhir/Device?identifier=a%00b', 400, 'value'],
    ]
    for (const [path, status, code] of cases) {
      const outcome = await send({ method: 'GET', url: path }, path)
      const body = JSON.parse(outcome.body) as { error?: { code: string }; issue?: { code: string }[] }
      expect({ path, status: outcome.status, code: body.error?.code ?? body.issue?.[0]?.code }).toEqual({ path, status, code })
    }
  })

  it('never gets a 5xx or an uncoded refusal from any route in the route table', async () => {
    const routes = routeTable(stack.app)
    // the walk sees the whole API: a broken parse would walk nothing and pass
    expect(routes).toEqual(expect.arrayContaining([
      { method: 'GET', url: '/api/patients/:id/measurements' }, { method: 'PUT', url: '/api/patients/:id/rules/:ruleId' },
      { method: 'DELETE', url: '/api/admin/gateways/:id/devices/:deviceId' }, { method: 'GET', url: '/fhir/Observation' },
      { method: 'POST', url: '/api/session' }, { method: 'GET', url: '/*' },
    ]))
    const requests: (() => Promise<Outcome>)[] = []
    // which (parameter, value) pairs the walk tried on some route: all of them, also in the rotation
    const tried = { query: new Set<string>(), body: new Set<string>() }
    let gets = 0
    let others = 0
    for (const route of routes) {
      const names = paramNames(route.url)
      const valid = Object.fromEntries(names.map((n) => [n, encodeURIComponent(validParam(route.url, n))]))
      const base = `${fill(route.url, valid)}?patient=${kari()}&identifier=${homes[1]!.gatewayId}`
      // each path parameter in turn, the others valid
      for (const name of names) {
        for (const bad of BAD_URL_VALUES) requests.push(() => send(route, fill(route.url, { ...valid, [name]: bad })))
      }
      if (route.method === 'GET') {
        // each query parameter in turn, on a request that is otherwise good (only reads take a query)
        const shift = gets++
        const queryPairs = [
          ...pairsFor(QUERY_NAMES.filter((n) => n !== '_cursor'), BAD_QUERY_VALUES, shift),
          ...pairsFor(['_cursor'], BAD_CURSORS, shift),
        ]
        for (const [name, bad] of queryPairs) {
          tried.query.add(`${name}=${bad}`)
          requests.push(() => send(route, `${base}&${name}=${bad}`))
        }
        for (const name of QUERY_NAMES) requests.push(() => send(route, `${base}&${name}=a&${name}=${BAD_URL_VALUES[0]}&${name}[x]=1`))
        continue
      }
      // bodies: not JSON, JSON of the wrong shape, and each field with each wrong value
      for (const raw of BAD_RAW_BODIES) requests.push(() => send(route, base, raw))
      requests.push(() => send(route, base, '{"text":"x"}', 'application/x-www-form-urlencoded'))
      requests.push(() => send(route, base, '\u0000', 'text/plain'))
      const good = { text: 'ok', outcome: 'no-action-needed', isEnabled: true, reason: 'test', deviceId: 'AA:BB:CC:00:11:99', patientId: homes[1]!.patientId }
      for (const [field, bad] of pairsFor(BODY_FIELDS, BAD_JSON_VALUES, others++)) {
        tried.body.add(`${field}=${BAD_JSON_VALUES.indexOf(bad)}`)
        requests.push(() => send(route, base, JSON.stringify({ ...good, [field]: bad })))
      }
    }
    // the rotation's promise: every pair of the full sweep is tried on some route
    expect({ query: tried.query.size, body: tried.body.size }).toEqual({
      query: (QUERY_NAMES.length - 1) * BAD_QUERY_VALUES.length + BAD_CURSORS.length,
      body: BODY_FIELDS.length * BAD_JSON_VALUES.length,
    })
    const outcomes = await runAll(requests)
    const serverErrors = outcomes.filter((o) => o.status >= 500)
    const uncoded = outcomes.filter((o) => o.status >= 400 && !isCoded(o))
    expect({ tried: outcomes.length, serverErrors: serverErrors.slice(0, 10), uncoded: uncoded.slice(0, 10) })
      .toEqual({ tried: requests.length, serverErrors: [], uncoded: [] })
    // still up, and the session still works
    expect((await fetch(`${baseUrl}/api/patients/${kari()}`, { headers: { cookie: sessions.nurse } })).status).toBe(200)
    console.log(`malformed input: ${outcomes.length} requests over ${routes.length} routes, 0 5xx`)
  }, 600_000)

  it('holds for arbitrary text, bytes and JSON in the parameters that reach the database (fast-check)', async () => {
    let tried = 0
    const holds = async (route: Route, path: string, body?: unknown) => {
      tried++
      const outcome = await send(route, path, body === undefined ? undefined : JSON.stringify(body))
      return outcome.status < 500 && (outcome.status < 400 || isCoded(outcome))
    }
    // any code point, NUL and unpaired surrogates included; and bytes that are not UTF-8 at all
    const text = fc.string({ unit: 'binary', maxLength: 200 })
    const urlValue = fc.oneof(text.map((t) => percentEncode(Buffer.from(t))), fc.uint8Array({ maxLength: 64 }).map(percentEncode))
    const cursor = fc.oneof(urlValue, text.map((t) => encodeURIComponent(Buffer.from(t).toString('base64url'))))
    const runs = { numRuns: FULL ? 600 : 60 }
    const get = { method: 'GET', url: '' }
    await fc.assert(fc.asyncProperty(urlValue, (v) => holds(get, `/api/patients/${v}`)), runs)
    await fc.assert(fc.asyncProperty(urlValue, (v) => holds(get, `/api/patients/${kari()}/measurements?from=${v}`)), runs)
    await fc.assert(fc.asyncProperty(cursor, urlValue, (c, d) => holds(get, `/fhir/Observation?patient=${kari()}&_cursor=${c}&date=${d}`)), runs)
    await fc.assert(fc.asyncProperty(urlValue, (v) => holds(get, `/fhir/Patient?identifier=${v}`)), runs)
    await fc.assert(fc.asyncProperty(text, (t) => holds({ method: 'POST', url: '' }, `/api/alerts/${alertId}/notes`, { text: t })), runs)
    await fc.assert(fc.asyncProperty(fc.dictionary(text, fc.jsonValue()), text, (params, reason) =>
      holds({ method: 'PUT', url: '' }, `/api/patients/${kari()}/rules/threshold%3Aspo2`, { params, reason })), runs)
    console.log(`malformed input (fast-check): ${tried} requests, 0 5xx`)
  }, 300_000)
})
