import type { DbActor } from './actor.js'
import { CARE_RELATIONSHIP } from './care-relationship.js'
import { announceAlertChanges } from './event-outbox.js'
import { EFFECTIVE_STATE, isUuid } from './patients.js'
import type { Queryable } from './pool.js'
import { byMeasuredAt, MEASUREMENT_COLUMNS, toStoredReading, type MeasurementRow, type StoredReading } from './rule-store.js'

/**
 * The patient's course of service (issue 17, docs/decisions/0017): the state
 * with its history and reasons, the start-up period, the self-care plan
 * (egenbehandlingsplan), and ending the service. Every write and its
 * access-log entry are ONE statement (decision 0001); reads go through the
 * care relationship like every read of a patient's data.
 */

export type ServiceState = 'referred' | 'active' | 'paused' | 'ended'

export interface ServiceStateChange {
  fromState: ServiceState | null
  toState: ServiceState
  reason: string | null
  byName: string
  at: Date
}

export interface ServiceCourse {
  patientId: string
  /** `paused` while a pause is in force now (platform clock), whatever the stored state. */
  state: ServiceState
  contactPhone: string | null
  selfCarePlan: string
  selfCarePlanUpdatedAt: Date | null
  selfCarePlanUpdatedBy: string | null
  enrolledAt: Date
  startupEndsAt: Date | null
  endedAt: Date | null
  history: ServiceStateChange[]
}

interface CourseRow {
  id: string; state: ServiceState; contact_phone: string | null; self_care_plan: string; self_care_plan_updated_at: Date | null
  self_care_plan_updated_by: string | null; created_at: Date; startup_ends_at: Date | null; ended_at: Date | null
  history: { fromState: ServiceState | null; toState: ServiceState; reason: string | null; byName: string; at: string }[]
}

/** The course of a patient the user gives care to (an ended one too: its data is kept), or null. */
export async function readServiceCourse(db: Queryable, q: { tenantId: string; userId: string; patientId: string }): Promise<ServiceCourse | null> {
  if (!isUuid(q.patientId)) return null
  const { rows } = await db.query<CourseRow>(
    `SELECT p.id, ${EFFECTIVE_STATE} AS state, p.contact_phone, p.self_care_plan, p.self_care_plan_updated_at, p.self_care_plan_updated_by,
            p.created_at, p.startup_ends_at, p.ended_at,
            (SELECT coalesce(jsonb_agg(jsonb_build_object('fromState', s.from_state, 'toState', s.to_state, 'reason', s.reason,
                       'byName', s.by_name, 'at', s.at) ORDER BY s.id), '[]')
               FROM service_state_changes s WHERE s.tenant_id = p.tenant_id AND s.patient_id = p.id) AS history
       FROM patients p WHERE p.tenant_id = $1 AND p.id = $3::uuid AND ${CARE_RELATIONSHIP}`,
    [q.tenantId, q.userId, q.patientId],
  )
  const r = rows[0]
  if (!r) return null
  return {
    patientId: r.id, state: r.state, contactPhone: r.contact_phone, selfCarePlan: r.self_care_plan,
    selfCarePlanUpdatedAt: r.self_care_plan_updated_at, selfCarePlanUpdatedBy: r.self_care_plan_updated_by,
    enrolledAt: r.created_at, startupEndsAt: r.startup_ends_at, endedAt: r.ended_at,
    history: r.history.map((h) => ({ ...h, at: new Date(h.at) })),
  }
}

const CARE_ROLES_SQL = `'nurse', 'clinician'`

/** Replaces the self-care plan text; a nurse or clinician on the care team, of a service not ended. */
export async function setSelfCarePlan(db: Queryable, q: { actor: DbActor; patientId: string; text: string }): Promise<boolean> {
  if (!isUuid(q.patientId) || !q.actor.userId) return false
  const { rows } = await db.query<{ n: number }>(
    `WITH u AS (SELECT id, display_name FROM users WHERE tenant_id = $1 AND id = $2::uuid AND disabled_at IS NULL AND role IN (${CARE_ROLES_SQL})),
          x AS (UPDATE patients p SET self_care_plan = $5, self_care_plan_updated_at = varde_now(), self_care_plan_updated_by = u.display_name
                  FROM u WHERE p.tenant_id = $1 AND p.id = $4::uuid AND p.service_state <> 'ended' AND ${CARE_RELATIONSHIP}
                RETURNING p.id),
          a AS (INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details)
                SELECT $1, $2::uuid, $3, 'patient.self-care-plan', 'CarePlan', x.id::text, x.id, 'allowed',
                       jsonb_build_object('length', length($5)) FROM x)
     SELECT count(*)::int AS n FROM x`,
    [q.actor.tenantId, q.actor.userId, q.actor.username, q.patientId, q.text],
  )
  return (rows[0]?.n ?? 0) > 0
}

