import {
  INTERNAL_TOPICS,
  VITAL_TYPE_NAMES,
  type AlertAction,
  type AlertFinding,
  type ConditionId,
  type DeviceBattery,
  type GatewayHealth,
  type OpenAlertState,
  type Reading,
  type ReadingFlag,
  type Severity,
  type VitalType,
} from '@varde/domain'
import { announceAlertChanges, type OutboxEvent } from './event-outbox.js'
import type { Queryable } from './pool.js'

/**
 * The rules worker's side of the database (migration 0003): the durable queue
 * of patients with readings not yet judged, what the rules need to judge them,
 * and one statement that applies the rules' actions and takes the patients
 * off the queue together. See ingest/src/rule-worker.ts.
 */

export interface RuleWorkClaim {
  patientId: string
  tenantId: string
  /** Readings received from here on are new to the rules. */
  pendingSince: Date
  /** The queue row's sequence when claimed: only this one is removed after judging. */
  seq: string
  /** Claimed ahead of the others for a possibly red reading (migration 0007). */
  isUrgent: boolean
}

/**
 * Claims up to `limit` queued patients for `leaseSeconds` (a worker that dies
 * lets the lease run out; the next one takes them). One statement.
 */
export async function claimRuleWork(db: Queryable, limit: number, leaseSeconds = 60): Promise<RuleWorkClaim[]> {
  const { rows } = await db.query<{ patient_id: string; tenant_id: string; pending_since: Date; seq: string; is_urgent: boolean }>(
    // patients with a possibly red reading first, in rounds of their own (migration 0007); then in the order they joined
    `UPDATE rule_work w SET claimed_until = now() + make_interval(secs => $2)
      WHERE w.patient_id IN (
        SELECT patient_id FROM rule_work r
         WHERE (r.claimed_until IS NULL OR r.claimed_until < now())
           AND (r.urgent_seq IS NOT NULL OR NOT EXISTS (
                 SELECT 1 FROM rule_work u WHERE u.urgent_seq IS NOT NULL AND (u.claimed_until IS NULL OR u.claimed_until < now())))
         ORDER BY r.queued_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
      RETURNING w.patient_id, w.tenant_id, w.pending_since, w.seq::text, w.urgent_seq IS NOT NULL AS is_urgent`,
    [limit, leaseSeconds],
  )
  return rows.map((r) => ({ patientId: r.patient_id, tenantId: r.tenant_id, pendingSince: r.pending_since, seq: r.seq, isUrgent: r.is_urgent }))
}

/** How many patients wait for the rules (for /metrics and tests). */
export async function countRuleWork(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rule_work')
  return rows[0]?.n ?? 0
}

export interface RulePatient {
  id: string
  tenantId: string
  conditions: ConditionId[]
  serviceState: 'active' | 'paused' | 'ended'
  /** Start of the follow-up: no missed measurements before it. */
  serviceStartedAt: Date
}

/** A stored reading as the rules see it, with when it arrived. */
export interface StoredReading extends Reading {
  /** The stored row's id (uuid), for the alert's references. */
  storedId: string
  receivedAt: Date
}

export interface OpenAlertRow extends OpenAlertState {
  id: string
}

export interface RuleContext {
  patients: Map<string, RulePatient>
  openAlerts: Map<string, OpenAlertRow[]>
  gateways: Map<string, GatewayHealth[]>
  devices: Map<string, DeviceBattery[]>
}

/**
 * What the rules need about these patients besides readings, in ONE statement
 * (reads only): the patients, their open alerts, gateways and devices' batteries.
 * One, not four in turn: on the embedded database each statement of a round
 * waits behind whatever ingest's stores put ahead of it (decision 1), so under
 * the alert bench's load each of the four waited for a store of its own
 * (ADR 0041).
 */
