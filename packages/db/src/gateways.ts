import type { ConditionId } from '@varde/domain'
import type { Queryable } from './pool.js'

export interface GatewayCredentials {
  id: string
  secretHash: string
  isRevoked: boolean
  isDemo: boolean
}

export async function findGatewayCredentials(db: Queryable, gatewayId: string): Promise<GatewayCredentials | null> {
  const { rows } = await db.query<{ id: string; secret_hash: string; revoked_at: Date | null; is_demo: boolean }>(
    'SELECT id, secret_hash, revoked_at, is_demo FROM gateways WHERE id = $1',
    [gatewayId],
  )
  const r = rows[0]
  return r ? { id: r.id, secretHash: r.secret_hash, isRevoked: r.revoked_at !== null, isDemo: r.is_demo } : null
}

/** What ingest needs to know about a gateway to store its readings. */
export interface GatewayContext {
  gatewayId: string
  tenantId: string
  patientId: string | null
  isRevoked: boolean
  requiresDevicePairing: boolean
  pairedDeviceIds: Set<string>
  /** The patient's condition profiles (empty: general only, or no patient). */
  conditions: ConditionId[]
}

export async function findGatewayContext(db: Queryable, gatewayId: string): Promise<GatewayContext | null> {
  const { rows } = await db.query<{
    tenant_id: string
    patient_id: string | null
    revoked_at: Date | null
    requires_device_pairing: boolean
    paired: string[]
    conditions: string[] | null
  }>(
    `SELECT g.tenant_id, g.patient_id, g.revoked_at, t.requires_device_pairing,
            coalesce(array_agg(d.device_id) FILTER (WHERE d.paired_at IS NOT NULL), '{}') AS paired,
            (SELECT p.conditions FROM patients p WHERE p.id = g.patient_id AND p.tenant_id = g.tenant_id) AS conditions
       FROM gateways g
       JOIN tenants t ON t.id = g.tenant_id
       LEFT JOIN devices d ON d.gateway_id = g.id
      WHERE g.id = $1
      GROUP BY g.tenant_id, g.patient_id, g.revoked_at, t.requires_device_pairing`,
    [gatewayId],
  )
  const r = rows[0]
  if (!r) return null
  return {
    gatewayId,
    tenantId: r.tenant_id,
    patientId: r.patient_id,
    isRevoked: r.revoked_at !== null,
    requiresDevicePairing: r.requires_device_pairing,
    pairedDeviceIds: new Set(r.paired),
    conditions: (r.conditions ?? []) as ConditionId[],
  }
}

export interface GatewayStatusUpdate {
  state: 'online' | 'offline'
  firmware?: string | undefined
  battery?: number | undefined
  at: Date
}

export async function updateGatewayStatus(db: Queryable, gatewayId: string, s: GatewayStatusUpdate): Promise<void> {
  await db.query(
    `UPDATE gateways
        SET state = $2,
            firmware = coalesce($3, firmware),
            battery = coalesce($4, battery),
            last_seen_at = greatest(last_seen_at, $5)
      WHERE id = $1`,
    [gatewayId, s.state, s.firmware ?? null, s.battery ?? null, s.at],
  )
}

export interface NewGateway {
  id: string
  tenantId: string
  patientId: string | null
  secretHash: string
  isDemo?: boolean
}

/** Creates a gateway; an existing one with the same id is left as it is. Returns whether it was created. */
export async function insertGateway(db: Queryable, g: NewGateway): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO gateways (id, tenant_id, patient_id, secret_hash, is_demo)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
    [g.id, g.tenantId, g.patientId, g.secretHash, g.isDemo ?? false],
  )
  return rowCount === 1
}

export async function revokeGateway(db: Queryable, gatewayId: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE gateways SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [gatewayId])
  return rowCount === 1
}
