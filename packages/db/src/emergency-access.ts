import type { Queryable } from './pool.js'
import { isUuid } from './patients.js'

/** How long an emergency access lasts, on the platform clock (issue 18/19: 4 hours). */
export const EMERGENCY_ACCESS_HOURS = 4

export interface EmergencyGrant {
  id: string
  patientId: string
  startedAt: Date
  expiresAt: Date
}

/**
 * Opens an emergency access (nødrett, break the glass; migration 0020) for
 * the user to the patient, 4 hours on the platform clock (varde_now()), with
 * its reason; null when the tenant has no such patient. The access-log entry
 * (action `emergency-access`, purpose `emergency`, the reason) is written in
 * the same statement (decision 1), so no access opens unlogged. An open one
 * for the same user and patient is not extended silently: a new one is
 * opened with its own reason and entry. `proof`: how the user proved who
 * they are for it (the password again, or a fresh HelseID login with its
 * auth_time and claims; issue 24), written into the entry's details.
 */
export async function openEmergencyAccess(
  db: Queryable, q: { tenantId: string; userId: string; username: string; patientId: string; reason: string; proof?: Record<string, unknown> },
): Promise<EmergencyGrant | null> {
  if (!isUuid(q.patientId)) return null
  const { rows } = await db.query<{ id: string; patient_id: string; started_at: Date; expires_at: Date }>(
    `WITH granted AS (
       INSERT INTO emergency_access (tenant_id, patient_id, user_id, reason, expires_at)
       SELECT p.tenant_id, p.id, $2, $4, varde_now() + make_interval(hours => $5)
         FROM patients p WHERE p.tenant_id = $1 AND p.id = $3
       RETURNING id, patient_id, started_at, expires_at
     ), logged AS (
       INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details, purpose)
       SELECT $1, $2, $6, 'emergency-access', 'Patient', g.patient_id::text, g.patient_id, 'allowed',
              jsonb_build_object('reason', $4::text, 'expiresAt', g.expires_at, 'grant', g.id) || coalesce($7::jsonb, '{}'), 'emergency'
         FROM granted g
     )
     SELECT * FROM granted`,
    [q.tenantId, q.userId, q.patientId, q.reason, EMERGENCY_ACCESS_HOURS, q.username, q.proof ? JSON.stringify(q.proof) : null],
  )
  const r = rows[0]
  return r ? { id: r.id, patientId: r.patient_id, startedAt: r.started_at, expiresAt: r.expires_at } : null
}

/** The user's password hash, to have a local-password session say its password again. */
export async function findPasswordHash(db: Queryable, tenantId: string, userId: string): Promise<string | null> {
  const { rows } = await db.query<{ password_hash: string | null }>('SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2', [tenantId, userId])
  return rows[0]?.password_hash ?? null
}
