import { hashSecret, listAccessLog, loadRuleOverrides, loadServicePauses, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, type LiveEvents } from '../src/index.js'

// A patient's rules and pauses through the API against the real embedded
// database: versioned changes by nurses and clinicians on the care team,
// validated by resolving the rule set, audited; nothing stored when refused.
// These routes publish nothing, so a silent stand-in replaces the broker.
const logger = pino({ level: 'silent' })
const quietLive = {
  onMeasurements: () => () => {}, onAlertChanged: () => () => {}, onCareTeamChanged: () => () => {}, onBrokerStats: () => () => {}, isBrokerConnected: () => true,
  serviceHealth: () => undefined, brokerStats: () => [], publish: async () => {}, ready: Promise.resolve(), close: async () => {},
} as unknown as LiveEvents

let db: TestDatabase
let app: FastifyInstance
let baseUrl: string
let homes: DemoHome[]
let kari: string // COPD, shared with the hospital clinician
let ingrid: string // diabetes, home care only
let nurse: string
let doctor: string

const spo2Band = (red: number, yellow: number) => ({
  vital: 'spo2', red: { low: { value: red, isInclusive: true } }, yellow: { low: { value: yellow, isInclusive: true } }, hysteresis: 1,
})

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  kari = homes[0]!.patientId
  ingrid = homes[2]!.patientId
  await db.pool.query(`UPDATE users SET hpr_number = '9144889' WHERE username = 'lege'`)
  await db.pool.query(`INSERT INTO tenants (id, name) VALUES ('other', 'Annen kommune')`)
  await db.pool.query(`INSERT INTO users (tenant_id, username, display_name, role, password_hash) VALUES ('other', 'other-nurse', 'Annen Sykepleier', 'nurse', $1)`,
    [await hashSecret('other-pw')])
  app = await buildApp({ db: db.pool, live: quietLive, logger, mode: 'demo' })
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  ;[nurse, doctor] = await Promise.all([login('sykepleier'), login('lege')])
})
afterAll(async () => {
  await app?.close()
  await db?.stop()
})

