import { randomBytes } from 'node:crypto'
import { GATEWAY_ID_PATTERN } from '@varde/domain'
import type { DbActor } from './actor.js'
import { hashSecret, newToken } from './credentials.js'
import type { Queryable } from './pool.js'

/**
 * Provisioning of gateways by a tenant's administrator (admin API or CLI):
 * create one for a patient, rotate its secret, revoke it, pair its devices.
 * Each action and its access-log entry are ONE statement (decision 0001), so
 * an action is never done without its audit entry, nor the other way round.
 * A secret is returned once, to be shown once; only its argon2id hash is kept.
 */


export type ProvisioningFailure = 'not-found' | 'patient-not-found' | 'patient-has-gateway' | 'invalid-id' | 'id-taken' | 'revoked' | 'device-paired-elsewhere'
export type ProvisioningResult<T> = ({ ok: true } & T) | { ok: false; code: ProvisioningFailure }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A fresh gateway id, `gw-` and 12 hex digits (fits device-protocol.md's `[A-Za-z0-9._-]{3,64}`). */
export function newGatewayId(): string {
  return `gw-${randomBytes(6).toString('hex')}`
}

/** A gateway secret: 256 random bits, base64url (43 characters). */
export function newGatewaySecret(): string {
  return newToken()
}

/**
 * Parameters $1..$4 of every provisioning statement: the actor's tenant, user
 * id and name, and the audit details; the statement's own follow from $5.
 * The audit entry is written for the rows of the statement's CTE `x`
 * (id, patient_id): no row acted on, no entry.
 */
function withActor(actor: DbActor, params: unknown[], details: Record<string, unknown> = {}): unknown[] {
  return [actor.tenantId, actor.userId, actor.username, JSON.stringify(details), ...params]
}
const audit = (action: string) => `
  INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details)
  SELECT $1, $2::uuid, $3, '${action}', 'Gateway', x.id, x.patient_id, 'allowed', $4::jsonb FROM x`

/** Creates a gateway for a patient of the actor's tenant; returns its id and its secret (shown once). */
export async function provisionGateway(
  db: Queryable,
  p: { actor: DbActor; patientId: string; gatewayId?: string | undefined },
): Promise<ProvisioningResult<{ gatewayId: string; secret: string }>> {
  const gatewayId = p.gatewayId ?? newGatewayId()
  if (!GATEWAY_ID_PATTERN.test(gatewayId)) return { ok: false, code: 'invalid-id' }
  if (!UUID.test(p.patientId)) return { ok: false, code: 'patient-not-found' }
  const secret = newGatewaySecret()
  const secretHash = await hashSecret(secret)
  const { rows } = await db.query<{ patients: number; busy: number; created: number }>(
    `WITH p AS (SELECT id FROM patients WHERE tenant_id = $1 AND id = $6::uuid),
          busy AS (SELECT 1 FROM gateways WHERE tenant_id = $1 AND patient_id = $6::uuid AND revoked_at IS NULL),
          x AS (INSERT INTO gateways (id, tenant_id, patient_id, secret_hash)
                SELECT $5, $1, p.id, $7 FROM p WHERE NOT EXISTS (SELECT 1 FROM busy)
                ON CONFLICT (id) DO NOTHING
                RETURNING id, patient_id),
          a AS (${audit('gateway.create')})
     SELECT (SELECT count(*) FROM p)::int AS patients, (SELECT count(*) FROM busy)::int AS busy, (SELECT count(*) FROM x)::int AS created`,
    withActor(p.actor, [gatewayId, p.patientId, secretHash]),
  )
  const r = rows[0]
  if (!r || r.patients === 0) return { ok: false, code: 'patient-not-found' }
  if (r.busy > 0) return { ok: false, code: 'patient-has-gateway' }
  if (r.created === 0) return { ok: false, code: 'id-taken' }
  return { ok: true, gatewayId, secret }
}

/** Gives a gateway a new secret; the old one stops working at once (the broker disconnects it). */
export async function rotateGatewaySecret(
  db: Queryable,
  p: { actor: DbActor; gatewayId: string },
): Promise<ProvisioningResult<{ secret: string }>> {
  const secret = newGatewaySecret()
  const secretHash = await hashSecret(secret)
  const { rows } = await db.query<{ found: number; rotated: number }>(
    `WITH g AS (SELECT 1 FROM gateways WHERE tenant_id = $1 AND id = $5),
          x AS (UPDATE gateways SET secret_hash = $6 WHERE tenant_id = $1 AND id = $5 AND revoked_at IS NULL
                RETURNING id, patient_id),
          a AS (${audit('gateway.rotate')})
     SELECT (SELECT count(*) FROM g)::int AS found, (SELECT count(*) FROM x)::int AS rotated`,
    withActor(p.actor, [p.gatewayId, secretHash]),
  )
  const r = rows[0]
  if (!r || r.found === 0) return { ok: false, code: 'not-found' }
  if (r.rotated === 0) return { ok: false, code: 'revoked' }
  return { ok: true, secret }
}

/**
 * Revokes a gateway for good (a stolen or retired box); idempotent. The
 * broker refuses it from now on and disconnects it if connected.
 */
export async function revokeTenantGateway(
  db: Queryable,
  p: { actor: DbActor; gatewayId: string },
): Promise<ProvisioningResult<{ wasRevoked: boolean }>> {
  const { rows } = await db.query<{ found: number; revoked: number }>(
    `WITH g AS (SELECT 1 FROM gateways WHERE tenant_id = $1 AND id = $5),
          x AS (UPDATE gateways SET revoked_at = now() WHERE tenant_id = $1 AND id = $5 AND revoked_at IS NULL
                RETURNING id, patient_id),
          a AS (${audit('gateway.revoke')})
     SELECT (SELECT count(*) FROM g)::int AS found, (SELECT count(*) FROM x)::int AS revoked`,
    withActor(p.actor, [p.gatewayId]),
  )
  const r = rows[0]
  if (!r || r.found === 0) return { ok: false, code: 'not-found' }
  return { ok: true, wasRevoked: r.revoked === 0 }
}

/**
 * Pairs a device (BLE address or serial, as the gateway reports it) with the
 * gateway's patient: with a tenant that requires pairing, readings of
 * unpaired devices are refused as `unknown-device`.
 */
export async function pairDevice(
  db: Queryable,
  p: { actor: DbActor; gatewayId: string; deviceId: string },
): Promise<ProvisioningResult<{ pairedAt: Date }>> {
  const { rows } = await db.query<{ found: number; elsewhere: number; paired_at: Date | null }>(
    `WITH g AS (SELECT id, tenant_id, patient_id, revoked_at FROM gateways WHERE tenant_id = $1 AND id = $5),
          -- the same device paired through a live gateway of another patient of the tenant (issue 17, "Bad input")
          elsewhere AS (SELECT 1 FROM devices od JOIN gateways og ON og.id = od.gateway_id, g
                         WHERE od.tenant_id = $1 AND od.device_id = $6 AND od.paired_at IS NOT NULL AND od.gateway_id <> g.id
                           AND og.revoked_at IS NULL AND og.patient_id IS DISTINCT FROM g.patient_id),
          d AS (INSERT INTO devices (gateway_id, device_id, tenant_id, paired_at, paired_by)
                SELECT g.id, $6, g.tenant_id, now(), $3 FROM g WHERE g.revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM elsewhere)
                ON CONFLICT (gateway_id, device_id)
                  DO UPDATE SET paired_at = coalesce(devices.paired_at, EXCLUDED.paired_at),
                                paired_by = coalesce(devices.paired_by, EXCLUDED.paired_by)
                RETURNING paired_at),
          x AS (SELECT g.id, g.patient_id FROM g WHERE EXISTS (SELECT 1 FROM d)),
          a AS (${audit('gateway.pair-device')})
     SELECT (SELECT count(*) FROM g)::int AS found, (SELECT count(*) FROM elsewhere)::int AS elsewhere, (SELECT paired_at FROM d) AS paired_at`,
    withActor(p.actor, [p.gatewayId, p.deviceId], { deviceId: p.deviceId }),
  )
  const r = rows[0]
  if (!r || r.found === 0) return { ok: false, code: 'not-found' }
  if (r.elsewhere > 0) return { ok: false, code: 'device-paired-elsewhere' }
  if (!r.paired_at) return { ok: false, code: 'revoked' }
  return { ok: true, pairedAt: r.paired_at }
}

/** Unpairs a device; its later readings count as from an unknown device where the tenant requires pairing. */
export async function unpairDevice(
  db: Queryable,
  p: { actor: DbActor; gatewayId: string; deviceId: string },
): Promise<ProvisioningResult<{ wasPaired: boolean }>> {
  const { rows } = await db.query<{ found: number; unpaired: number }>(
    `WITH g AS (SELECT id, patient_id FROM gateways WHERE tenant_id = $1 AND id = $5),
          d AS (UPDATE devices SET paired_at = NULL, paired_by = NULL
                 WHERE tenant_id = $1 AND gateway_id = $5 AND device_id = $6 AND paired_at IS NOT NULL
                RETURNING device_id),
          x AS (SELECT g.id, g.patient_id FROM g WHERE EXISTS (SELECT 1 FROM d)),
          a AS (${audit('gateway.unpair-device')})
     SELECT (SELECT count(*) FROM g)::int AS found, (SELECT count(*) FROM d)::int AS unpaired`,
    withActor(p.actor, [p.gatewayId, p.deviceId], { deviceId: p.deviceId }),
  )
  const r = rows[0]
  if (!r || r.found === 0) return { ok: false, code: 'not-found' }
  return { ok: true, wasPaired: r.unpaired > 0 }
}

export interface GatewaySummary {
  id: string
  patientId: string | null
  state: 'online' | 'offline' | 'unknown'
  firmware: string | null
  battery: number | null
  lastSeenAt: Date | null
  createdAt: Date
  revokedAt: Date | null
  isDemo: boolean
  pairedDeviceIds: string[]
}

/** A tenant's gateways, newest first, with their paired devices. */
export async function listTenantGateways(db: Queryable, tenantId: string): Promise<GatewaySummary[]> {
  const { rows } = await db.query<{
    id: string; patient_id: string | null; state: GatewaySummary['state']; firmware: string | null; battery: number | null
    last_seen_at: Date | null; created_at: Date; revoked_at: Date | null; is_demo: boolean; paired: string[]
  }>(
    `SELECT g.id, g.patient_id, g.state, g.firmware, g.battery, g.last_seen_at, g.created_at, g.revoked_at, g.is_demo,
            coalesce(array_agg(d.device_id ORDER BY d.device_id) FILTER (WHERE d.paired_at IS NOT NULL), '{}') AS paired
       FROM gateways g LEFT JOIN devices d ON d.gateway_id = g.id
      WHERE g.tenant_id = $1
      GROUP BY g.id
      ORDER BY g.created_at DESC, g.id`,
    [tenantId],
  )
  return rows.map((r) => ({
    id: r.id, patientId: r.patient_id, state: r.state, firmware: r.firmware, battery: r.battery, lastSeenAt: r.last_seen_at,
    createdAt: r.created_at, revokedAt: r.revoked_at, isDemo: r.is_demo, pairedDeviceIds: r.paired,
  }))
}

export interface GatewayCredentialChange {
  gatewayId: string
  secretHash: string
  isRevoked: boolean
}

/**
 * Gateways whose credentials changed (rotated, revoked) in the last
 * `lookbackMs`, by the database's clock: what a broker polls to cut off
 * connections made with credentials that are no longer valid.
 */
export async function findGatewayCredentialChanges(db: Queryable, lookbackMs: number): Promise<GatewayCredentialChange[]> {
  const { rows } = await db.query<{ id: string; secret_hash: string; is_revoked: boolean }>(
    `SELECT id, secret_hash, revoked_at IS NOT NULL AS is_revoked FROM gateways
      WHERE credentials_changed_at > now() - make_interval(secs => $1)`,
    [lookbackMs / 1000],
  )
  return rows.map((r) => ({ gatewayId: r.id, secretHash: r.secret_hash, isRevoked: r.is_revoked }))
}