export type EndServiceResult =
  | { ok: true; revokedGatewayIds: string[]; resolvedAlerts: number }
  | { ok: false; code: 'not-found' | 'already-ended' | 'forbidden' }

/**
 * Ends the service (avslutte), in one statement: the state `ended` with its
 * reason; every gateway of the patient revoked (the broker refuses it from
 * the next connect; the caller orders the cut-off of a connected one) and
 * its devices unpaired; every unresolved alert resolved with outcome
 * `service-ended`, each change announced through the outbox. The data stays
 * (retention is the tenant's); the patient leaves every list.
 */
export async function endService(
  db: Queryable,
  q: { actor: DbActor; patientId: string; reason: string; alertsTopic: string },
): Promise<EndServiceResult> {
  if (!isUuid(q.patientId) || !q.actor.userId) return { ok: false, code: 'not-found' }
  const { rows } = await db.query<{ users: number; found: number; was_ended: boolean | null; gateways: string[] | null; alerts: number }>(
    `WITH u AS (SELECT id, display_name FROM users WHERE tenant_id = $1 AND id = $2::uuid AND disabled_at IS NULL AND role IN (${CARE_ROLES_SQL})),
          target AS (SELECT p.id, p.service_state FROM patients p WHERE p.tenant_id = $1 AND p.id = $4::uuid AND ${CARE_RELATIONSHIP}),
          x AS (UPDATE patients p SET service_state = 'ended', ended_at = varde_now()
                  FROM u, target t WHERE p.tenant_id = $1 AND p.id = t.id AND p.service_state <> 'ended'
                RETURNING p.id, p.tenant_id),
          s AS (INSERT INTO service_state_changes (tenant_id, patient_id, from_state, to_state, reason, by_user_id, by_name)
                SELECT $1, x.id, t.service_state, 'ended', $5, u.id, u.display_name FROM x, target t, u),
          g AS (UPDATE gateways g SET revoked_at = now() FROM x
                 WHERE g.tenant_id = $1 AND g.patient_id = x.id AND g.revoked_at IS NULL RETURNING g.id),
          d AS (UPDATE devices d SET paired_at = NULL, paired_by = NULL FROM x, gateways g
                 WHERE d.tenant_id = $1 AND g.tenant_id = $1 AND g.patient_id = x.id AND d.gateway_id = g.id AND d.paired_at IS NOT NULL
                RETURNING d.device_id),
          r AS (UPDATE alerts a SET status = 'resolved', resolved_at = varde_now(), resolved_by = $2::uuid, outcome = 'service-ended',
                       acknowledged_at = coalesce(a.acknowledged_at, varde_now()), revision = a.revision + 1, updated_at = now()
                  FROM x WHERE a.tenant_id = $1 AND a.patient_id = x.id AND a.status <> 'resolved'
                RETURNING a.*),
          e AS (INSERT INTO alert_events (tenant_id, alert_id, at, kind, actor_user_id, actor, details)
                SELECT r.tenant_id, r.id, varde_now(), 'resolved', $2::uuid, $3, jsonb_build_object('outcome', 'service-ended') FROM r),
          o AS (${announceAlertChanges('r', { change: `'resolved'`, at: 'varde_now()', topicParam: '$6' })}),
          lg AS (INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details)
                SELECT $1, $2::uuid, $3, 'patient.end-service', 'Patient', x.id::text, x.id, 'allowed',
                       jsonb_build_object('gateways', (SELECT coalesce(jsonb_agg(id), '[]') FROM g),
                                          'devicesUnpaired', (SELECT count(*) FROM d), 'alertsResolved', (SELECT count(*) FROM r)) FROM x)
     SELECT (SELECT count(*) FROM u)::int AS users, (SELECT count(*) FROM target)::int AS found, (SELECT service_state = 'ended' FROM target) AS was_ended,
            (SELECT array_agg(id) FROM g) AS gateways, (SELECT count(*) FROM r)::int AS alerts`,
    [q.actor.tenantId, q.actor.userId, q.actor.username, q.patientId, q.reason, q.alertsTopic],
  )
  const r = rows[0]
  if (!r || r.found === 0) return { ok: false, code: 'not-found' }
  if (r.users === 0) return { ok: false, code: 'forbidden' }
  if (r.was_ended) return { ok: false, code: 'already-ended' }
  return { ok: true, revokedGatewayIds: r.gateways ?? [], resolvedAlerts: r.alerts }
}

/**
 * The start-up period's readings of a patient (and the 14 days before it that
 * the rules look back on), oldest first, as the rules worker loads them
 * (rule-store.ts), with the alerts the rules raised in the period: what a
 * threshold proposal's what-if replays and is checked against. For a
 * patient the caller has checked access to. All of them, no cap: a replay of
 * part of the period would say a limit raises fewer alerts than it does
 * (30 + 14 days of a reading a minute is 63,360 readings a vital; the replay is
 * linear, ADR 0036).
 */
