import { INTERNAL_TOPICS } from '@varde/domain'
import type { DbActor } from './actor.js'
import { CARE_RELATIONSHIP, careRelationship } from './care-relationship.js'
import { announceAlertChanges, type OutboxEvent } from './event-outbox.js'
import { isUuid } from './patients.js'
import type { Queryable } from './pool.js'

/**
 * Alerts as nurses see and handle them (migration 0003): the inbox, one alert
 * with its history, and the lifecycle actions (acknowledge, assign, resolve,
 * note). The rules open and update alerts (rule-store.ts); only a person
 * resolves one.
 *
 * Every query takes the tenant from the session and requires the caller's
 * care relationship to the patient (decision 0002); an alert the caller may
 * not see is answered exactly as one that does not exist. Every action is ONE
 * statement (decision 0001): the change, its revision, its `alert_events` row
 * and its access-log entry happen together or not at all.
 */

export type AlertSeverity = 'red' | 'yellow'
export type AlertStatus = 'open' | 'acknowledged' | 'resolved'

/** What the nurse did about an alert (the `alerts.outcome` check). */
export const ALERT_OUTCOMES = ['contacted-patient', 'adjusted-plan', 'contacted-gp', 'no-action-needed', 'false-alarm'] as const
export type AlertOutcome = (typeof ALERT_OUTCOMES)[number] | 'service-ended'

export type AlertEventKind =
  | 'opened' | 'updated' | 'cleared' | 'acknowledged' | 'assigned' | 'noted' | 'resolved'
  | 'escalated' | 'notified' | 'notification-failed'

export interface UserRef {
  id: string
  displayName: string
}

export interface AlertRecord {
  id: string
  patientId: string
  patientName: string
  alertKey: string
  ruleId: string
  ruleVersion: string
  ruleKind: string
  severity: AlertSeverity
  status: AlertStatus
  /** Findings counted while unresolved. */
  count: number
  isConditionActive: boolean
  openedAt: Date
  firstTriggeredAt: Date
  lastTriggeredAt: Date
  clearedAt: Date | null
  summary: { nb: string; en: string }
  /** The rules' findings (`AlertFinding` as JSON), as stored: validate before use. */
  firstFinding: unknown
  lastFinding: unknown
  acknowledgedAt: Date | null
  acknowledgedBy: UserRef | null
  assignedTo: UserRef | null
  assignedAt: Date | null
  resolvedAt: Date | null
  resolvedBy: UserRef | null
  outcome: AlertOutcome | null
  resolutionNote: string | null
  redSince: Date | null
  escalatedAt: Date | null
  updatedAt: Date
  revision: number
}

export interface AlertEventRecord {
  id: number
  at: Date
  kind: AlertEventKind
  /** A username, or the service that acted (`rules`, `escalation`). */
  actor: string
  details: Record<string, unknown>
}

export interface AlertWithHistory extends AlertRecord {
  /** Oldest first. */
  history: AlertEventRecord[]
}


export type AlertActionFailure = 'not-found' | 'already-acknowledged' | 'already-resolved' | 'invalid-assignee'
/**
 * `event`: the change's alert-changed event, put in the outbox by the action's
 * statement and claimed for the caller, who publishes it (`publishOutboxEvents`);
 * if the caller cannot, a relay does once the claim runs out (issue 15).
 */
export type AlertActionResult = { ok: true; alert: AlertRecord; event: OutboxEvent } | { ok: false; code: AlertActionFailure }

const ALERT_COLUMNS = `
  a.id, a.patient_id, p.display_name AS patient_name, a.alert_key, a.rule_id, a.rule_version, a.rule_kind,
  a.severity, a.status, a.count, a.is_condition_active, a.opened_at, a.first_triggered_at, a.last_triggered_at,
  a.cleared_at, a.summary_nb, a.summary_en, a.first_finding, a.last_finding,
  a.acknowledged_at, a.acknowledged_by, ack.display_name AS acknowledged_by_name,
  a.assigned_to, asg.display_name AS assigned_to_name, a.assigned_at,
  a.resolved_at, a.resolved_by, res.display_name AS resolved_by_name, a.outcome, a.resolution_note,
  a.red_since, a.escalated_at, a.updated_at, a.revision`

