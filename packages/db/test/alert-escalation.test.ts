import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimDueEscalations, recordNotification, seedDemo } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

let db: TestDatabase
let patientId: string

beforeAll(async () => {
  db = await startTestDatabase()
  patientId = (await seedDemo(db.pool))[0]!.patientId
})
afterAll(async () => db?.stop())

/** An alert row as the rules worker would write it; `redMinutesAgo` null: yellow. */
async function insertAlert(p: { key: string; redMinutesAgo: number | null; status?: 'open' | 'acknowledged' }): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO alerts (tenant_id, patient_id, alert_key, rule_id, rule_version, rule_kind, severity, status,
                         first_triggered_at, last_triggered_at, summary_nb, summary_en, first_finding, last_finding,
                         red_since, acknowledged_at)
     VALUES ('demo', $1, $2, 'spo2-low', '1', 'threshold', $3, $4, now(), now(), 'SpO2 88 %', 'SpO2 88 %', '{}', '{}',
             now() - make_interval(mins => $5::int), CASE WHEN $4 = 'acknowledged' THEN now() END)
     RETURNING id`,
    [patientId, p.key, p.redMinutesAgo === null ? 'yellow' : 'red', p.status ?? 'open', p.redMinutesAgo],
  )
  return rows[0]!.id
}

const eventsOf = async (alertId: string) =>
  (await db.pool.query<{ kind: string; actor: string; details: Record<string, unknown> }>(
    'SELECT kind, actor, details FROM alert_events WHERE alert_id = $1 ORDER BY id', [alertId],
  )).rows

describe('claimDueEscalations', () => {
  it('escalates open red alerts past the limit once, oldest first, with the revision bumped and the event written', async () => {
    const older = await insertAlert({ key: 'a-older', redMinutesAgo: 40 })
    const due = await insertAlert({ key: 'a-due', redMinutesAgo: 16 })
    const young = await insertAlert({ key: 'a-young', redMinutesAgo: 14 })
    const acknowledged = await insertAlert({ key: 'a-ack', redMinutesAgo: 60, status: 'acknowledged' })
    const yellow = await insertAlert({ key: 'a-yellow', redMinutesAgo: null })

    const claimed = await claimDueEscalations(db.pool, { afterMinutes: 15, limit: 10 })
    expect(claimed.map((c) => c.alertId)).toEqual([older, due])
    expect(claimed[1]).toMatchObject({ tenantId: 'demo', patientId, severity: 'red', ruleId: 'spo2-low', revision: 2 })
    expect(claimed[1]!.escalatedAt.getTime() - claimed[1]!.redSince.getTime()).toBeGreaterThanOrEqual(16 * 60_000)
    expect(await eventsOf(due)).toEqual([{ kind: 'escalated', actor: 'escalation', details: expect.objectContaining({ afterMinutes: 15, revision: 2 }) }])
    for (const id of [young, acknowledged, yellow]) expect(await eventsOf(id)).toEqual([])

    expect(await claimDueEscalations(db.pool, { afterMinutes: 15, limit: 10 })).toEqual([])
    const { rows } = await db.pool.query('SELECT escalated_at IS NOT NULL AS escalated, revision FROM alerts WHERE id = ANY($1) ORDER BY red_since', [[older, due, young]])
    expect(rows).toEqual([{ escalated: true, revision: 2 }, { escalated: true, revision: 2 }, { escalated: false, revision: 1 }])
  })

  it('hands each due alert to one of several simultaneous claims, and respects the limit', async () => {
    const ids = await Promise.all([1, 2, 3].map((i) => insertAlert({ key: `b-${i}`, redMinutesAgo: 20 + i })))
    const [first, second] = await Promise.all([1, 2].map(() => claimDueEscalations(db.pool, { afterMinutes: 15, limit: 2 })))
    const claimed = [...first!, ...second!].map((c) => c.alertId)
    expect(claimed.sort()).toEqual([...ids].sort())
    expect(Math.max(first!.length, second!.length)).toBe(2)
  })

  it('finds due alerts through the partial index alerts_escalation_due', async () => {
    const results = await db.pool.query(`BEGIN; SET LOCAL enable_seqscan = off;
      EXPLAIN SELECT id FROM alerts WHERE status = 'open' AND severity = 'red' AND escalated_at IS NULL
        AND red_since <= now() - make_interval(secs => 900) ORDER BY red_since LIMIT 100 FOR UPDATE SKIP LOCKED;
      COMMIT`) as unknown as { command: string; rows: { 'QUERY PLAN': string }[] }[]
    const plan = results.find((r) => r.command === 'EXPLAIN')!.rows.map((r) => r['QUERY PLAN']).join('\n')
    expect(plan).toContain('alerts_escalation_due')
  })
})

describe('recordNotification', () => {
  it('writes notified and notification-failed events without changing the alert', async () => {
    const id = await insertAlert({ key: 'c-1', redMinutesAgo: 1 })
    await recordNotification(db.pool, { alertId: id, tenantId: 'demo', notifier: 'webhook', ok: false, error: 'http-status: answered HTTP 500', attempt: 1, willRetry: true })
    await recordNotification(db.pool, { alertId: id, tenantId: 'demo', notifier: 'webhook', ok: true, attempt: 2 })
    expect(await eventsOf(id)).toEqual([
      { kind: 'notification-failed', actor: 'escalation', details: { notifier: 'webhook', attempt: 1, error: 'http-status: answered HTTP 500', willRetry: true } },
      { kind: 'notified', actor: 'escalation', details: { notifier: 'webhook', attempt: 2 } },
    ])
    expect((await db.pool.query('SELECT revision FROM alerts WHERE id = $1', [id])).rows[0]).toEqual({ revision: 1 })
  })
})