export async function loadStartupReadings(
  db: Queryable,
  q: { tenantId: string; patientId: string; from: Date; to: Date },
): Promise<{ readings: StoredReading[]; raised: { alertKey: string; severity: 'red' | 'yellow'; firstTriggeredAt: Date; count: number; ruleVersion: string }[] }> {
  const { rows } = await db.query<MeasurementRow>(
    `SELECT ${MEASUREMENT_COLUMNS} FROM measurements
      WHERE tenant_id = $1 AND patient_id = $2::uuid AND measured_at >= $3::timestamptz - interval '14 days' AND measured_at < $4
      ORDER BY measured_at`,
    [q.tenantId, q.patientId, q.from, q.to],
  )
  const alerts = await db.query<{ alert_key: string; severity: 'red' | 'yellow'; first_triggered_at: Date; count: number; rule_version: string }>(
    `SELECT alert_key, severity, first_triggered_at, count, rule_version FROM alerts
      WHERE tenant_id = $1 AND patient_id = $2::uuid AND first_triggered_at >= $3 AND first_triggered_at < $4
        AND rule_kind IN ('threshold', 'weight-gain', 'baseline-deviation', 'news2')
      ORDER BY first_triggered_at`,
    [q.tenantId, q.patientId, q.from, q.to],
  )
  return {
    readings: rows.map(toStoredReading).sort(byMeasuredAt),
    raised: alerts.rows.map((a) => ({ alertKey: a.alert_key, severity: a.severity, firstTriggeredAt: a.first_triggered_at, count: a.count, ruleVersion: a.rule_version })),
  }
}

/**
 * The tenant's patients in follow-up (not ended) with their conditions: whom a
 * tenant-wide what-if replays (issue 20). For the tenant's administrator; the
 * caller has checked the role and logs the look.
 */
export async function listTenantPatientsForReplay(db: Queryable, tenantId: string): Promise<{ id: string; conditions: string[]; displayName: string }[]> {
  const { rows } = await db.query<{ id: string; conditions: string[]; displayName: string }>(
    `SELECT id, conditions, display_name AS "displayName" FROM patients WHERE tenant_id = $1 AND service_state <> 'ended' ORDER BY id`,
    [tenantId],
  )
  return rows
}

/**
 * What adherence needs about these patients (reads only; the caller has
 * checked access), without fetching their readings: when follow-up started,
 * and which occurrences of the measuring plan (domain planOccurrences, shared
 * among patients with the same rules; instants in `timeZone`) each patient
 * has a reading in, as indexes into `occurrences`. One statement for the
 * whole list: readings are matched to occurrences by vital and local date (a
 * hash join) and then by the window's instants, so the database reads each
 * reading once and answers one row per patient (docs/decisions/0043; it was
 * every reading of 30 days as a row, ~3.8 s for 500 patients).
 */
export async function loadAdherenceDone(
  db: Queryable, patientIds: string[], timeZone: string,
  occurrences: readonly { vital: string; date: string; windowStart: Date; deadline: Date }[],
): Promise<Map<string, { startedAt: Date; done: Set<number> }>> {
  const out = new Map<string, { startedAt: Date; done: Set<number> }>()
  if (patientIds.length === 0) return out
  const p = await db.query<{ id: string; created_at: Date }>('SELECT id, created_at FROM patients WHERE id = ANY($1::uuid[])', [patientIds])
  for (const r of p.rows) out.set(r.id, { startedAt: r.created_at, done: new Set() })
  if (occurrences.length === 0) return out
  const from = new Date(Math.min(...occurrences.map((o) => o.windowStart.getTime())))
  const to = new Date(Math.max(...occurrences.map((o) => o.deadline.getTime())))
  const m = await db.query<{ patient_id: string; done: number[] }>(
    `SELECT m.patient_id, array_agg(DISTINCT o.i::int) AS done
       FROM unnest($2::text[], $3::date[], $4::timestamptz[], $5::timestamptz[]) WITH ORDINALITY AS o(vital, local_date, window_start, deadline, i)
       JOIN measurements m ON m.type = o.vital AND (m.measured_at AT TIME ZONE $6)::date = o.local_date
                          AND m.measured_at >= o.window_start AND m.measured_at <= o.deadline
      WHERE m.patient_id = ANY($1::uuid[]) AND m.measured_at >= $7 AND m.measured_at <= $8
      GROUP BY m.patient_id`,
    [patientIds, occurrences.map((o) => o.vital), occurrences.map((o) => o.date), occurrences.map((o) => o.windowStart),
      occurrences.map((o) => o.deadline), timeZone, from, to],
  )
  // ORDINALITY counts from 1
  for (const r of m.rows) for (const i of r.done) out.get(r.patient_id)?.done.add(i - 1)
  return out
}
