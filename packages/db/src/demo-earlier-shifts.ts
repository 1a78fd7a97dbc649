import { DEMO_TENANT } from './demo-seed.js'
import type { Queryable } from './pool.js'

/** The note the earlier shifts left on what they handled (bokmål, as the nurses write). */
export const DEMO_EARLIER_SHIFT_NOTE = 'Vurdert av tidligere vakt: fulgt opp, ingen videre tiltak nå.'

/**
 * The demo's earlier shifts (issue 20): a month of history judged by the rules
 * leaves every episode of those 30 days open, so the inbox opened on ~26 of
 * them, mostly yellow blood pressure long over, where a real centre would have
 * handled them shift by shift. Every alert of tenant `demo` whose latest
 * finding is older than the current shift's start is acknowledged and
 * resolved by the demo nurse, with an outcome and a note, at a plausible time
 * (two hours after its latest finding, before the shift began), each with its
 * events, as a nurse's resolve would leave them. Alerts still triggering in
 * this shift stay open (the story's worsening, the missed morning
 * measurement). One set-based statement; a restart finds nothing more to do
 * but what the last shift's start left.
 */
export async function resolveDemoEarlierShifts(db: Queryable, shiftStart: Date): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `WITH nurse AS (SELECT id, username FROM users WHERE tenant_id = $1 AND username = 'sykepleier'),
     handled AS (
       UPDATE alerts a
          SET status = 'resolved',
              acknowledged_at = COALESCE(a.acknowledged_at, LEAST(a.last_triggered_at + interval '1 hour', $2::timestamptz)),
              acknowledged_by = COALESCE(a.acknowledged_by, nurse.id),
              resolved_at = LEAST(a.last_triggered_at + interval '2 hours', $2::timestamptz),
              resolved_by = nurse.id, outcome = 'no-action-needed', resolution_note = $3,
              revision = a.revision + 1, updated_at = now()
         FROM nurse, (SELECT id, status FROM alerts WHERE tenant_id = $1 AND status <> 'resolved' AND last_triggered_at < $2::timestamptz
                                        AND NOT (rule_kind IN ('missed-measurement', 'gateway-offline', 'low-battery', 'device-health') AND is_condition_active)) prior
        WHERE a.tenant_id = $1 AND a.id = prior.id
       RETURNING a.tenant_id, a.id, a.acknowledged_at, a.resolved_at, nurse.id AS nurse_id, nurse.username, prior.status AS prior_status
     ),
     logged AS (
       INSERT INTO alert_events (tenant_id, alert_id, at, kind, actor_user_id, actor, details)
       SELECT h.tenant_id, h.id, h.acknowledged_at, 'acknowledged', h.nurse_id, h.username, '{}'::jsonb FROM handled h WHERE h.prior_status = 'open'
       UNION ALL
       SELECT h.tenant_id, h.id, h.resolved_at, 'resolved', h.nurse_id, h.username,
              jsonb_build_object('outcome', 'no-action-needed', 'note', $3::text) FROM handled h
       RETURNING 1
     )
     SELECT count(*)::text AS n FROM handled`,
    [DEMO_TENANT.id, shiftStart, DEMO_EARLIER_SHIFT_NOTE],
  )
  return Number(rows[0]?.n ?? 0)
}

/** Whether the rules have judged every reading of tenant `demo` stored so far (rule_work drained, migration 0003). */
export async function isDemoRuleWorkDone(db: Queryable): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM rule_work WHERE tenant_id = $1 LIMIT 1', [DEMO_TENANT.id])
  return rows.length === 0
}