export async function loadRuleContext(db: Queryable, patientIds: string[]): Promise<RuleContext> {
  const patients = new Map<string, RulePatient>()
  const openAlerts = new Map<string, OpenAlertRow[]>()
  const gateways = new Map<string, GatewayHealth[]>()
  const devices = new Map<string, DeviceBattery[]>()
  if (patientIds.length === 0) return { patients, openAlerts, gateways, devices }

  // json_agg gives times as ISO 8601 text: taken back to Dates below
  const { rows: [row] } = await db.query<{
    p: { id: string; tenant_id: string; conditions: string[]; service_state: RulePatient['serviceState']; created_at: string }[]
    a: {
      id: string; patient_id: string; alert_key: string; rule_id: string; severity: Severity; count: number
      is_condition_active: boolean; last_triggered_at: string
    }[]
    g: { id: string; patient_id: string; state: string; last_seen_at: string | null; created_at: string; battery: number | null }[]
    d: { patient_id: string; device_id: string; battery: number; last_seen_at: string }[]
  }>(
    `SELECT
       (SELECT coalesce(json_agg(json_build_object('id', id, 'tenant_id', tenant_id, 'conditions', conditions,
                 'service_state', service_state, 'created_at', created_at)), '[]')
          FROM patients WHERE id = ANY($1::uuid[])) AS p,
       (SELECT coalesce(json_agg(json_build_object('id', id, 'patient_id', patient_id, 'alert_key', alert_key, 'rule_id', rule_id,
                 'severity', severity, 'count', count, 'is_condition_active', is_condition_active, 'last_triggered_at', last_triggered_at)), '[]')
          FROM alerts WHERE patient_id = ANY($1::uuid[]) AND status <> 'resolved') AS a,
       (SELECT coalesce(json_agg(json_build_object('id', id, 'patient_id', patient_id, 'state', state, 'last_seen_at', last_seen_at,
                 'created_at', created_at, 'battery', battery)), '[]')
          FROM gateways WHERE patient_id = ANY($1::uuid[]) AND revoked_at IS NULL) AS g,
       (SELECT coalesce(json_agg(json_build_object('patient_id', g.patient_id, 'device_id', d.device_id, 'battery', d.battery,
                 'last_seen_at', d.last_seen_at)), '[]')
          FROM devices d JOIN gateways g ON g.id = d.gateway_id
         WHERE g.patient_id = ANY($1::uuid[]) AND g.revoked_at IS NULL AND d.battery IS NOT NULL) AS d`,
    [patientIds],
  )
  for (const r of row?.p ?? []) {
    patients.set(r.id, {
      id: r.id, tenantId: r.tenant_id, conditions: r.conditions as ConditionId[], serviceState: r.service_state, serviceStartedAt: new Date(r.created_at),
    })
  }
  for (const r of row?.a ?? []) {
    push(openAlerts, r.patient_id, {
      id: r.id, alertKey: r.alert_key, ruleId: r.rule_id, severity: r.severity, count: r.count,
      isConditionActive: r.is_condition_active, lastTriggeredAt: new Date(r.last_triggered_at),
    })
  }
  for (const r of row?.g ?? []) {
    // a gateway that never said online or offline is judged by when it was last heard from
    push(gateways, r.patient_id, {
      gatewayId: r.id, state: r.state === 'offline' ? 'offline' : 'online', lastSeenAt: new Date(r.last_seen_at ?? r.created_at), battery: r.battery,
    })
  }
  for (const r of row?.d ?? []) push(devices, r.patient_id, { deviceId: r.device_id, battery: r.battery, reportedAt: new Date(r.last_seen_at) })

  return { patients, openAlerts, gateways, devices }
}

/** One patient's readings to judge: new since `pendingSince`, and how far back each vital's rules look. */
export interface ReadingsRequest {
  patientId: string
  pendingSince: Date
  /** Per vital, milliseconds of history before the earliest new reading (`historyNeeds` of the domain). */
  needs: Partial<Record<VitalType, number>>
  /** Load history back from this time instead of from the earliest new reading, even when there is none (to fill a cache). */
  historyFrom?: Date
}

/** How old a reading may be on arrival and still be judged as new; older ones are only history. */
export const NEW_READING_MAX_AGE_MS = (24 * 60 + 5) * 60_000

/** The newest readings kept per vital a rule looks back on: 1,000 for windows of days, 100 for NEWS2's minutes. */
export const historyLimit = (windowMs: number): number => (windowMs > 24 * 3600_000 ? 1000 : 100)

