import { CARE_RELATIONSHIP } from './care-relationship.js'
import type { Queryable } from './pool.js'

export type Condition = 'copd' | 'heart-failure' | 'diabetes' | 'hypertension'

export interface PatientSummary {
  id: string
  displayName: string
  nationalId: string | null
  birthDate: string | null
  conditions: Condition[]
  serviceState: 'referred' | 'active' | 'paused' | 'ended'
  gateway: { id: string; state: 'online' | 'offline' | 'unknown'; battery: number | null; firmware: string | null; lastSeenAt: Date | null } | null
  lastMeasurementAt: Date | null
  latest: Record<string, { value: number; unit: string; measuredAt: string }>
  /** Unresolved (open or acknowledged) alerts by severity: the list's traffic light; unacknowledged: those no one
   *  has taken yet (status open), the list's "needs attention" (issue 20). */
  openAlerts: { red: number; yellow: number; unacknowledged: number }
  /** Until when the user reads this patient by emergency access (migration 0020), null under a care relationship. */
  emergencyAccessUntil: Date | null
  /** The worst unresolved alert (red, then unacknowledged, then oldest): the list's "worst open episode" (issue 20). */
  worstOpen: { severity: 'red' | 'yellow'; status: 'open' | 'acknowledged'; rule: string; summaries: { nb: string; en: string }; since: Date } | null
  /** The latest action of a person on the patient's alerts (alert_events with a user): the list's "last contact". */
  lastContactAt: Date | null
}

/** The service state as users see it (issue 17): a pause in force now (platform clock) makes an active service paused. */
export const EFFECTIVE_STATE = `CASE WHEN p.service_state = 'active' AND EXISTS (
    SELECT 1 FROM service_pauses sp WHERE sp.patient_id = p.id AND sp.starts_at <= varde_now()
       AND (sp.ends_at IS NULL OR sp.ends_at > varde_now())) THEN 'paused' ELSE p.service_state END`

const SUMMARY_COLUMNS = `
  p.id, p.display_name, p.national_id, p.birth_date::text AS birth_date, p.conditions, ${EFFECTIVE_STATE} AS service_state,
  g.id AS gateway_id, g.state AS gateway_state, g.battery AS gateway_battery, g.firmware AS gateway_firmware,
  g.last_seen_at AS gateway_last_seen_at,
  (SELECT max(m.measured_at) FROM measurements m WHERE m.patient_id = p.id) AS last_measurement_at,
  (SELECT coalesce(jsonb_object_agg(l.type, jsonb_build_object('value', l.value, 'unit', l.unit, 'measuredAt', l.measured_at)), '{}')
     FROM (SELECT DISTINCT ON (m.type) m.type, m.value, m.unit, m.measured_at FROM measurements m
            WHERE m.patient_id = p.id AND m.measured_at > varde_now() - interval '90 days'
            ORDER BY m.type, m.measured_at DESC) l) AS latest,
  (SELECT jsonb_build_object('red', count(*) FILTER (WHERE a.severity = 'red'), 'yellow', count(*) FILTER (WHERE a.severity = 'yellow'),
                             'unacknowledged', count(*) FILTER (WHERE a.status = 'open' AND a.severity IN ('red', 'yellow')))
     FROM alerts a WHERE a.patient_id = p.id AND a.tenant_id = p.tenant_id AND a.status <> 'resolved') AS open_alerts,
  (SELECT jsonb_build_object('severity', a.severity, 'status', a.status, 'rule', a.rule_id,
                             'summaries', jsonb_build_object('nb', a.summary_nb, 'en', a.summary_en), 'since', a.first_triggered_at)
     FROM alerts a WHERE a.patient_id = p.id AND a.tenant_id = p.tenant_id AND a.status <> 'resolved'
     ORDER BY a.severity = 'red' DESC, a.status = 'open' DESC, a.first_triggered_at, a.id LIMIT 1) AS worst_open,
  (SELECT max(e.at) FROM alerts a JOIN alert_events e ON e.alert_id = a.id AND e.tenant_id = a.tenant_id
     WHERE a.patient_id = p.id AND a.tenant_id = p.tenant_id AND e.actor_user_id IS NOT NULL
       AND e.kind IN ('acknowledged', 'assigned', 'noted', 'resolved')) AS last_contact_at,
  -- the care-team check hangs on the emergency access row (e.patient_id), so it runs only for a patient who has one:
  -- on p.id the planner ran it for every patient of the list first (~0.2 ms each, 100 ms for 500)
  (SELECT max(e.expires_at) FROM emergency_access e WHERE e.patient_id = p.id AND e.user_id = $2 AND e.expires_at > varde_now()
      AND NOT EXISTS (SELECT 1 FROM care_team_members c WHERE c.patient_id = e.patient_id AND c.user_id = $2
                         AND c.starts_at <= now() AND (c.ends_at IS NULL OR c.ends_at > now()))) AS emergency_until`

