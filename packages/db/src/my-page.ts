import { EFFECTIVE_STATE, type Condition } from './patients.js'
import type { Queryable } from './pool.js'

/**
 * The patient's own page (issue 25): what a patient user reads about
 * themself. Every query is keyed by the patient user's own link
 * (users.patient_id, migration 0010), never by an id the caller sends, so a
 * patient cannot name another's data at all.
 */
export interface OwnPatient {
  id: string
  displayName: string
  conditions: Condition[]
  serviceState: 'referred' | 'active' | 'paused' | 'ended'
  selfCarePlan: string
  selfCarePlanUpdatedAt: Date | null
  gateway: { state: 'online' | 'offline' | 'unknown'; battery: number | null; lastSeenAt: Date | null } | null
  devices: { deviceId: string; battery: number | null; lastSeenAt: Date | null }[]
}

export interface OwnReading {
  id: string
  type: string
  value: number
  unit: string
  measuredAt: Date
  receivedAt: Date
  deviceId: string | null
}

export async function readOwnPatient(db: Queryable, tenantId: string, userId: string): Promise<OwnPatient | null> {
  const { rows } = await db.query<{
    id: string; display_name: string; conditions: Condition[]; service_state: OwnPatient['serviceState']; self_care_plan: string
    self_care_plan_updated_at: Date | null; gateway_id: string | null; gateway_state: 'online' | 'offline' | 'unknown' | null
    gateway_battery: number | null; gateway_last_seen_at: Date | null; devices: { deviceId: string; battery: number | null; lastSeenAt: string | null }[]
  }>(
    `SELECT p.id, p.display_name, p.conditions, ${EFFECTIVE_STATE} AS service_state, p.self_care_plan, p.self_care_plan_updated_at,
            g.id AS gateway_id, g.state AS gateway_state, g.battery AS gateway_battery, g.last_seen_at AS gateway_last_seen_at,
            (SELECT coalesce(jsonb_agg(jsonb_build_object('deviceId', d.device_id, 'battery', d.battery, 'lastSeenAt', d.last_seen_at) ORDER BY d.device_id), '[]')
               FROM devices d WHERE d.gateway_id = g.id AND d.tenant_id = g.tenant_id) AS devices
       FROM users u JOIN patients p ON p.tenant_id = u.tenant_id AND p.id = u.patient_id
       LEFT JOIN gateways g ON g.patient_id = p.id AND g.tenant_id = p.tenant_id AND g.revoked_at IS NULL
      WHERE u.tenant_id = $1 AND u.id = $2 AND u.role = 'patient'
      LIMIT 1`, [tenantId, userId])
  const r = rows[0]
  if (!r) return null
  return {
    id: r.id, displayName: r.display_name, conditions: r.conditions, serviceState: r.service_state,
    selfCarePlan: r.self_care_plan, selfCarePlanUpdatedAt: r.self_care_plan_updated_at,
    gateway: r.gateway_id ? { state: r.gateway_state ?? 'unknown', battery: r.gateway_battery, lastSeenAt: r.gateway_last_seen_at } : null,
    devices: r.devices.map((d) => ({ deviceId: d.deviceId, battery: d.battery, lastSeenAt: d.lastSeenAt ? new Date(d.lastSeenAt) : null })),
  }
}

/** The patient's own readings since `from` (newest first, at most `limit`), with when each arrived. */
export async function listOwnReadings(db: Queryable, q: { tenantId: string; patientId: string; from: Date; limit: number }): Promise<OwnReading[]> {
  const { rows } = await db.query<{ id: string; type: string; value: number; unit: string; measured_at: Date; received_at: Date; device_id: string | null }>(
    `SELECT id, type, value, unit, measured_at, received_at, device_id FROM measurements
      WHERE tenant_id = $1 AND patient_id = $2 AND measured_at >= $3 ORDER BY measured_at DESC LIMIT $4`,
    [q.tenantId, q.patientId, q.from, q.limit])
  return rows.map((r) => ({ id: r.id, type: r.type, value: Number(r.value), unit: r.unit, measuredAt: r.measured_at, receivedAt: r.received_at, deviceId: r.device_id }))
}
