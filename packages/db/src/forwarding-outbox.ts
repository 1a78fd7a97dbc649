import type { Queryable } from './pool.js'

/**
 * The forwarding outbox (migration 0013; docs/decisions/0013): red alerts are
 * enqueued by a trigger in the statement that makes them red, daily readings
 * by the worker's scheduler; workers claim the head of each recipient's queue
 * with a lease (FOR UPDATE SKIP LOCKED, so several processes never take the
 * same row), send, and settle it: delivered, retried later with backoff, or
 * a dead letter after the last try.
 */
export type DeliveryKind = 'alert' | 'readings' | 'summary'
export type DeliveryStatus = 'pending' | 'delivered' | 'dead' | 'cancelled'

export interface ForwardingRecipient {
  id: string
  tenantId: string
  name: string
  organisationNumber: string | null
  herId: string | null
  transport: 'fhir-rest' | 'pmd'
  baseUrl: string | null
  isDemo: boolean
}

export interface ClaimedDelivery {
  id: string
  tenantId: string
  patientId: string
  kind: DeliveryKind
  alertId: string | null
  window: { start: Date; end: Date } | null
  /** Tries so far, this one included. */
  attempts: number
  /** may_forward_to at the moment of the claim: false when an objection or the relationship's end came after enqueueing. */
  isAllowed: boolean
  recipient: ForwardingRecipient
}

interface ClaimRow {
  id: string; tenant_id: string; patient_id: string; kind: DeliveryKind; alert_id: string | null; window_start: Date | null
  window_end: Date | null; attempts: number; is_allowed: boolean; r_id: string; r_name: string; r_org: string | null
  r_her: string | null; r_transport: 'fhir-rest' | 'pmd'; r_base_url: string | null; r_is_demo: boolean
}

/**
 * The claim ($1 how many, $2 the lease in ms); exported for its EXPLAIN in the tests.
 * It reads the head of each recipient's queue (one probe of the pending index
 * per recipient, a loose index scan), never the queue behind it: Pasientens
 * måledata is one recipient with a delivery per patient each day, and reading
 * every pending row with an anti-join each cost 0.5 s per claim at 5,000
 * pending (npm run bench:forwarding; docs/decisions/0018). The lock re-checks
 * status and lease, so two workers never take the same head.
 */
export const CLAIM_DELIVERIES_SQL = `WITH heads AS (
       SELECT h.id FROM forwarding_recipients r
        CROSS JOIN LATERAL (SELECT o.id, o.next_attempt_at, o.claimed_until FROM forwarding_outbox o
                             WHERE o.recipient_id = r.id AND o.status = 'pending' ORDER BY o.id LIMIT 1) h
        WHERE h.next_attempt_at <= now() AND (h.claimed_until IS NULL OR h.claimed_until < now())
        ORDER BY h.id LIMIT $1),
     next AS (
       -- by primary key (an array, so no planner joins the heads to a scan of the queue)
       SELECT o.id FROM forwarding_outbox o
        WHERE o.id = ANY (ARRAY(SELECT id FROM heads)) AND o.status = 'pending' AND (o.claimed_until IS NULL OR o.claimed_until < now())
        ORDER BY o.id
        FOR UPDATE SKIP LOCKED),
     claimed AS (
       UPDATE forwarding_outbox o SET claimed_until = now() + $2 * interval '1 millisecond', attempts = o.attempts + 1
         FROM next WHERE o.id = next.id
       RETURNING o.*)
     SELECT c.id::text, c.tenant_id, c.patient_id, c.kind, c.alert_id, c.window_start, c.window_end, c.attempts,
            may_forward_to(c.patient_id, c.recipient_id) AS is_allowed,
            r.id AS r_id, r.name AS r_name, r.organisation_number AS r_org, r.her_id AS r_her, r.transport AS r_transport,
            r.base_url AS r_base_url, r.is_demo AS r_is_demo
       FROM claimed c JOIN forwarding_recipients r ON r.id = c.recipient_id
      ORDER BY c.id`

/**
 * Claims up to `limit` deliveries, each the oldest pending one of its
 * recipient (order per recipient: a later one waits while an earlier one is
 * in backoff or being sent), leased for `leaseMs`.
 */