interface SummaryRow {
  id: string; display_name: string; national_id: string | null; birth_date: string | null; conditions: Condition[]
  service_state: PatientSummary['serviceState']; gateway_id: string | null; gateway_state: 'online' | 'offline' | 'unknown' | null
  gateway_battery: number | null; gateway_firmware: string | null; gateway_last_seen_at: Date | null
  last_measurement_at: Date | null; latest: PatientSummary['latest']; open_alerts: PatientSummary['openAlerts']; emergency_until: Date | null
  worst_open: (Omit<NonNullable<PatientSummary['worstOpen']>, 'since'> & { since: string }) | null; last_contact_at: Date | null
}

function toSummary(r: SummaryRow): PatientSummary {
  return {
    id: r.id, displayName: r.display_name, nationalId: r.national_id, birthDate: r.birth_date, conditions: r.conditions,
    serviceState: r.service_state,
    gateway: r.gateway_id
      ? { id: r.gateway_id, state: r.gateway_state ?? 'unknown', battery: r.gateway_battery, firmware: r.gateway_firmware,
          lastSeenAt: r.gateway_last_seen_at }
      : null,
    lastMeasurementAt: r.last_measurement_at,
    latest: r.latest,
    openAlerts: r.open_alerts,
    emergencyAccessUntil: r.emergency_until,
    worstOpen: r.worst_open ? { ...r.worst_open, since: new Date(r.worst_open.since) } : null,
    lastContactAt: r.last_contact_at,
  }
}

/** The patients a user gives care to, with their latest values. */
export async function listPatientsForUser(db: Queryable, tenantId: string, userId: string): Promise<PatientSummary[]> {
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS}
       FROM patients p LEFT JOIN gateways g ON g.patient_id = p.id AND g.tenant_id = p.tenant_id AND g.revoked_at IS NULL
      WHERE p.tenant_id = $1 AND p.service_state <> 'ended' AND ${CARE_RELATIONSHIP}
      ORDER BY p.display_name`,
    [tenantId, userId],
  )
  return rows.map(toSummary)
}

/** One patient, or null when absent or not visible to the user (the caller cannot tell which). */
export async function findPatientForUser(db: Queryable, tenantId: string, userId: string, patientId: string): Promise<PatientSummary | null> {
  if (!isUuid(patientId)) return null
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS}
       FROM patients p LEFT JOIN gateways g ON g.patient_id = p.id AND g.tenant_id = p.tenant_id AND g.revoked_at IS NULL
      WHERE p.tenant_id = $1 AND p.id = $3 AND ${CARE_RELATIONSHIP}`,
    [tenantId, userId, patientId],
  )
  return rows[0] ? toSummary(rows[0]) : null
}

export async function canAccessPatient(db: Queryable, tenantId: string, userId: string, patientId: string): Promise<boolean> {
  if (!isUuid(patientId)) return false
  const { rows } = await db.query(
    `SELECT 1 FROM patients p WHERE p.tenant_id = $1 AND p.id = $3 AND ${CARE_RELATIONSHIP}`,
    [tenantId, userId, patientId],
  )
  return rows.length > 0
}

/** Ids of every patient the user may see (for filtering live events). */
export async function accessiblePatientIds(db: Queryable, tenantId: string, userId: string): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT p.id FROM patients p WHERE p.tenant_id = $1 AND ${CARE_RELATIONSHIP}`,
    [tenantId, userId],
  )
  return new Set(rows.map((r) => r.id))
}

export async function findPatientIdsByNationalId(db: Queryable, tenantId: string, nationalId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM patients WHERE tenant_id = $1 AND national_id = $2', [tenantId, nationalId])
  return rows.map((r) => r.id)
}

export interface DeviceRecord {
  kind: 'gateway' | 'device'
  identifier: string
  gatewayId: string
  patientId: string | null
  firmware: string | null
  battery: number | null
  lastSeenAt: Date | null
}

/** Gateways and BLE devices with this identifier (gateway id or device id) in the tenant. */
export async function findDevicesByIdentifier(db: Queryable, tenantId: string, identifier: string): Promise<DeviceRecord[]> {
  const { rows } = await db.query<{
    kind: 'gateway' | 'device'; identifier: string; gateway_id: string; patient_id: string | null; firmware: string | null
    battery: number | null; last_seen_at: Date | null
  }>(
    `SELECT 'gateway' AS kind, g.id AS identifier, g.id AS gateway_id, g.patient_id, g.firmware, g.battery, g.last_seen_at
       FROM gateways g WHERE g.tenant_id = $1 AND g.id = $2
     UNION ALL
     SELECT 'device', d.device_id, d.gateway_id, g.patient_id, NULL, d.battery, d.last_seen_at
       FROM devices d JOIN gateways g ON g.id = d.gateway_id WHERE d.tenant_id = $1 AND d.device_id = $2`,
    [tenantId, identifier],
  )
  return rows.map((r) => ({ kind: r.kind, identifier: r.identifier, gatewayId: r.gateway_id, patientId: r.patient_id,
    firmware: r.firmware, battery: r.battery, lastSeenAt: r.last_seen_at }))
}

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)
}
