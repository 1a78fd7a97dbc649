import { resolvePatientRules, type ThresholdParams } from '@varde/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addRuleOverride, endServicePause, listAccessLog, listRuleOverrides, listServicePauses, loadRuleOverrides,
  loadServicePauses, seedDemo, startServicePause, type DbActor, type DemoHome,
} from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// Overrides and pauses as the portal writes them and the rules worker reads
// them, against the real embedded database: versions, the care relationship
// and role in every statement, the access log written with each change.
let db: TestDatabase
let homes: DemoHome[]
let nurse: DbActor
let doctor: DbActor
let admin: DbActor
let stranger: DbActor
let kari: string // COPD, shared with the hospital
let ingrid: string // diabetes, home care only
let berit: string // shared with the hospital but objects to sharing

const spo2 = (red: number, yellow: number): ThresholdParams => ({
  vitals: [{ vital: 'spo2', red: { low: { value: red, isInclusive: true } }, yellow: { low: { value: yellow, isInclusive: true } }, hysteresis: 1 }],
})

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  ;[kari, , ingrid] = homes.map((h) => h.patientId) as [string, string, string]
  berit = homes[8]!.patientId
  await db.pool.query(`UPDATE users SET hpr_number = '9144889' WHERE username = 'lege'`)
  await db.pool.query(`INSERT INTO tenants (id, name) VALUES ('other', 'Annen kommune')`)
  await db.pool.query(`INSERT INTO users (tenant_id, username, display_name, role, password_hash) VALUES ('other', 'other-nurse', 'Annen Sykepleier', 'nurse', 'x')`)
  const users = new Map((await db.pool.query<{ username: string; id: string; tenant_id: string }>('SELECT username, id, tenant_id FROM users')).rows.map((r) => [r.username, r]))
  const actor = (username: string): DbActor => ({ tenantId: users.get(username)!.tenant_id, userId: users.get(username)!.id, username })
  nurse = actor('sykepleier')
  doctor = actor('lege')
  admin = actor('admin')
  stranger = actor('other-nurse')
  // an administrator on a care team still may not change rules
  await db.pool.query(`INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation) VALUES ('demo', $1, $2, 'home-care')`, [kari, admin.userId])
})
afterAll(async () => db?.stop())

const countOverrides = async () => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM rule_overrides')).rows[0]!.n