/** Readings in the order the rules take them: oldest first; a measurement's readings (same time) by type, then as stored. */
export function byMeasuredAt(a: StoredReading, b: StoredReading): number {
  return a.measuredAt.getTime() - b.measuredAt.getTime() || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0) || (a.storedId < b.storedId ? -1 : a.storedId > b.storedId ? 1 : 0)
}

export function toStoredReading(r: MeasurementRow): StoredReading {
  return {
    // readings of one measurement (systolic and diastolic) share this id, as the rules group them
    measurementId: `${r.gateway_id}/${r.batch_id}/${r.measurement_id}`,
    storedId: r.id, deviceId: r.device_id, type: r.type, value: r.value, unit: r.unit,
    originalValue: r.original_value, originalUnit: r.original_unit, measuredAt: r.measured_at, receivedAt: r.received_at,
    flags: r.flags as ReadingFlag[], battery: null, source: r.source,
  }
}

export type MeasurementRow = {
  id: string; patient_id: string; gateway_id: string; batch_id: string; measurement_id: string; device_id: string
  type: VitalType; value: number; unit: string; original_value: number | null; original_unit: string | null
  measured_at: Date; received_at: Date; flags: string[]; source: 'decoded' | 'gatt' | 'patient'
}
export const MEASUREMENT_COLUMNS = `id, patient_id, gateway_id, batch_id, measurement_id, device_id, type, value, unit, original_value,
  original_unit, measured_at, received_at, flags, source`

/**
 * The readings the rules need, per patient, oldest first, in two statements:
 * the new ones (received since the patient was queued; those over a day old
 * on arrival are only ever history and are left out), then, per vital a rule
 * looks back on, the history before the earliest new reading: the newest
 * `maxPerType` (1,000 for windows of days, 100 for NEWS2's minutes), by the
 * (patient_id, type, measured_at DESC) index. A continuous oximeter's 14-day
 * SpO2 median is thus the median of its newest 1,000 readings.
 */
export async function loadReadingsForRules(db: Queryable, requests: ReadingsRequest[]): Promise<Map<string, StoredReading[]>> {
  const out = new Map<string, StoredReading[]>()
  if (requests.length === 0) return out
  const fresh = await receivedSince(db, requests.map((r) => ({ patientId: r.patientId, since: r.pendingSince })), NEW_READING_MAX_AGE_MS)
  const earliest = new Map<string, number>()
  for (const r of fresh) {
    earliest.set(r.patient_id, Math.min(earliest.get(r.patient_id) ?? Infinity, r.measured_at.getTime()))
  }
  const q = { patient: [] as string[], type: [] as string[], since: [] as Date[], limit: [] as number[] }
  for (const request of requests) {
    const from = request.historyFrom?.getTime() ?? earliest.get(request.patientId)
    if (from === undefined) continue
    for (const [type, ms] of Object.entries(request.needs)) {
      q.patient.push(request.patientId)
      q.type.push(type)
      q.since.push(new Date(from - ms))
      q.limit.push(historyLimit(ms))
    }
  }
  const past = q.patient.length === 0 ? { rows: [] as MeasurementRow[] } : await db.query<MeasurementRow>(
    `SELECT m.* FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int[]) AS q(patient_id, type, since, lim)
       CROSS JOIN LATERAL (
         SELECT ${MEASUREMENT_COLUMNS} FROM measurements
          WHERE patient_id = q.patient_id AND type = q.type AND measured_at >= q.since
          ORDER BY measured_at DESC LIMIT q.lim) m`,
    [q.patient, q.type, q.since, q.limit],
  )
  const seen = new Set<string>()
  for (const r of [...past.rows, ...fresh]) {
    if (seen.has(r.id)) continue
    seen.add(r.id)
    push(out, r.patient_id, toStoredReading(r))
  }
  for (const list of out.values()) list.sort(byMeasuredAt)
  return out
}


/**
 * Per patient, the readings received since `since` and measured within
 * `lookbackMs` (late ones included), in one statement: what a cache of each
 * patient's history (ingest's ReadingHistory) lacks.
 */