async function login(username: string, password = 'demo'): Promise<string> {
  const res = await fetch(`${baseUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  expect(res.status).toBe(204)
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
}
const api = (cookie: string, method: string, path: string, body?: unknown) =>
  fetch(`${baseUrl}${path}`, { method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) })
const rulesPath = (patientId: string, ruleId?: string) => `/api/patients/${patientId}/rules${ruleId ? `/${encodeURIComponent(ruleId)}` : ''}`
const countOverrides = async () => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM rule_overrides')).rows[0]!.n

interface RuleJson { id: string; kind: string; version: string; params: Record<string, unknown>; isEnabled: boolean; origin: string; overrideVersion: number | null; setBy: unknown; setAt: string | null; reason: string | null }
interface RulesJson { canChange: boolean; conditions: string[]; rules: RuleJson[]; history: { ruleId: string; version: number; setBy: unknown; reason: string | null }[] }
const getRules = async (cookie: string, patientId: string) => (await (await api(cookie, 'GET', rulesPath(patientId))).json()) as RulesJson

describe('rules', () => {
  it('shows the defaults of the patient\'s profiles before any change', async () => {
    const body = await getRules(nurse, kari)
    expect(body).toMatchObject({ canChange: true, conditions: ['general', 'copd'], history: [] })
    expect(body.rules.find((r) => r.id === 'threshold:spo2')).toMatchObject({
      kind: 'threshold', version: 'default:2026.1', origin: 'default', overrideVersion: null, setBy: null, setAt: null, isEnabled: true,
      params: { vitals: [spo2Band(83, 87)] },
    })
  })

  it('stores versions 1, 2 … with who, when and why; the rule set reflects the latest', async () => {
    const first = await api(nurse, 'PUT', rulesPath(kari, 'threshold:spo2'), { params: { vitals: [spo2Band(85, 88)] }, reason: 'Stabil på 89–90 %' })
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({
      id: 'threshold:spo2', version: 'default:2026.1+override:1', origin: 'override', overrideVersion: 1, reason: 'Stabil på 89–90 %',
      params: { vitals: [spo2Band(85, 88)] }, setBy: { name: 'Sara Sykepleier', hprNumber: '9100001' }, // the demo nurse's HPR number (demo-helseid.ts)
    })
    const second = await api(doctor, 'PUT', rulesPath(kari, 'threshold:spo2'), { params: { vitals: [spo2Band(84, 87)] }, reason: 'Justert etter kontroll' })
    expect(second.status).toBe(200)
    expect(await second.json()).toMatchObject({ overrideVersion: 2, setBy: { name: 'Lars Lege', hprNumber: '9144889' } })

    const body = await getRules(nurse, kari)
    expect(body.rules.find((r) => r.id === 'threshold:spo2')).toMatchObject({ overrideVersion: 2, params: { vitals: [spo2Band(84, 87)] } })
    expect(body.history.map((h) => [h.ruleId, h.version, h.reason])).toEqual([
      ['threshold:spo2', 2, 'Justert etter kontroll'], ['threshold:spo2', 1, 'Stabil på 89–90 %'],
    ])
    // what the rules worker will use
    expect((await loadRuleOverrides(db.pool, [kari])).get(kari)?.map((o) => o.version)).toEqual([2])
  })

  it('switching a rule off keeps the params of its previous change', async () => {
    const res = await api(nurse, 'PUT', rulesPath(kari, 'threshold:spo2'), { isEnabled: false, reason: 'Innlagt' })
    expect(await res.json()).toMatchObject({ overrideVersion: 3, isEnabled: false, params: { vitals: [spo2Band(84, 87)] } })
    const back = await api(nurse, 'PUT', rulesPath(kari, 'threshold:spo2'), { isEnabled: true })
    expect(await back.json()).toMatchObject({ overrideVersion: 4, isEnabled: true, params: { vitals: [spo2Band(84, 87)] }, reason: null })
  })

  it('refuses invalid changes with 400 and the reason, storing nothing', async () => {
    const before = await countOverrides()
    const invalid = await api(nurse, 'PUT', rulesPath(kari, 'trend:weight-gain'), { params: { yellowGainKg: 3, redGainKg: 1 } })
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toEqual({ error: { code: 'invalid-override', message: expect.stringContaining('redGainKg must be ≥ yellowGainKg') } })
    const badBand = await api(nurse, 'PUT', rulesPath(kari, 'threshold:spo2'), { params: { vitals: [{ ...spo2Band(84, 87), hysteresis: -1 }] } })
    expect(badBand.status).toBe(400)
    const unknown = await api(nurse, 'PUT', rulesPath(kari, 'no-such-rule'), { params: {} })
    expect(await unknown.json()).toMatchObject({ error: { code: 'unknown-rule' } })
    const empty = await api(nurse, 'PUT', rulesPath(kari, 'threshold:spo2'), { reason: 'ingenting' })
    expect(await empty.json()).toMatchObject({ error: { code: 'invalid-request' } })
    expect(await countOverrides()).toBe(before)
  })

  it('creates a rule the profiles lack when given its kind and complete params', async () => {
    const res = await api(nurse, 'PUT', rulesPath(kari, 'missed:spo2'), {
      kind: 'missed-measurement', params: { vital: 'spo2', windowStart: '06:00', deadline: '12:00', weekdays: [1, 3, 5], severity: 'yellow' },
    })
    expect(await res.json()).toMatchObject({ id: 'missed:spo2', version: 'override:1', kind: 'missed-measurement' })
  })

  it('refuses without care relationship (404), an administrator (403) and another tenant (404), storing nothing, logging the refusals', async () => {
    const before = await countOverrides()
    const change = { params: { vitals: [spo2Band(80, 85)] }, reason: 'x' }
    const notOnTeam = await api(doctor, 'PUT', rulesPath(ingrid, 'threshold:spo2'), change)
    expect(notOnTeam.status).toBe(404)
    expect(await notOnTeam.json()).toEqual({ error: { code: 'not-found', message: expect.any(String) } })
    expect((await api(doctor, 'GET', rulesPath(ingrid))).status).toBe(404)

    const admin = await login('admin')
    const byAdmin = await api(admin, 'PUT', rulesPath(kari, 'threshold:spo2'), change)
    expect(byAdmin.status).toBe(403)
    expect(await byAdmin.json()).toMatchObject({ error: { code: 'forbidden' } })

    const other = await login('other-nurse', 'other-pw')
    expect((await api(other, 'GET', rulesPath(kari))).status).toBe(404)
    expect((await api(other, 'PUT', rulesPath(kari, 'threshold:spo2'), change)).status).toBe(404)
    expect((await api(other, 'GET', `/api/patients/${kari}/pauses`)).status).toBe(404)
    expect(await countOverrides()).toBe(before)

    const log = await listAccessLog(db.pool, { tenantId: 'demo', limit: 200 })
    expect(log).toEqual(expect.arrayContaining([
      expect.objectContaining({ actor: 'lege', action: 'change', resourceType: 'RuleOverride', outcome: 'denied' }),
      expect.objectContaining({ actor: 'lege', action: 'read', resourceType: 'RuleSet', outcome: 'denied' }),
      expect.objectContaining({ actor: 'admin', action: 'change', resourceType: 'RuleOverride', outcome: 'denied' }),
    ]))
    const otherLog = await listAccessLog(db.pool, { tenantId: 'other', limit: 10 })
    expect(otherLog.every((e) => e.outcome === 'denied')).toBe(true)
    expect(otherLog.length).toBeGreaterThanOrEqual(3)
  })

  it('writes each read and change to the access log', async () => {
    const log = await listAccessLog(db.pool, { tenantId: 'demo', patientId: kari, limit: 200 })
    const changes = log.filter((e) => e.action === 'rule-override.create').map((e) => `${e.actor} ${e.resourceId}`)
    expect(changes.sort()).toEqual([
      'lege threshold:spo2@2', 'sykepleier missed:spo2@1', 'sykepleier threshold:spo2@1', 'sykepleier threshold:spo2@3', 'sykepleier threshold:spo2@4',
    ])
    expect(log.some((e) => e.action === 'read' && e.resourceType === 'RuleSet' && e.outcome === 'allowed')).toBe(true)
  })

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${baseUrl}/api/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> }
    expect(Object.keys(doc.paths['/api/patients/{id}/rules/{ruleId}'] ?? {})).toContain('put')
    expect(Object.keys(doc.paths['/api/patients/{id}/pauses'] ?? {}).sort()).toEqual(['get', 'post'])
    expect(doc.paths['/api/patients/{id}/pauses/{pauseId}/end']).toHaveProperty('post')
  })
})

describe('pauses', () => {
  it('starts and ends a pause, which the rules worker then sees', async () => {
    const started = await api(nurse, 'POST', `/api/patients/${ingrid}/pauses`, { reason: 'Innlagt på sykehus' })
    expect(started.status).toBe(201)
    const pause = (await started.json()) as { id: string; startsAt: string }
    expect(pause).toMatchObject({ endsAt: null, isCurrent: true, reason: 'Innlagt på sykehus', createdBy: { name: 'Sara Sykepleier' } })
    expect((await loadServicePauses(db.pool, [ingrid])).get(ingrid)).toEqual([{ from: new Date(pause.startsAt), until: null }])

    const overlapping = await api(nurse, 'POST', `/api/patients/${ingrid}/pauses`, { startsAt: new Date(Date.now() + 3600_000).toISOString() })
    expect(overlapping.status).toBe(409)
    expect(await overlapping.json()).toMatchObject({ error: { code: 'overlaps' } })

    const ended = await api(nurse, 'POST', `/api/patients/${ingrid}/pauses/${pause.id}/end`, {})
    expect(ended.status).toBe(200)
    const endedBody = (await ended.json()) as { endsAt: string; isCurrent: boolean }
    expect(endedBody.isCurrent).toBe(false)
    expect((await loadServicePauses(db.pool, [ingrid])).get(ingrid)).toEqual([{ from: new Date(pause.startsAt), until: new Date(endedBody.endsAt) }])
    expect((await api(nurse, 'POST', `/api/patients/${ingrid}/pauses/${pause.id}/end`, {})).status).toBe(409)

    const list = (await (await api(nurse, 'GET', `/api/patients/${ingrid}/pauses`)).json()) as { items: { id: string }[] }
    expect(list.items.map((p) => p.id)).toEqual([pause.id])
    const log = await listAccessLog(db.pool, { tenantId: 'demo', patientId: ingrid, limit: 50 })
    expect(log.map((e) => e.action)).toEqual(expect.arrayContaining(['pause.start', 'pause.end', 'read']))
  })

  it('refuses an administrator, a user without care relationship, a bad range and an unknown pause', async () => {
    const admin = await login('admin')
    expect((await api(admin, 'POST', `/api/patients/${kari}/pauses`, {})).status).toBe(403)
    expect((await api(doctor, 'POST', `/api/patients/${ingrid}/pauses`, {})).status).toBe(404)
    const badRange = await api(nurse, 'POST', `/api/patients/${kari}/pauses`, { startsAt: '2026-05-02T10:00:00Z', endsAt: '2026-05-01T10:00:00Z' })
    expect(badRange.status).toBe(400)
    expect((await api(nurse, 'POST', `/api/patients/${kari}/pauses/999999/end`, {})).status).toBe(404)
    expect((await loadServicePauses(db.pool, [kari])).get(kari)).toEqual([])
  })
})

describe('what-if (issue 20)', () => {
  interface ChangeList { count: number; readings: { type: string; value: number; measuredAt: string; before: string | null; after: string | null }[] }
  interface WhatIfJson {
    readings: number; elapsedMs: number; current: { alerts: { alertKey: string; count: number }[]; episodes: number }; proposed: { alerts: { alertKey: string; count: number }[]; episodes: number }
    readingChanges: { nowAlert: ChangeList; nowPass: ChangeList; otherBand: ChangeList }
  }

  it('replays all the readings of the period, past the old cap of 20,000 (15 days of one SpO2 reading a minute), current and proposed', async () => {
    const home = homes[1]!
    // a continuous oximeter: one SpO2 reading a minute for 15 days before the platform's now, 86 % for an hour a day (kept small for CI: the bench times 30 days)
    await db.pool.query(
      `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
       SELECT 'demo', $1, $2, 'ox-whatif', 'w' || i, 'm' || i, 'spo2', CASE WHEN i % 1440 < 60 THEN 86 ELSE 95 END, '%',
              varde_now() - i * INTERVAL '1 minute', varde_now() - i * INTERVAL '1 minute' + INTERVAL '20 seconds', 'decoded'
         FROM generate_series(1, 21600) i`,
      [home.patientId, home.gatewayId],
    )
    const res = await api(nurse, 'POST', `${rulesPath(home.patientId, 'threshold:spo2')}/what-if`, { params: { vitals: [spo2Band(80, 85)] } })
    expect(res.status).toBe(200)
    const body = (await res.json()) as WhatIfJson
    expect(body.readings).toBeGreaterThanOrEqual(21_600)
    // the dips to 86 % alert with the default limits (one alert counted on: nobody resolves in a replay), not with a red limit at 80 and yellow at 85
    const spo2 = (s: WhatIfJson['current']) => s.alerts.filter((a) => a.alertKey === 'threshold:spo2')
    expect(spo2(body.current).reduce((n, a) => n + a.count, 0)).toBeGreaterThanOrEqual(14 * 60)
    expect(spo2(body.proposed)).toEqual([])
    // the exact readings: every 86 % of the period now passes (900 of the oximeter's minutes), the newest 50 listed, newest first
    const { nowPass, nowAlert } = body.readingChanges
    expect(nowPass.count).toBeGreaterThanOrEqual(900)
    expect(nowPass.readings).toHaveLength(50)
    expect(new Set(nowPass.readings.map((r) => `${r.type} ${r.value} alerted: ${r.before !== null}, would: ${r.after !== null}`))).toEqual(new Set(['spo2 86 alerted: true, would: false']))
    const times = nowPass.readings.map((r) => Date.parse(r.measuredAt))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    expect(nowAlert).toEqual({ count: 0, readings: [] })
  })
})

describe('tenant-wide what-if (issue 20)', () => {
  interface TenantJson { episodes?: number; patients: number; patientsReplayed: number; patientsWithRule: number; isComplete: boolean; readings: number; days: number; current: { alerts: number; episodes: number; alertsPerDay: number }; proposed: { alerts: number; alertsPerDay: number } }

  it('tells the administrator how many alerts a day a rule change for every patient would have given; logged', async () => {
    const admin = await login('admin')
    // SpO2 limits at 50/60 % for everyone: the dips to 86 % of the test above (the tenant's only readings) would not alert
    const res = await api(admin, 'POST', '/api/admin/what-if', { ruleId: 'threshold:spo2', params: { vitals: [spo2Band(50, 60)] }, days: 30 })
    expect(res.status).toBe(200)
    const body = (await res.json()) as TenantJson
    expect(body).toMatchObject({ patients: homes.length, patientsReplayed: homes.length, isComplete: true, days: 30 })
    expect(body.patientsWithRule).toBeGreaterThan(0)
    expect(body.readings).toBeGreaterThanOrEqual(21_600)
    expect(body.current.alerts).toBeGreaterThan(body.proposed.alerts)
    expect(body.current.alertsPerDay).toBeCloseTo(body.current.alerts / 30, 2)
    const log = await listAccessLog(db.pool, { tenantId: 'demo', patientId: undefined, limit: 20 })
    expect(log.find((e) => e.resourceType === 'RuleWhatIf' && e.actor === 'admin' && e.outcome === 'allowed')).toBeDefined()
  })

  it('a condition profile\'s draft: only its patients replayed with it, sums per condition, the patients it moves most named', async () => {
    const admin = await login('admin')
    const oximeter = homes[1]! // the minute readings of the test above: the only patient whose alerts the change moves
    const condition = oximeter.conditions[0]!
    const res = await api(admin, 'POST', '/api/admin/what-if', { ruleId: 'threshold:spo2', params: { vitals: [spo2Band(50, 60)] }, days: 30, condition })
    expect(res.status).toBe(200)
    const body = (await res.json()) as TenantJson & {
      condition: string; budgetMs: number; current: { episodesPerDay: number }
      perCondition: { condition: string; patients: number; current: { alerts: number }; proposed: { alerts: number } }[]
      mostAffected: { patientId: string; displayName: string; current: { alerts: number }; proposed: { alerts: number } }[]
    }
    expect(body).toMatchObject({ condition, isComplete: true, budgetMs: 10_000, patients: homes.filter((h) => h.conditions.includes(condition)).length })
    const mine = body.perCondition.find((c) => c.condition === condition)!
    expect(mine.patients).toBe(body.patientsWithRule)
    expect(mine.current.alerts).toBeGreaterThan(mine.proposed.alerts)
    expect(body.mostAffected.map((p) => p.patientId)).toEqual([oximeter.patientId])
    expect(body.mostAffected[0]!.displayName).not.toBe('')
    expect(body.mostAffected[0]!.current.alerts).toBeGreaterThan(body.mostAffected[0]!.proposed.alerts)
    expect(body.current.episodesPerDay).toBeCloseTo(body.current.episodes / 30, 2)
    expect((await api(admin, 'POST', '/api/admin/what-if', { ruleId: 'threshold:spo2', isEnabled: true, condition: 'flu' })).status).toBe(400)
  })

  it('refuses a nurse (403, logged) and an invalid change (400), storing nothing', async () => {
    const before = await countOverrides()
    const refused = await api(nurse, 'POST', '/api/admin/what-if', { ruleId: 'threshold:spo2', isEnabled: true })
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden')
    const log = await listAccessLog(db.pool, { tenantId: 'demo', patientId: undefined, limit: 20 })
    expect(log.find((e) => e.resourceType === 'RuleWhatIf' && e.actor === 'sykepleier' && e.outcome === 'denied')).toBeDefined()
    const admin = await login('admin')
    expect((await api(admin, 'POST', '/api/admin/what-if', { ruleId: 'threshold:spo2', params: { vitals: 'none' } })).status).toBe(400)
    expect((await api(admin, 'POST', '/api/admin/what-if', { ruleId: 'threshold:spo2', days: 31, isEnabled: true })).status).toBe(400)
    expect(await countOverrides()).toBe(before)
  })
})