/** `a` (an alert row) joined to its patient `p` and the people it names. */
const ALERT_JOINS = `
  JOIN patients p ON p.tenant_id = a.tenant_id AND p.id = a.patient_id
  LEFT JOIN users ack ON ack.tenant_id = a.tenant_id AND ack.id = a.acknowledged_by
  LEFT JOIN users asg ON asg.tenant_id = a.tenant_id AND asg.id = a.assigned_to
  LEFT JOIN users res ON res.tenant_id = a.tenant_id AND res.id = a.resolved_by`

interface AlertRow {
  id: string; patient_id: string; patient_name: string; alert_key: string; rule_id: string; rule_version: string
  rule_kind: string; severity: AlertSeverity; status: AlertStatus; count: number; is_condition_active: boolean
  opened_at: Date; first_triggered_at: Date; last_triggered_at: Date; cleared_at: Date | null
  summary_nb: string; summary_en: string; first_finding: unknown; last_finding: unknown
  acknowledged_at: Date | null; acknowledged_by: string | null; acknowledged_by_name: string | null
  assigned_to: string | null; assigned_to_name: string | null; assigned_at: Date | null
  resolved_at: Date | null; resolved_by: string | null; resolved_by_name: string | null
  outcome: AlertOutcome | null; resolution_note: string | null; red_since: Date | null; escalated_at: Date | null
  updated_at: Date; revision: number
}

const userRef = (id: string | null, name: string | null): UserRef | null => (id ? { id, displayName: name ?? '' } : null)

function toRecord(r: AlertRow): AlertRecord {
  return {
    id: r.id, patientId: r.patient_id, patientName: r.patient_name, alertKey: r.alert_key, ruleId: r.rule_id,
    ruleVersion: r.rule_version, ruleKind: r.rule_kind, severity: r.severity, status: r.status, count: r.count,
    isConditionActive: r.is_condition_active, openedAt: r.opened_at, firstTriggeredAt: r.first_triggered_at,
    lastTriggeredAt: r.last_triggered_at, clearedAt: r.cleared_at, summary: { nb: r.summary_nb, en: r.summary_en },
    firstFinding: r.first_finding, lastFinding: r.last_finding,
    acknowledgedAt: r.acknowledged_at, acknowledgedBy: userRef(r.acknowledged_by, r.acknowledged_by_name),
    assignedTo: userRef(r.assigned_to, r.assigned_to_name), assignedAt: r.assigned_at,
    resolvedAt: r.resolved_at, resolvedBy: userRef(r.resolved_by, r.resolved_by_name), outcome: r.outcome,
    resolutionNote: r.resolution_note, redSince: r.red_since, escalatedAt: r.escalated_at, updatedAt: r.updated_at,
    revision: r.revision,
  }
}

export interface ListAlertsQuery {
  tenantId: string
  userId: string
  statuses: readonly AlertStatus[]
  patientId?: string | undefined
  limit: number
}

/**
 * The caller's alerts in these statuses: red before yellow, then the one
 * waiting longest first (the response centre's order of work).
 */
export async function listAlerts(db: Queryable, q: ListAlertsQuery): Promise<AlertRecord[]> {
  if (q.patientId !== undefined && !isUuid(q.patientId)) return []
  const { rows } = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS}
       FROM alerts a ${ALERT_JOINS}
      WHERE a.tenant_id = $1 AND a.status = ANY($3::text[]) AND ($4::uuid IS NULL OR a.patient_id = $4::uuid)
        AND ${CARE_RELATIONSHIP}
      ORDER BY (a.severity = 'red') DESC, a.opened_at, a.id
      LIMIT $5`,
    [q.tenantId, q.userId, q.statuses, q.patientId ?? null, q.limit],
  )
  return rows.map(toRecord)
}

/** One alert, or null when absent or not visible to the user (the caller cannot tell which). */
export async function findAlert(db: Queryable, q: { tenantId: string; userId: string; alertId: string }): Promise<AlertRecord | null> {
  if (!isUuid(q.alertId)) return null
  const { rows } = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts a ${ALERT_JOINS}
      WHERE a.tenant_id = $1 AND a.id = $3::uuid AND ${CARE_RELATIONSHIP}`,
    [q.tenantId, q.userId, q.alertId],
  )
  return rows[0] ? toRecord(rows[0]) : null
}