describe('rule overrides', () => {
  it('stores versions 1, 2, … per rule; the worker gets the latest of each, and the rule set reflects it', async () => {
    const first = await addRuleOverride(db.pool, { actor: nurse, patientId: kari, ruleId: 'threshold:spo2', params: spo2(85, 88), reason: 'Lav baseline', basedOnVersion: 0 })
    expect(first).toMatchObject({ ok: true, override: { ruleId: 'threshold:spo2', version: 1, setBy: { id: nurse.userId, name: 'Sara Sykepleier' }, reason: 'Lav baseline' } })
    const second = await addRuleOverride(db.pool, { actor: doctor, patientId: kari, ruleId: 'threshold:spo2', params: spo2(84, 87), basedOnVersion: 1 })
    expect(second).toMatchObject({ ok: true, override: { version: 2, setBy: { name: 'Lars Lege', hprNumber: '9144889' } } })
    const other = await addRuleOverride(db.pool, { actor: nurse, patientId: kari, ruleId: 'device:low-battery', params: {}, isEnabled: false })
    expect(other).toMatchObject({ ok: true, override: { version: 1, isEnabled: false } })

    const history = await listRuleOverrides(db.pool, { tenantId: 'demo', userId: nurse.userId, patientId: kari })
    expect(history.map((o) => `${o.ruleId}@${o.version}`)).toEqual(['device:low-battery@1', 'threshold:spo2@2', 'threshold:spo2@1'])

    const loaded = await loadRuleOverrides(db.pool, [kari, ingrid, 'not-a-uuid'])
    expect([...loaded.keys()]).toEqual([kari, ingrid])
    expect(loaded.get(ingrid)).toEqual([])
    const latest = loaded.get(kari)!
    expect(latest.map((o) => `${o.ruleId}@${o.version}`)).toEqual(['device:low-battery@1', 'threshold:spo2@2'])
    expect(latest[1]).toEqual({
      ruleId: 'threshold:spo2', version: 2, params: spo2(84, 87), setAt: expect.any(Date), reason: null,
      setBy: { id: doctor.userId, name: 'Lars Lege', hprNumber: '9144889' },
    })

    const ruleSet = resolvePatientRules(['copd'], latest)
    const rule = ruleSet.rules.find((r) => r.id === 'threshold:spo2')
    expect(rule).toMatchObject({ version: 'default:2026.1+override:2', params: spo2(84, 87), origin: { kind: 'override', overrideVersion: 2 } })
    expect(ruleSet.rules.find((r) => r.id === 'device:low-battery')?.isEnabled).toBe(false)
  })

  it('refuses a change based on a version that is no longer the latest; of two racing, one wins', async () => {
    const before = await countOverrides()
    expect(await addRuleOverride(db.pool, { actor: nurse, patientId: kari, ruleId: 'threshold:spo2', params: spo2(80, 85), basedOnVersion: 1 }))
      .toEqual({ ok: false, code: 'version-conflict' })
    const racing = await Promise.all([1, 2].map((i) =>
      addRuleOverride(db.pool, { actor: nurse, patientId: kari, ruleId: 'threshold:pulse', params: {}, reason: `race ${i}`, basedOnVersion: 0 })))
    expect(racing.map((r) => r.ok).sort()).toEqual([false, true])
    expect(await countOverrides()).toBe(before + 1)
  })

  it('stores nothing without a care relationship, for an administrator, or across tenants', async () => {
    const before = await countOverrides()
    const change = (actor: DbActor, patientId: string) => addRuleOverride(db.pool, { actor, patientId, ruleId: 'threshold:spo2', params: spo2(85, 88) })
    expect(await change(doctor, ingrid)).toEqual({ ok: false, code: 'not-found' }) // not on the team
    expect(await change(doctor, berit)).toEqual({ ok: false, code: 'not-found' }) // the patient objects to the hospital
    expect(await change(admin, kari)).toEqual({ ok: false, code: 'forbidden' })
    expect(await change(stranger, kari)).toEqual({ ok: false, code: 'not-found' })
    expect(await change({ ...stranger, tenantId: 'demo' }, kari)).toEqual({ ok: false, code: 'not-found' })
    expect(await countOverrides()).toBe(before)
    expect(await listRuleOverrides(db.pool, { tenantId: 'other', userId: stranger.userId, patientId: kari })).toEqual([])
    expect(await listRuleOverrides(db.pool, { tenantId: 'demo', userId: doctor.userId, patientId: ingrid })).toEqual([])
  })

  it('writes each change to the access log in the same statement', async () => {
    const log = await listAccessLog(db.pool, { tenantId: 'demo', patientId: kari, limit: 50 })
    const changes = log.filter((e) => e.action === 'rule-override.create')
    expect(changes.map((e) => e.resourceId).sort()).toEqual(['device:low-battery@1', 'threshold:pulse@1', 'threshold:spo2@1', 'threshold:spo2@2'])
    expect(changes.every((e) => e.outcome === 'allowed' && e.resourceType === 'RuleOverride')).toBe(true)
  })
})