export async function loadReadingsReceivedSince(
  db: Queryable, requests: { patientId: string; since: Date }[], lookbackMs: number,
): Promise<Map<string, StoredReading[]>> {
  const out = new Map<string, StoredReading[]>()
  if (requests.length === 0) return out
  for (const r of await receivedSince(db, requests, lookbackMs)) push(out, r.patient_id, toStoredReading(r))
  return out
}

/*
 * OFFSET 0 keeps the LATERAL subquery a subquery, run per patient on the
 * (patient_id, type, measured_at) index. Flattened, the planner joined by
 * hash and read every patient's readings of the window (a day, or 16) to
 * answer for a few: EXPLAIN ANALYZE on 100,000 readings of 14 patients read
 * all 100,000 for 10 of them, while the one embedded session waited.
 */
async function receivedSince(db: Queryable, requests: { patientId: string; since: Date }[], lookbackMs: number): Promise<MeasurementRow[]> {
  const { rows } = await db.query<MeasurementRow>(
    `SELECT m.* FROM unnest($1::uuid[], $2::timestamptz[]) AS q(patient_id, since)
       CROSS JOIN LATERAL (
         SELECT ${MEASUREMENT_COLUMNS} FROM measurements
          WHERE patient_id = q.patient_id AND measured_at >= varde_now() - make_interval(secs => $3) AND received_at >= q.since
         OFFSET 0) m`,
    [requests.map((r) => r.patientId), requests.map((r) => r.since), lookbackMs / 1000],
  )
  return rows
}

/**
 * The latest reading time per type and patient, within `days` (for
 * missed-measurement checks), of the vitals in `types` (default all: each is
 * an index probe per patient, so the rules ask only for the vitals their
 * schedules watch).
 */
export async function loadLastReadingTimes(
  db: Queryable, patientIds: string[], days = 8, types: readonly VitalType[] = VITAL_TYPE_NAMES,
): Promise<Map<string, Partial<Record<VitalType, Date>>>> {
  const out = new Map<string, Partial<Record<VitalType, Date>>>()
  if (patientIds.length === 0 || types.length === 0) return out
  const { rows } = await db.query<{ patient_id: string; type: VitalType; at: Date }>(
    `SELECT p.id AS patient_id, t.type, last.at FROM unnest($1::uuid[]) AS p(id)
       CROSS JOIN unnest($2::text[]) AS t(type)
       CROSS JOIN LATERAL (
         SELECT measured_at AS at FROM measurements
          WHERE patient_id = p.id AND type = t.type AND measured_at >= varde_now() - make_interval(days => $3)
          ORDER BY measured_at DESC LIMIT 1) last`,
    [patientIds, types, days],
  )
  for (const r of rows) {
    const byType = out.get(r.patient_id) ?? {}
    byType[r.type] = r.at
    out.set(r.patient_id, byType)
  }
  return out
}

/** Patients whose service is not ended, a page at a time (for the periodic checks). */
export async function listMonitoredPatientIds(db: Queryable, after: string | null, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM patients WHERE service_state <> 'ended' AND ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
    [after, limit],
  )
  return rows.map((r) => r.id)
}

/** One patient's actions from one evaluation, in the order the rules returned them. */
export interface PatientActions {
  tenantId: string
  patientId: string
  actions: AlertAction[]
}

/** An alert the statement opened or changed. */
export interface ChangedAlert {
  id: string
  tenantId: string
  patientId: string
  alertKey: string
  change: 'opened' | 'updated' | 'cleared'
  severity: Severity
  status: 'open' | 'acknowledged' | 'resolved'
  revision: number
  /** Its event in the outbox, written by the same statement; claimed for the caller when it asked to publish it itself. */
  event: OutboxEvent
}

interface AlertOp {
  id: string | null
  tenant_id: string
  patient_id: string
  alert_key: string
  is_new: boolean
  rule_id: string
  rule_version: string
  rule_kind: string
  severity: Severity
  count: number
  is_condition_active: boolean
  opened_at: string | null
  first_triggered_at: string | null
  last_triggered_at: string
  cleared_at: string | null
  summary_nb: string | null
  summary_en: string | null
  first_finding: AlertFinding | null
  last_finding: AlertFinding | null
  change: ChangedAlert['change']
}