/** One alert with everything that happened to it, oldest first; null as findAlert. */
export async function findAlertWithHistory(
  db: Queryable, q: { tenantId: string; userId: string; alertId: string },
): Promise<AlertWithHistory | null> {
  if (!isUuid(q.alertId)) return null
  const { rows } = await db.query<AlertRow & { history: { id: number; at: string; kind: AlertEventKind; actor: string; details: Record<string, unknown> }[] }>(
    `SELECT ${ALERT_COLUMNS},
            (SELECT coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'at', e.at, 'kind', e.kind, 'actor', e.actor, 'details', e.details)
                                       ORDER BY e.id), '[]')
               FROM alert_events e WHERE e.tenant_id = a.tenant_id AND e.alert_id = a.id) AS history
       FROM alerts a ${ALERT_JOINS}
      WHERE a.tenant_id = $1 AND a.id = $3::uuid AND ${CARE_RELATIONSHIP}`,
    [q.tenantId, q.userId, q.alertId],
  )
  const r = rows[0]
  if (!r) return null
  return { ...toRecord(r), history: r.history.map((e) => ({ ...e, at: new Date(e.at) })) }
}

interface ActionSpec {
  /** `alert_events.kind` of the change. */
  kind: 'acknowledged' | 'assigned' | 'resolved' | 'noted'
  /** The access log's action. */
  auditAction: string
  /** Statuses the action may start from. */
  from: readonly AlertStatus[]
  /** SET assignments besides revision and updated_at; parameters from $7. */
  set: string
  /** The event's details, a jsonb expression; parameters from $7. */
  details: string
  /** A further condition on the target `t` (its patient_id …), reported as invalid when false. */
  guard?: string
  params: unknown[]
}

/**
 * The one statement behind every action. Parameters: $1 tenant, $2 user id,
 * $3 alert id, $4 username, $5 the statuses it may start from, $6 the event
 * kind; the action's own from $7. The target is the alert only when the
 * caller may see it; the change happens only from an allowed status (checked
 * again under the row lock, so of two nurses acknowledging at once one wins
 * and the other is told).
 */
async function runAction(db: Queryable, actor: DbActor, alertId: string, spec: ActionSpec): Promise<AlertActionResult> {
  if (!isUuid(alertId)) return { ok: false, code: 'not-found' }
  const guard = spec.guard ?? 'true'
  const { rows } = await db.query<Partial<AlertRow> & {
    prior_status: AlertStatus | null; is_valid: boolean | null; outbox_id: string | null; outbox_topic: string | null; outbox_payload: unknown
  }>(
    `WITH target AS (
       SELECT a.id, a.tenant_id, a.patient_id, a.status
         FROM alerts a JOIN patients p ON p.tenant_id = a.tenant_id AND p.id = a.patient_id
        WHERE a.tenant_id = $1 AND a.id = $3::uuid AND ${CARE_RELATIONSHIP}
     ),
     valid AS (SELECT t.id FROM target t WHERE ${guard}),
     changed AS (
       UPDATE alerts a SET ${spec.set ? `${spec.set},` : ''} revision = a.revision + 1, updated_at = now()
         FROM valid v
        WHERE a.tenant_id = $1 AND a.id = v.id AND a.status = ANY($5::text[])
       RETURNING a.*
     ),
     logged AS (
       INSERT INTO alert_events (tenant_id, alert_id, at, kind, actor_user_id, actor, details)
       SELECT c.tenant_id, c.id, c.updated_at, $6, $2::uuid, $4, ${spec.details} FROM changed c
       RETURNING 1
     ),
     audited AS (
       INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details)
       SELECT $1, $2::uuid, $4, '${spec.auditAction}', 'Alert', $3::uuid::text, t.patient_id,
              CASE WHEN t.id IS NULL THEN 'denied' ELSE 'allowed' END,
              jsonb_build_object('isChanged', EXISTS (SELECT 1 FROM changed))
         FROM (SELECT 1) one LEFT JOIN target t ON true
       RETURNING 1
     ),
     -- the announcement, in the statement that makes the change (migration 0011): a crash cannot part them
     announced AS (
       ${announceAlertChanges('changed', { change: '$6::text', at: 'c.updated_at', topicParam: `$${7 + spec.params.length}`, claimedByWriter: true })}
     )
     SELECT (SELECT status FROM target) AS prior_status, EXISTS (SELECT 1 FROM valid) AS is_valid, ${ALERT_COLUMNS},
            n.outbox_id, n.outbox_topic, n.outbox_payload
       FROM (SELECT 1) one
       LEFT JOIN (changed a ${ALERT_JOINS}) ON true
       LEFT JOIN announced n ON true`,
    [actor.tenantId, actor.userId, alertId, actor.username, spec.from, spec.kind, ...spec.params, INTERNAL_TOPICS.alertsChanged],
  )
  const r = rows[0]
  if (!r?.prior_status) return { ok: false, code: 'not-found' }
  if (r.id && r.outbox_id && r.outbox_topic) {
    return { ok: true, alert: toRecord(r as AlertRow), event: { id: r.outbox_id, topic: r.outbox_topic, payload: r.outbox_payload } }
  }
  if (!r.is_valid) return { ok: false, code: 'invalid-assignee' }
  return { ok: false, code: r.prior_status === 'resolved' ? 'already-resolved' : 'already-acknowledged' }
}