describe('service pauses', () => {
  const day = 24 * 3600_000
  it('starts and ends a pause; the worker sees open, planned and recent ones', async () => {
    const started = await startServicePause(db.pool, { actor: nurse, patientId: ingrid, reason: 'Innlagt på sykehus' })
    expect(started).toMatchObject({ ok: true, pause: { endsAt: null, reason: 'Innlagt på sykehus', createdBy: { id: nurse.userId, name: 'Sara Sykepleier' } } })
    if (!started.ok) throw new Error('not started')
    expect((await loadServicePauses(db.pool, [ingrid])).get(ingrid)).toEqual([{ from: started.pause.startsAt, until: null }])

    expect(await startServicePause(db.pool, { actor: nurse, patientId: ingrid, startsAt: new Date(Date.now() + day) }))
      .toEqual({ ok: false, code: 'overlaps' })
    const ended = await endServicePause(db.pool, { actor: nurse, patientId: ingrid, pauseId: started.pause.id })
    expect(ended).toMatchObject({ ok: true, pause: { id: started.pause.id, endsAt: expect.any(Date) } })
    expect(await endServicePause(db.pool, { actor: nurse, patientId: ingrid, pauseId: started.pause.id }))
      .toEqual({ ok: false, code: 'already-ended' })

    // long ago (left out for the worker), and planned for next week (in)
    const old = await startServicePause(db.pool, { actor: nurse, patientId: ingrid, startsAt: new Date(Date.now() - 40 * day), endsAt: new Date(Date.now() - 30 * day) })
    const planned = await startServicePause(db.pool, { actor: nurse, patientId: ingrid, startsAt: new Date(Date.now() + 7 * day), endsAt: new Date(Date.now() + 9 * day) })
    expect([old.ok, planned.ok]).toEqual([true, true])
    if (!planned.ok || !ended.ok) throw new Error('not stored')
    expect(await endServicePause(db.pool, { actor: nurse, patientId: ingrid, pauseId: planned.pause.id })).toEqual({ ok: false, code: 'not-started' })
    const loaded = await loadServicePauses(db.pool, [ingrid, kari])
    expect(loaded.get(kari)).toEqual([])
    expect(loaded.get(ingrid)).toEqual([
      { from: started.pause.startsAt, until: ended.pause.endsAt },
      { from: planned.pause.startsAt, until: planned.pause.endsAt },
    ])
    expect((await listServicePauses(db.pool, { tenantId: 'demo', userId: nurse.userId, patientId: ingrid })).map((p) => p.id))
      .toEqual([planned.pause.id, started.pause.id, old.ok ? old.pause.id : ''])
  })

  it('refuses a pause without care relationship, for an administrator, an end before the start, and another patient\'s pause', async () => {
    expect(await startServicePause(db.pool, { actor: doctor, patientId: ingrid })).toEqual({ ok: false, code: 'not-found' })
    expect(await startServicePause(db.pool, { actor: admin, patientId: kari })).toEqual({ ok: false, code: 'forbidden' })
    expect(await startServicePause(db.pool, { actor: stranger, patientId: kari })).toEqual({ ok: false, code: 'not-found' })
    expect(await startServicePause(db.pool, { actor: nurse, patientId: kari, startsAt: new Date(Date.now() + day), endsAt: new Date() }))
      .toEqual({ ok: false, code: 'invalid-range' })
    const pause = await startServicePause(db.pool, { actor: nurse, patientId: kari })
    if (!pause.ok) throw new Error('not started')
    expect(await endServicePause(db.pool, { actor: nurse, patientId: ingrid, pauseId: pause.pause.id })).toEqual({ ok: false, code: 'not-found' })
    expect(await endServicePause(db.pool, { actor: stranger, patientId: kari, pauseId: pause.pause.id })).toEqual({ ok: false, code: 'not-found' })
    expect(await endServicePause(db.pool, { actor: admin, patientId: kari, pauseId: pause.pause.id })).toEqual({ ok: false, code: 'forbidden' })
    expect(await listServicePauses(db.pool, { tenantId: 'other', userId: stranger.userId, patientId: kari })).toEqual([])
    const log = await listAccessLog(db.pool, { tenantId: 'demo', patientId: kari, limit: 50 })
    expect(log.filter((e) => e.action.startsWith('pause.')).map((e) => `${e.action} ${e.resourceId}`)).toEqual([`pause.start ${pause.pause.id}`])
  })
})
