import { VITAL_TYPE_NAMES } from '@varde/domain'
import type { Queryable } from './pool.js'

/**
 * What a tenant's administrator sees of each gateway (issue 17, "Devices and
 * gateways in the portal"): its patient, state, battery, firmware and last
 * reading, each device it reported or had paired with its own battery and
 * last reading, and how many rejections it sent lately. A reading is shown
 * as its time and type, never its value: the administrator looks after the
 * equipment, not the patient's health.
 */
export interface GatewayDevice {
  deviceId: string
  /** Null for a device the gateway reported that nobody paired (refused as `unknown-device` where pairing is required). */
  pairedAt: Date | null
  battery: number | null
  /** When its last reading arrived (ingest keeps it per device, to 5 s); null when none has since it was paired. */
  lastReadingAt: Date | null
  /** The type of that reading, when it is the newest of its type on the gateway; else null. */
  lastReadingType: string | null
}

export interface GatewayOverview {
  id: string
  patientId: string | null
  patientName: string | null
  state: 'online' | 'offline' | 'unknown'
  firmware: string | null
  battery: number | null
  lastSeenAt: Date | null
  createdAt: Date
  revokedAt: Date | null
  lastReading: { type: string; measuredAt: Date; receivedAt: Date } | null
  devices: GatewayDevice[]
  /** Rejections received in the last 7 days (the review lists them, gateway by gateway). */
  recentRejections: number
}

type Latest = { gateway_id: string; device_id: string; type: string; measured_at: Date; received_at: Date }

/**
 * A tenant's gateways, newest first. The last reading of each gateway and
 * device is found per vital type through the patient's reading index
 * (patient, type, time), so the list costs a few index probes per gateway
 * however many readings there are.
 */
export async function listGatewayOverview(db: Queryable, tenantId: string): Promise<GatewayOverview[]> {
  const [gateways, devices, latest] = await Promise.all([
    db.query<{
      id: string; patient_id: string | null; patient_name: string | null; state: GatewayOverview['state']; firmware: string | null
      battery: number | null; last_seen_at: Date | null; created_at: Date; revoked_at: Date | null; recent_rejections: number
    }>(
      `SELECT g.id, g.patient_id, p.display_name AS patient_name, g.state, g.firmware, g.battery, g.last_seen_at, g.created_at, g.revoked_at,
              (SELECT count(*) FROM rejections r WHERE r.gateway_id = g.id AND r.tenant_id = g.tenant_id
                  AND r.received_at > now() - interval '7 days')::int AS recent_rejections
         FROM gateways g LEFT JOIN patients p ON p.tenant_id = g.tenant_id AND p.id = g.patient_id
        WHERE g.tenant_id = $1
        ORDER BY g.created_at DESC, g.id`,
      [tenantId],
    ),
    // pairing writes a device's row with first and last seen at the pairing's time: a row still so has sent nothing since
    db.query<{ gateway_id: string; device_id: string; paired_at: Date | null; battery: number | null; last_reading_at: Date | null }>(
      `SELECT gateway_id, device_id, paired_at, battery,
              CASE WHEN paired_at IS NOT NULL AND first_seen_at = paired_at AND last_seen_at = paired_at THEN NULL ELSE last_seen_at END AS last_reading_at
         FROM devices WHERE tenant_id = $1 ORDER BY gateway_id, device_id`,
      [tenantId],
    ),
    db.query<Latest>(
      `SELECT g.id AS gateway_id, l.device_id, l.type, l.measured_at, l.received_at
         FROM gateways g CROSS JOIN unnest($2::text[]) AS t(type)
         CROSS JOIN LATERAL (SELECT m.device_id, m.type, m.measured_at, m.received_at FROM measurements m
                              WHERE m.tenant_id = g.tenant_id AND m.patient_id = g.patient_id AND m.type = t.type AND m.gateway_id = g.id
                              ORDER BY m.measured_at DESC LIMIT 1) l
        WHERE g.tenant_id = $1 AND g.patient_id IS NOT NULL`,
      [tenantId, [...VITAL_TYPE_NAMES]],
    ),
  ])
  const newest = (rows: Latest[]) => rows.reduce<Latest | undefined>((a, b) => (!a || b.measured_at > a.measured_at ? b : a), undefined)
  const reading = (r: Latest | undefined) => (r ? { type: r.type, measuredAt: r.measured_at, receivedAt: r.received_at } : null)
  return gateways.rows.map((g) => {
    const mine = latest.rows.filter((l) => l.gateway_id === g.id)
    return {
      id: g.id, patientId: g.patient_id, patientName: g.patient_name, state: g.state, firmware: g.firmware, battery: g.battery,
      lastSeenAt: g.last_seen_at, createdAt: g.created_at, revokedAt: g.revoked_at, lastReading: reading(newest(mine)),
      devices: devices.rows.filter((d) => d.gateway_id === g.id).map((d) => ({
        deviceId: d.device_id, pairedAt: d.paired_at, battery: d.battery, lastReadingAt: d.last_reading_at,
        lastReadingType: newest(mine.filter((l) => l.device_id === d.device_id))?.type ?? null,
      })),
      recentRejections: g.recent_rejections,
    }
  })
}

/** The gateway's tenant and patient, or null when the tenant has no gateway of that id. */
export async function findTenantGateway(db: Queryable, tenantId: string, gatewayId: string): Promise<{ patientId: string | null } | null> {
  const { rows } = await db.query<{ patient_id: string | null }>('SELECT patient_id FROM gateways WHERE tenant_id = $1 AND id = $2', [tenantId, gatewayId])
  return rows[0] ? { patientId: rows[0].patient_id } : null
}

export interface RejectionForReview {
  id: number
  batchId: string | null
  measurementId: string | null
  code: string
  detail: string
  /** The raw input as kept (text, or base64 of its bytes), cut at `RAW_SHOWN` characters. */
  raw: string
  rawEncoding: 'text' | 'base64'
  rawLength: number
  receivedAt: Date
}

/** How much of a rejection's raw input the review shows (a batch may be 256 KiB). */
export const RAW_SHOWN = 4000

/** A gateway's rejections, newest first, `limit` at a time from before the id `before` (keyset). */
export async function listGatewayRejections(
  db: Queryable, q: { tenantId: string; gatewayId: string; before?: number | undefined; limit: number },
): Promise<RejectionForReview[]> {
  const { rows } = await db.query<{
    id: string; batch_id: string | null; measurement_id: string | null; code: string; detail: string; raw: string
    raw_encoding: 'text' | 'base64'; raw_length: number; received_at: Date
  }>(
    `SELECT id, batch_id, measurement_id, code, detail, left(raw, $5) AS raw, raw_encoding, length(raw) AS raw_length, received_at
       FROM rejections
      WHERE tenant_id = $1 AND gateway_id = $2 AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [q.tenantId, q.gatewayId, q.before ?? null, q.limit, RAW_SHOWN],
  )
  return rows.map((r) => ({
    id: Number(r.id), batchId: r.batch_id, measurementId: r.measurement_id, code: r.code, detail: r.detail, raw: r.raw,
    rawEncoding: r.raw_encoding, rawLength: r.raw_length, receivedAt: r.received_at,
  }))
}