/** Open → acknowledged (*kvittert ut*), by the caller, now. */
export function acknowledgeAlert(db: Queryable, actor: DbActor, alertId: string): Promise<AlertActionResult> {
  return runAction(db, actor, alertId, {
    kind: 'acknowledged', auditAction: 'alert.acknowledge', from: ['open'],
    set: `status = 'acknowledged', acknowledged_at = varde_now(), acknowledged_by = $2::uuid`,
    details: `'{}'::jsonb`, params: [],
  })
}

/**
 * Makes a user of the same tenant, who gives the patient care, responsible for
 * an unresolved alert; `null` unassigns.
 */
export function assignAlert(db: Queryable, actor: DbActor, alertId: string, assigneeId: string | null): Promise<AlertActionResult> {
  if (assigneeId !== null && !isUuid(assigneeId)) return Promise.resolve({ ok: false, code: 'invalid-assignee' })
  return runAction(db, actor, alertId, {
    kind: 'assigned', auditAction: 'alert.assign', from: ['open', 'acknowledged'],
    set: `assigned_to = $7::uuid, assigned_at = CASE WHEN $7::uuid IS NULL THEN NULL ELSE varde_now() END`,
    details: `jsonb_build_object('assignedTo', $7::uuid,
                'assignedToName', (SELECT u.display_name FROM users u WHERE u.tenant_id = $1 AND u.id = $7::uuid))`,
    guard: `$7::uuid IS NULL OR EXISTS (
              SELECT 1 FROM patients p JOIN users u ON u.tenant_id = p.tenant_id
               WHERE p.tenant_id = $1 AND p.id = t.patient_id AND u.id = $7::uuid AND u.disabled_at IS NULL
                 AND ${careRelationship('$7::uuid')})`,
    params: [assigneeId],
  })
}

/** Open or acknowledged → resolved (*avsluttet*), saying what was done. */
export function resolveAlert(
  db: Queryable, actor: DbActor, alertId: string, resolution: { outcome: AlertOutcome; note?: string | null | undefined },
): Promise<AlertActionResult> {
  return runAction(db, actor, alertId, {
    kind: 'resolved', auditAction: 'alert.resolve', from: ['open', 'acknowledged'],
    set: `status = 'resolved', resolved_at = varde_now(), resolved_by = $2::uuid, outcome = $7, resolution_note = $8`,
    details: `jsonb_build_object('outcome', $7::text, 'note', $8::text)`,
    params: [resolution.outcome, resolution.note ?? null],
  })
}

/** A note in the alert's history, in any status (documentation may come after resolving). */
export function addAlertNote(db: Queryable, actor: DbActor, alertId: string, text: string): Promise<AlertActionResult> {
  return runAction(db, actor, alertId, {
    kind: 'noted', auditAction: 'alert.note', from: ['open', 'acknowledged', 'resolved'],
    set: '', details: `jsonb_build_object('text', $7::text)`, params: [text],
  })
}

/**
 * Alerts resolved since a time, of the patients the user gives care to,
 * latest resolved first (the shift view, issue 20: what was closed while the
 * nurse was away).
 */
export async function listAlertsResolvedSince(db: Queryable, q: { tenantId: string; userId: string; since: Date; limit: number }): Promise<AlertRecord[]> {
  const { rows } = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS}
       FROM alerts a ${ALERT_JOINS}
      WHERE a.tenant_id = $1 AND a.status = 'resolved' AND a.resolved_at >= $3 AND ${CARE_RELATIONSHIP}
      ORDER BY a.resolved_at DESC, a.id
      LIMIT $4`,
    [q.tenantId, q.userId, q.since, q.limit],
  )
  return rows.map(toRecord)
}
