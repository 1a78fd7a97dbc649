import { INTERNAL_TOPICS } from '@varde/domain'
import { announceAlertChanges } from './event-outbox.js'
import type { Queryable } from './pool.js'

/**
 * Escalation of red alerts nobody acknowledged in time (issue 5). Claiming is
 * ONE statement (decision 0001): it marks the alert escalated, bumps its
 * revision and writes the `escalated` event together, so an alert escalates
 * once even with several ingest instances checking at the same time (row
 * locks, SKIP LOCKED, and the re-checked `escalated_at IS NULL`).
 */

/** What the notifiers and the change event need of an escalated alert. */
export interface DueEscalation {
  alertId: string
  tenantId: string
  patientId: string
  severity: 'red'
  ruleId: string
  redSince: Date
  escalatedAt: Date
  /** The alert's revision after escalation. */
  revision: number
}

/** The actor named on the alert's events. */
export const ESCALATION_ACTOR = 'escalation'

/**
 * Escalates up to `limit` open red alerts that have been red for at least
 * `afterMinutes` and were never escalated; returns them, oldest red first.
 * Uses the partial index `alerts_escalation_due`.
 */
export async function claimDueEscalations(
  db: Queryable,
  p: { afterMinutes: number; limit: number },
): Promise<DueEscalation[]> {
  const { rows } = await db.query<{
    id: string; tenant_id: string; patient_id: string; rule_id: string; red_since: Date; escalated_at: Date; revision: number
  }>(
    `WITH due AS (
       SELECT id FROM alerts
        WHERE status = 'open' AND severity = 'red' AND escalated_at IS NULL
          AND red_since <= varde_now() - make_interval(secs => $1::double precision)
        ORDER BY red_since
        LIMIT $2
        FOR UPDATE SKIP LOCKED),
     x AS (
       UPDATE alerts a SET escalated_at = varde_now(), revision = a.revision + 1, updated_at = now()
         FROM due
        WHERE a.id = due.id AND a.status = 'open' AND a.severity = 'red' AND a.escalated_at IS NULL
       RETURNING a.id, a.tenant_id, a.patient_id, a.rule_id, a.red_since, a.escalated_at, a.revision, a.severity, a.status),
     e AS (
       INSERT INTO alert_events (tenant_id, alert_id, at, kind, actor, details)
       SELECT tenant_id, id, escalated_at, 'escalated', '${ESCALATION_ACTOR}',
              jsonb_build_object('afterMinutes', $3::double precision, 'redSince', red_since, 'revision', revision)
         FROM x),
     -- the announcement, in the statement that escalates (migration 0011)
     announced AS (
       ${announceAlertChanges('x', { change: "'escalated'", at: 'c.escalated_at', topicParam: '$4' })}
     )
     SELECT * FROM x ORDER BY red_since`,
    [p.afterMinutes * 60, p.limit, p.afterMinutes, INTERNAL_TOPICS.alertsChanged],
  )
  return rows.map((r) => ({
    alertId: r.id, tenantId: r.tenant_id, patientId: r.patient_id, severity: 'red', ruleId: r.rule_id,
    redSince: r.red_since, escalatedAt: r.escalated_at, revision: r.revision,
  }))
}

/** One delivery attempt of an escalation through one notifier, as written to the alert's history. */
export interface NotificationOutcome {
  alertId: string
  tenantId: string
  /** The notifier's name (`webhook`, `email`). */
  notifier: string
  ok: boolean
  /** Why it failed: a short, secret-free message (no health data, no URL tokens). */
  error?: string | undefined
  /** 1 for the first attempt. */
  attempt: number
  /** A failed attempt that will be tried again. */
  willRetry?: boolean | undefined
}

/** Writes a `notified` or `notification-failed` event on the alert; the alert itself does not change. */
export async function recordNotification(db: Queryable, o: NotificationOutcome): Promise<void> {
  await db.query(
    `INSERT INTO alert_events (tenant_id, alert_id, kind, actor, details)
     VALUES ($1, $2::uuid, $3, '${ESCALATION_ACTOR}',
             jsonb_strip_nulls(jsonb_build_object('notifier', $4::text, 'attempt', $5::int, 'error', $6::text, 'willRetry', $7::boolean)))`,
    [
      o.tenantId, o.alertId, o.ok ? 'notified' : 'notification-failed', o.notifier, o.attempt,
      o.ok ? null : (o.error ?? 'failed').slice(0, 500), o.ok ? null : (o.willRetry ?? false),
    ],
  )
}