interface AlertEventOp {
  patient_id: string
  alert_key: string
  kind: 'opened' | 'updated' | 'cleared'
  details: Record<string, unknown>
}

/**
 * Applies the rules' actions and takes the judged patients off the queue, in
 * ONE statement (so a crash leaves either both or neither). Several actions
 * on one alert in one evaluation (open, then clear) are folded into its final
 * state first: a statement may change a row only once. `done` lists the
 * claims judged; a claim whose queue row was bumped meanwhile (new readings)
 * stays queued, released for the next round.
 */
export async function applyRuleActions(
  db: Queryable, batches: PatientActions[], done: RuleWorkClaim[], newAlertId: () => string,
  options: { claimEvents?: boolean } = {},
): Promise<ChangedAlert[]> {
  const ops = new Map<string, AlertOp>()
  const events: AlertEventOp[] = []
  for (const { tenantId, patientId, actions } of batches) {
    for (const action of actions) {
      const key = `${patientId}/${action.kind === 'open' ? action.alert.alertKey : action.alertKey}`
      const prior = ops.get(key)
      if (action.kind === 'open') {
        const a = action.alert
        ops.set(key, {
          id: newAlertId(), tenant_id: tenantId, patient_id: patientId, alert_key: a.alertKey, is_new: true,
          rule_id: a.ruleId, rule_version: a.ruleVersion, rule_kind: a.ruleKind, severity: a.severity, count: a.count,
          is_condition_active: a.isConditionActive, opened_at: a.openedAt.toISOString(), first_triggered_at: a.triggeredAt.toISOString(),
          last_triggered_at: a.triggeredAt.toISOString(), cleared_at: null, summary_nb: a.summary.nb, summary_en: a.summary.en,
          first_finding: findingOf(a), last_finding: findingOf(a), change: 'opened',
        })
        events.push({ patient_id: patientId, alert_key: a.alertKey, kind: 'opened', details: { severity: a.severity, ruleId: a.ruleId, ruleVersion: a.ruleVersion, summary: a.summary } })
      } else if (action.kind === 'update') {
        const f = action.finding
        ops.set(key, {
          ...(prior ?? {
            id: null, tenant_id: tenantId, patient_id: patientId, alert_key: action.alertKey, is_new: false, opened_at: null,
            first_triggered_at: null, first_finding: null, change: 'updated' as const,
          }),
          rule_id: f.ruleId, rule_version: f.ruleVersion, rule_kind: f.ruleKind, severity: action.severity, count: action.count,
          is_condition_active: true, last_triggered_at: action.lastTriggeredAt.toISOString(), cleared_at: null,
          summary_nb: f.summary.nb, summary_en: f.summary.en, last_finding: f,
        })
        events.push({
          patient_id: patientId, alert_key: action.alertKey, kind: 'updated',
          details: { severity: action.severity, findingSeverity: f.severity, isEscalated: action.isEscalated, count: action.count, summary: f.summary },
        })
      } else {
        const base: AlertOp = prior ?? {
          id: null, tenant_id: tenantId, patient_id: patientId, alert_key: action.alertKey, is_new: false, rule_id: action.ruleId,
          rule_version: '', rule_kind: '', severity: 'yellow', count: 0, opened_at: null, first_triggered_at: null,
          last_triggered_at: '', summary_nb: null, summary_en: null, first_finding: null, last_finding: null, change: 'cleared',
          is_condition_active: false, cleared_at: null,
        }
        ops.set(key, { ...base, is_condition_active: false, cleared_at: action.clearedAt.toISOString(), change: prior?.change ?? 'cleared' })
        events.push({
          patient_id: patientId, alert_key: action.alertKey, kind: 'cleared',
          details: { clearedAt: action.clearedAt.toISOString(), readings: action.readings.map((r) => ({ type: r.type, value: r.value, unit: r.unit, measuredAt: r.measuredAt })) },
        })
      }
    }
  }
  const all = [...ops.values()]
  const inserts = all.filter((o) => o.is_new)
  const updates = all.filter((o) => !o.is_new && o.change === 'updated')
  const clears = all.filter((o) => !o.is_new && o.change === 'cleared')
  const { rows } = await db.query<{
    id: string; tenant_id: string; patient_id: string; alert_key: string; severity: Severity
    status: ChangedAlert['status']; revision: number; change: ChangedAlert['change']
    outbox_id: string; outbox_topic: string; outbox_payload: unknown
  }>(
    `WITH ins AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS o(
         id uuid, tenant_id text, patient_id uuid, alert_key text, rule_id text, rule_version text, rule_kind text,
         severity text, count int, is_condition_active boolean, opened_at timestamptz, first_triggered_at timestamptz,
         last_triggered_at timestamptz, cleared_at timestamptz, summary_nb text, summary_en text,
         first_finding jsonb, last_finding jsonb)
     ),
     upd AS (
       SELECT * FROM jsonb_to_recordset($2::jsonb) AS o(
         patient_id uuid, alert_key text, rule_id text, rule_version text, rule_kind text, severity text, count int,
         last_triggered_at timestamptz, summary_nb text, summary_en text, last_finding jsonb,
         is_condition_active boolean, cleared_at timestamptz)
     ),
     clr AS (
       SELECT * FROM jsonb_to_recordset($3::jsonb) AS o(patient_id uuid, alert_key text, cleared_at timestamptz)
     ),
     inserted AS (
       INSERT INTO alerts AS a (id, tenant_id, patient_id, alert_key, rule_id, rule_version, rule_kind, severity, count,
                           is_condition_active, opened_at, first_triggered_at, last_triggered_at, cleared_at,
                           summary_nb, summary_en, first_finding, last_finding, red_since)
       SELECT id, tenant_id, patient_id, alert_key, rule_id, rule_version, rule_kind, severity, count,
              is_condition_active, opened_at, first_triggered_at, last_triggered_at, cleared_at,
              summary_nb, summary_en, first_finding, last_finding, CASE WHEN severity = 'red' THEN varde_now() END
         FROM ins
       -- another worker opened it meanwhile: count this finding on that alert instead
       ON CONFLICT (patient_id, alert_key) WHERE status <> 'resolved' DO UPDATE
         SET severity = CASE WHEN a.severity = 'red' THEN 'red' ELSE EXCLUDED.severity END,
             red_since = coalesce(a.red_since, EXCLUDED.red_since),
             count = a.count + EXCLUDED.count,
             last_triggered_at = greatest(a.last_triggered_at, EXCLUDED.last_triggered_at),
             last_finding = EXCLUDED.last_finding, summary_nb = EXCLUDED.summary_nb, summary_en = EXCLUDED.summary_en,
             is_condition_active = EXCLUDED.is_condition_active, cleared_at = EXCLUDED.cleared_at,
             revision = a.revision + 1, updated_at = now()
       RETURNING a.id, a.tenant_id, a.patient_id, a.alert_key, a.severity, a.status, a.revision,
                 CASE WHEN a.revision = 1 THEN 'opened' ELSE 'updated' END AS change
     ),
     updated AS (
       UPDATE alerts a
          SET rule_version = u.rule_version, severity = u.severity, count = u.count,
              red_since = CASE WHEN u.severity = 'red' THEN coalesce(a.red_since, varde_now()) END,
              last_triggered_at = u.last_triggered_at, last_finding = u.last_finding,
              summary_nb = u.summary_nb, summary_en = u.summary_en,
              is_condition_active = u.is_condition_active, cleared_at = u.cleared_at,
              revision = a.revision + 1, updated_at = now()
         FROM upd u
        WHERE a.patient_id = u.patient_id AND a.alert_key = u.alert_key AND a.status <> 'resolved'
       RETURNING a.id, a.tenant_id, a.patient_id, a.alert_key, a.severity, a.status, a.revision, 'updated' AS change
     ),
     cleared AS (
       UPDATE alerts a SET is_condition_active = false, cleared_at = c.cleared_at, revision = a.revision + 1, updated_at = now()
         FROM clr c
        WHERE a.patient_id = c.patient_id AND a.alert_key = c.alert_key AND a.status <> 'resolved'
       RETURNING a.id, a.tenant_id, a.patient_id, a.alert_key, a.severity, a.status, a.revision, 'cleared' AS change
     ),
     changed AS (SELECT * FROM inserted UNION ALL SELECT * FROM updated UNION ALL SELECT * FROM cleared),
     logged AS (
       INSERT INTO alert_events (tenant_id, alert_id, kind, actor, details)
       SELECT c.tenant_id, c.id, e.kind, 'rules', e.details
         FROM jsonb_to_recordset($4::jsonb) AS e(patient_id uuid, alert_key text, kind text, details jsonb, n int)
         JOIN changed c ON c.patient_id = e.patient_id AND c.alert_key = e.alert_key
        ORDER BY e.n
       RETURNING 1
     ),
     -- the announcement, in the statement that makes the change (migration 0011): a crash cannot part them
     announced AS (
       ${announceAlertChanges('changed', { change: 'c.change', at: 'now()', topicParam: '$6', claimedByWriter: options.claimEvents === true })}
     ),
     judged AS (
       SELECT * FROM jsonb_to_recordset($5::jsonb) AS d(patient_id uuid, seq bigint)
     ),
     dequeued AS (
       DELETE FROM rule_work w USING judged d WHERE w.patient_id = d.patient_id AND w.seq = d.seq RETURNING w.patient_id
     ),
     released AS (
       -- readings came meanwhile: judged again, after everyone already waiting (migration 0006). Every judged row
       -- the DELETE did not take, not those whose seq differs in this statement's snapshot: a store that commits
       -- while the DELETE waits for the row's lock changes seq after the snapshot (the DELETE, re-checking the
       -- row, skips it), and a test on seq here would skip it too, leaving it claimed for the lease (issue 15)
       UPDATE rule_work w SET claimed_until = NULL, queued_at = now(),
              urgent_seq = CASE WHEN w.urgent_seq > d.seq THEN w.urgent_seq END
         FROM judged d WHERE w.patient_id = d.patient_id AND w.patient_id NOT IN (SELECT patient_id FROM dequeued) RETURNING 1
     )
     SELECT c.*, a.outbox_id, a.outbox_topic, a.outbox_payload FROM changed c JOIN announced a ON a.alert_id = c.id`,
    [
      JSON.stringify(inserts),
      JSON.stringify(updates.map((u) => ({
        patient_id: u.patient_id, alert_key: u.alert_key, rule_id: u.rule_id, rule_version: u.rule_version, rule_kind: u.rule_kind,
        severity: u.severity, count: u.count, last_triggered_at: u.last_triggered_at, summary_nb: u.summary_nb,
        summary_en: u.summary_en, last_finding: u.last_finding, is_condition_active: u.is_condition_active, cleared_at: u.cleared_at,
      }))),
      JSON.stringify(clears.map((c) => ({ patient_id: c.patient_id, alert_key: c.alert_key, cleared_at: c.cleared_at }))),
      JSON.stringify(events.map((e, n) => ({ ...e, n }))),
      JSON.stringify(done.map((d) => ({ patient_id: d.patientId, seq: d.seq }))),
      INTERNAL_TOPICS.alertsChanged,
    ],
  )
  return rows.map((r) => ({
    id: r.id, tenantId: r.tenant_id, patientId: r.patient_id, alertKey: r.alert_key, change: r.change,
    severity: r.severity, status: r.status, revision: r.revision,
    event: { id: r.outbox_id, topic: r.outbox_topic, payload: r.outbox_payload },
  }))
}

/** The finding part of a draft (without the ledger's fields). */
function findingOf(a: AlertFinding): AlertFinding {
  return {
    ruleId: a.ruleId, ruleVersion: a.ruleVersion, ruleKind: a.ruleKind, severity: a.severity, thresholds: a.thresholds,
    measures: a.measures, readings: a.readings, summary: a.summary, news2Score: a.news2Score, source: a.source, triggeredAt: a.triggeredAt,
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