export async function claimDeliveries(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<ClaimRow>(CLAIM_DELIVERIES_SQL, [limit, leaseMs])
  return rows.map((r) => ({
    id: r.id, tenantId: r.tenant_id, patientId: r.patient_id, kind: r.kind, alertId: r.alert_id,
    window: r.window_start && r.window_end ? { start: r.window_start, end: r.window_end } : null,
    attempts: r.attempts, isAllowed: r.is_allowed,
    recipient: {
      id: r.r_id, tenantId: r.tenant_id, name: r.r_name, organisationNumber: r.r_org, herId: r.r_her, transport: r.r_transport,
      baseUrl: r.r_base_url, isDemo: r.r_is_demo,
    },
  }))
}

/** The outcome of one try; `error` is a code and status, never health data. */
export type DeliveryOutcome =
  | { status: 'delivered' }
  | { status: 'cancelled'; reason: string }
  | { status: 'failed'; error: string; retryAt: Date | null }

/** Settles a claimed delivery: delivered, cancelled, retried at `retryAt`, or dead when `retryAt` is null. */
export async function settleDelivery(db: Queryable, id: string, outcome: DeliveryOutcome): Promise<void> {
  if (outcome.status === 'failed') {
    await db.query(
      `UPDATE forwarding_outbox SET claimed_until = NULL, last_error = left($2, 500),
              status = CASE WHEN $3::timestamptz IS NULL THEN 'dead' ELSE 'pending' END,
              next_attempt_at = coalesce($3::timestamptz, next_attempt_at),
              settled_at = CASE WHEN $3::timestamptz IS NULL THEN now() END
        WHERE id = $1 AND status = 'pending'`,
      [id, outcome.error, outcome.retryAt],
    )
    return
  }
  // a delivery is the patient's data received outside the municipality: its access-log entry (issue 19, "who has
  // received my data") is written by the statement that settles it, so one is never without the other
  await db.query(
    `WITH settled AS (
       UPDATE forwarding_outbox SET status = $2, claimed_until = NULL, settled_at = now(), last_error = $3
        WHERE id = $1 AND status = 'pending'
       RETURNING id, tenant_id, recipient_id, patient_id, kind, status, window_start, window_end
     )
     INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details,
                            actor_role, organisation, purpose)
     SELECT s.tenant_id, NULL, r.name, 'forward',
            CASE s.kind WHEN 'alert' THEN 'Alert' WHEN 'summary' THEN 'DiagnosticReport' ELSE 'Observation' END,
            s.id::text, s.patient_id, 'allowed',
            jsonb_strip_nulls(jsonb_build_object('recipientId', r.id, 'kind', s.kind, 'transport', r.transport,
                                                 'from', s.window_start, 'to', s.window_end)),
            NULL, r.organisation_number, 'care'
       FROM settled s JOIN forwarding_recipients r ON r.tenant_id = s.tenant_id AND r.id = s.recipient_id
      WHERE s.status = 'delivered'`,
    [id, outcome.status, outcome.status === 'cancelled' ? outcome.reason : null],
  )
}

/**
 * Enqueues the readings batch of [start, end) for every patient and
 * recipient that may receive it now; idempotent per window (a unique index),
 * so every worker may run it. Returns how many were enqueued.
 */
