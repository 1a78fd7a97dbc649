import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  claimDueEscalations, loadClockSetting, PlatformClock, platformNow, resetPlatformClock, seedDemo, setPlatformClock, type ClockActor,
} from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// The platform clock (migration 0014, docs/decisions/0014-platform-clock.md):
// one setting in the database, read by SQL (varde_now()) and by each part's
// copy (PlatformClock); clinical time judgements follow it, so an escalation
// is tested by moving the clock, not by waiting.
const MIN = 60_000
const DAY = 24 * 60 * MIN
let db: TestDatabase
let patientId: string
let admin: ClockActor

beforeAll(async () => {
  db = await startTestDatabase()
  patientId = (await seedDemo(db.pool))[0]!.patientId
  const { rows } = await db.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`)
  admin = { tenantId: 'demo', userId: rows[0]!.id, name: 'admin' }
})
afterAll(async () => db?.stop())
beforeEach(async () => resetPlatformClock(db.pool, { tenantId: null, userId: null, name: 'test' }))

const skewOf = async () => (await platformNow(db.pool)).getTime() - Date.now()

describe('the platform clock', () => {
  it('is the wall clock until set', async () => {
    expect(await loadClockSetting(db.pool)).toEqual({ anchorWallMs: 0, anchorPlatformMs: 0, speed: 1 })
    expect(Math.abs(await skewOf())).toBeLessThan(5000)
  })

  it('runs an offset from the wall clock, advances from the platform time, and resets; each change in the access log', async () => {
    await setPlatformClock(db.pool, admin, { kind: 'offset', offsetMs: 14 * DAY, speed: 1 })
    expect(Math.abs(await skewOf() - 14 * DAY)).toBeLessThan(5000)
    await setPlatformClock(db.pool, admin, { kind: 'advance', byMs: 14 * DAY, speed: 1 })
    expect(Math.abs(await skewOf() - 28 * DAY)).toBeLessThan(5000)
    await setPlatformClock(db.pool, admin, { kind: 'offset', offsetMs: 0, speed: 1 })
    expect(Math.abs(await skewOf())).toBeLessThan(5000)
    await resetPlatformClock(db.pool, admin)
    expect(await loadClockSetting(db.pool)).toEqual({ anchorWallMs: 0, anchorPlatformMs: 0, speed: 1 })
    const { rows } = await db.pool.query<{ action: string; actor: string; tenant_id: string }>(
      `SELECT action, actor, tenant_id FROM audit_log WHERE resource_type = 'PlatformClock' ORDER BY id`)
    expect(rows).toEqual([
      ...['clock.set', 'clock.set', 'clock.set', 'clock.reset'].map((action) => ({ action, actor: 'admin', tenant_id: 'demo' })),
    ])
  })

  it('runs at its speed, in SQL and in a part\'s copy alike', async () => {
    await setPlatformClock(db.pool, admin, { kind: 'speed', speed: 3600 })
    const clock = new PlatformClock(db.pool)
    await clock.refresh()
    const [sqlFirst, partFirst] = [await platformNow(db.pool), clock.now()]
    expect(Math.abs(sqlFirst.getTime() - partFirst.getTime())).toBeLessThan(3600 * 1000) // within a wall second of each other
    // a wall second is a platform hour: poll until one has passed, never sleep
    const wallStart = Date.now()
    while (Date.now() - wallStart < 50) await new Promise((resolve) => setImmediate(resolve))
    const passedMs = (await platformNow(db.pool)).getTime() - sqlFirst.getTime()
    expect(passedMs).toBeGreaterThanOrEqual(50 * 3600 * 0.5)
  })

  it('refuses a speed out of bounds and keeps the setting', async () => {
    await expect(setPlatformClock(db.pool, admin, { kind: 'speed', speed: 0 })).rejects.toThrow()
    await expect(setPlatformClock(db.pool, admin, { kind: 'speed', speed: 1e9 })).rejects.toThrow()
    expect(await loadClockSetting(db.pool)).toEqual({ anchorWallMs: 0, anchorPlatformMs: 0, speed: 1 })
  })

  it('escalates a red alert once the clock is moved past the limit, without waiting', async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO alerts (tenant_id, patient_id, alert_key, rule_id, rule_version, rule_kind, severity, status,
                           first_triggered_at, last_triggered_at, summary_nb, summary_en, first_finding, last_finding, red_since)
       VALUES ('demo', $1, 'clock-red', 'spo2-low', '1', 'threshold', 'red', 'open', varde_now(), varde_now(), 'SpO2 88 %', 'SpO2 88 %', '{}', '{}', varde_now())
       RETURNING id`, [patientId])
    expect(await claimDueEscalations(db.pool, { afterMinutes: 30, limit: 10 })).toEqual([])
    await setPlatformClock(db.pool, admin, { kind: 'advance', byMs: 31 * MIN, speed: 1 })
    const due = await claimDueEscalations(db.pool, { afterMinutes: 30, limit: 10 })
    expect(due.map((d) => d.alertId)).toEqual([rows[0]!.id])
    // stamped on the platform's clock: half an hour after it turned red
    expect(due[0]!.escalatedAt.getTime() - due[0]!.redSince.getTime()).toBeGreaterThanOrEqual(31 * MIN - 5000)
  })
})
