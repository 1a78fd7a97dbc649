import { CARE_RELATIONSHIP } from './care-relationship.js'
import type { DeviceRecord } from './patients.js'
import type { Queryable } from './pool.js'

/**
 * The gateways and BLE devices of the patients a user gives care to (a FHIR
 * `Device` read: the caller names a device by the resource id FHIR made of
 * it, which the server matches among these). A device of a patient the user
 * does not care for is not among them, as one that does not exist.
 */
export async function listDevicesForUser(db: Queryable, tenantId: string, userId: string): Promise<DeviceRecord[]> {
  const { rows } = await db.query<{
    kind: 'gateway' | 'device'; identifier: string; gateway_id: string; patient_id: string | null; firmware: string | null
    battery: number | null; last_seen_at: Date | null
  }>(
    `WITH mine AS (
       SELECT g.id, g.patient_id, g.firmware, g.battery, g.last_seen_at
         FROM gateways g JOIN patients p ON p.id = g.patient_id AND p.tenant_id = g.tenant_id
        WHERE g.tenant_id = $1 AND ${CARE_RELATIONSHIP})
     SELECT 'gateway' AS kind, m.id AS identifier, m.id AS gateway_id, m.patient_id, m.firmware, m.battery, m.last_seen_at FROM mine m
     UNION ALL
     SELECT 'device', d.device_id, d.gateway_id, m.patient_id, NULL, d.battery, d.last_seen_at
       FROM devices d JOIN mine m ON m.id = d.gateway_id WHERE d.tenant_id = $1`,
    [tenantId, userId],
  )
  return rows.map((r) => ({ kind: r.kind, identifier: r.identifier, gatewayId: r.gateway_id, patientId: r.patient_id,
    firmware: r.firmware, battery: r.battery, lastSeenAt: r.last_seen_at }))
}