export async function enqueueReadingsBatches(db: Queryable, window: { start: Date; end: Date }): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO forwarding_outbox (tenant_id, recipient_id, patient_id, kind, window_start, window_end)
     SELECT DISTINCT c.tenant_id, c.recipient_id, c.patient_id, 'readings', $1::timestamptz, $2::timestamptz
       FROM care_team_members c JOIN forwarding_recipients r ON r.id = c.recipient_id
      WHERE r.sends_daily_readings AND may_forward_to(c.patient_id, c.recipient_id)
     ON CONFLICT DO NOTHING`,
    [window.start, window.end],
  )
  return rowCount ?? 0
}

/** The patient as a recipient outside the municipality identifies them: by national id. */
export interface ForwardedPatient {
  id: string
  nationalId: string | null
  displayName: string
}

export interface ForwardedAlert {
  id: string
  tenantId: string
  patient: ForwardedPatient
  severity: 'red' | 'yellow'
  status: string
  ruleId: string
  ruleVersion: string
  ruleKind: string
  openedAt: Date
  lastTriggeredAt: Date
  summaryNb: string
  summaryEn: string
  lastFinding: Record<string, unknown>
}

export async function loadForwardedAlert(db: Queryable, tenantId: string, alertId: string): Promise<ForwardedAlert | null> {
  const { rows } = await db.query<{
    id: string; tenant_id: string; patient_id: string; national_id: string | null; display_name: string; severity: 'red' | 'yellow'
    status: string; rule_id: string; rule_version: string; rule_kind: string; opened_at: Date; last_triggered_at: Date
    summary_nb: string; summary_en: string; last_finding: Record<string, unknown>
  }>(
    `SELECT a.id, a.tenant_id, a.patient_id, p.national_id, p.display_name, a.severity, a.status, a.rule_id, a.rule_version, a.rule_kind,
            a.opened_at, a.last_triggered_at, a.summary_nb, a.summary_en, a.last_finding
       FROM alerts a JOIN patients p ON p.id = a.patient_id
      WHERE a.tenant_id = $1 AND a.id = $2`,
    [tenantId, alertId],
  )
  const r = rows[0]
  if (!r) return null
  return {
    id: r.id, tenantId: r.tenant_id, patient: { id: r.patient_id, nationalId: r.national_id, displayName: r.display_name },
    severity: r.severity, status: r.status, ruleId: r.rule_id, ruleVersion: r.rule_version, ruleKind: r.rule_kind, openedAt: r.opened_at,
    lastTriggeredAt: r.last_triggered_at, summaryNb: r.summary_nb, summaryEn: r.summary_en, lastFinding: r.last_finding,
  }
}

export interface ForwardedReading {
  /** The stored reading's own id: stable, so a re-delivery names the same reading. */
  id: string
  type: string
  value: number
  unit: string
  measuredAt: Date
  gatewayId: string
  deviceId: string
}

/** Who sends, as Pasientens måledata names it (migration 0019): null where the tenant has not said. */
export interface SenderIdentity {
  name: string
  organisationNumber: string | null
  municipalityNumber: string | null
}

/** The patient and the readings received in the window, oldest first, and who sends them. */
export async function loadForwardedReadings(
  db: Queryable, tenantId: string, patientId: string, window: { start: Date; end: Date },
): Promise<{ patient: ForwardedPatient; readings: ForwardedReading[]; sender: SenderIdentity } | null> {
  const patient = (await db.query<{ id: string; national_id: string | null; display_name: string; t_name: string; t_org: string | null; t_municipality: string | null }>(
    `SELECT p.id, p.national_id, p.display_name, t.name AS t_name, t.organisation_number AS t_org, t.municipality_number AS t_municipality
       FROM patients p JOIN tenants t ON t.id = p.tenant_id WHERE p.tenant_id = $1 AND p.id = $2`, [tenantId, patientId],
  )).rows[0]
  if (!patient) return null
  const { rows } = await db.query<{ id: string; type: string; value: number; unit: string; measured_at: Date; gateway_id: string; device_id: string }>(
    `SELECT id, type, value, unit, measured_at, gateway_id, device_id FROM measurements
      WHERE tenant_id = $1 AND patient_id = $2 AND received_at >= $3 AND received_at < $4
      ORDER BY measured_at, id`,
    [tenantId, patientId, window.start, window.end],
  )
  return {
    patient: { id: patient.id, nationalId: patient.national_id, displayName: patient.display_name },
    sender: { name: patient.t_name, organisationNumber: patient.t_org, municipalityNumber: patient.t_municipality },
    readings: rows.map((r) => ({ id: r.id, type: r.type, value: r.value, unit: r.unit, measuredAt: r.measured_at, gatewayId: r.gateway_id, deviceId: r.device_id })),
  }
}

/**
 * Readings the recipient refused on their own while the rest of the batch was
 * delivered (PMD answers each entry): a dead letter per reading (migration 0019).
 */
export async function recordDeadReadings(
  db: Queryable, tenantId: string, outboxId: string, refused: readonly { readingIds: readonly string[]; status: string }[],
): Promise<void> {
  const ids = refused.flatMap((r) => r.readingIds)
  if (!ids.length) return
  const statuses = refused.flatMap((r) => r.readingIds.map(() => r.status.slice(0, 200)))
  await db.query(
    `INSERT INTO forwarding_dead_readings (tenant_id, outbox_id, measurement_id, status)
     SELECT $1, $2::bigint, m, s FROM unnest($3::uuid[], $4::text[]) AS u(m, s)
     ON CONFLICT (outbox_id, measurement_id) DO NOTHING`,
    [tenantId, outboxId, ids, statuses],
  )
}

/** A delivery's per-reading dead letters. */
export async function listDeadReadings(db: Queryable, outboxId: string): Promise<{ measurementId: string; status: string }[]> {
  const { rows } = await db.query<{ measurement_id: string; status: string }>(
    `SELECT measurement_id, status FROM forwarding_dead_readings WHERE outbox_id = $1 ORDER BY id`, [outboxId])
  return rows.map((r) => ({ measurementId: r.measurement_id, status: r.status }))
}

export interface DeliveryRecord {
  id: string
  recipient: { id: string; name: string }
  patientId: string
  kind: DeliveryKind
  alertId: string | null
  window: { start: Date; end: Date } | null
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: Date | null
  lastError: string | null
  createdAt: Date
  settledAt: Date | null
}

/** A patient's deliveries, newest first: each one's status for the patient page. */
export async function listDeliveries(db: Queryable, tenantId: string, patientId: string, limit = 100): Promise<DeliveryRecord[]> {
  const { rows } = await db.query<{
    id: string; recipient_id: string; recipient_name: string; patient_id: string; kind: DeliveryKind; alert_id: string | null
    window_start: Date | null; window_end: Date | null; status: DeliveryStatus; attempts: number; next_attempt_at: Date
    last_error: string | null; created_at: Date; settled_at: Date | null
  }>(
    `SELECT o.id::text, o.recipient_id, r.name AS recipient_name, o.patient_id, o.kind, o.alert_id, o.window_start, o.window_end,
            o.status, o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.settled_at
       FROM forwarding_outbox o JOIN forwarding_recipients r ON r.id = o.recipient_id
      WHERE o.tenant_id = $1 AND o.patient_id = $2
      ORDER BY o.id DESC LIMIT $3`,
    [tenantId, patientId, limit],
  )
  return rows.map((r) => ({
    id: r.id, recipient: { id: r.recipient_id, name: r.recipient_name }, patientId: r.patient_id, kind: r.kind, alertId: r.alert_id,
    window: r.window_start && r.window_end ? { start: r.window_start, end: r.window_end } : null,
    status: r.status, attempts: r.attempts, nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null, lastError: r.last_error,
    createdAt: r.created_at, settledAt: r.settled_at,
  }))
}

export interface NewRecipient {
  tenantId: string
  name: string
  organisationNumber?: string | null
  herId?: string | null
  transport?: 'fhir-rest' | 'pmd'
  baseUrl: string | null
  sendsRedAlerts?: boolean
  sendsDailyReadings?: boolean
  sendsWeeklySummary?: boolean
  isDemo?: boolean
}

/** Creates a recipient, or returns the tenant's recipient of that name. */
export async function ensureRecipient(db: Queryable, r: NewRecipient): Promise<string> {
  await db.query(
    `INSERT INTO forwarding_recipients (tenant_id, name, organisation_number, her_id, transport, base_url, sends_red_alerts, sends_daily_readings, is_demo, sends_weekly_summary)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tenant_id, name) DO NOTHING`,
    [r.tenantId, r.name, r.organisationNumber ?? null, r.herId ?? null, r.transport ?? 'fhir-rest', r.baseUrl, r.sendsRedAlerts ?? true,
      r.sendsDailyReadings ?? true, r.isDemo ?? false, r.sendsWeeklySummary ?? false],
  )
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM forwarding_recipients WHERE tenant_id = $1 AND name = $2`, [r.tenantId, r.name])
  return (rows[0] as { id: string }).id
}

export async function listRecipients(db: Queryable, tenantId: string): Promise<ForwardingRecipient[]> {
  const { rows } = await db.query<{ id: string; tenant_id: string; name: string; organisation_number: string | null; her_id: string | null; transport: 'fhir-rest' | 'pmd'; base_url: string | null; is_demo: boolean }>(
    `SELECT id, tenant_id, name, organisation_number, her_id, transport, base_url, is_demo FROM forwarding_recipients WHERE tenant_id = $1 ORDER BY name`,
    [tenantId],
  )
  return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, name: r.name, organisationNumber: r.organisation_number, herId: r.her_id, transport: r.transport, baseUrl: r.base_url, isDemo: r.is_demo }))
}
