import type { Queryable } from './pool.js'

/** A patient user an ID-porten login may be (migration 0038), with what decides whether it may log in. */
export interface IdPortenCandidate {
  userId: string
  tenantId: string
  username: string
  isDemo: boolean
  isDisabled: boolean
  /** The tenant's lowest accepted ID-porten level. */
  minLevel: 'idporten-loa-substantial' | 'idporten-loa-high'
}

/**
 * The patient users whose patient has this national identity number: the
 * patient's record (unique per tenant) and the user linked to it. Only
 * patient users: a nurse who is also someone's patient logs in to her staff
 * account with HelseID, never through here. Runs before there is a tenant
 * (as the HelseID lookup does), so not behind the tenant wall.
 */
export async function findIdPortenCandidates(db: Queryable, nationalId: string): Promise<IdPortenCandidate[]> {
  const { rows } = await db.query<{ id: string; tenant_id: string; username: string; is_demo: boolean; disabled: boolean; min_idporten_level: IdPortenCandidate['minLevel'] }>(
    `SELECT u.id, u.tenant_id, u.username, u.is_demo, u.disabled_at IS NOT NULL AS disabled, t.min_idporten_level
       FROM patients p
       JOIN users u ON u.tenant_id = p.tenant_id AND u.patient_id = p.id AND u.role = 'patient'
       JOIN tenants t ON t.id = p.tenant_id
      WHERE p.national_id = $1
      ORDER BY u.tenant_id`,
    [nationalId],
  )
  return rows.map((r) => ({ userId: r.id, tenantId: r.tenant_id, username: r.username, isDemo: r.is_demo, isDisabled: r.disabled, minLevel: r.min_idporten_level }))
}
