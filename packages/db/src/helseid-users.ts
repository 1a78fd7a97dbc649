import type { Queryable } from './pool.js'

/** A Varde user a HelseID login may be (migration 0022), with what decides whether it may log in. */
export interface HelseIdCandidate {
  userId: string
  tenantId: string
  username: string
  isDemo: boolean
  isDisabled: boolean
  /** The tenant's lowest accepted HelseID security level. */
  minSecurityLevel: number
}

/**
 * The users a HelseID identity matches: by HPR number, else by the
 * national-id pseudonym. Both are unique within a tenant; a person may be a
 * user in several tenants (the caller refuses the ambiguity).
 */
export async function findHelseIdCandidates(db: Queryable, who: { hprNumber: string | null; pidPseudonym: string | null }): Promise<HelseIdCandidate[]> {
  const { rows } = await db.query<{ id: string; tenant_id: string; username: string; is_demo: boolean; disabled: boolean; min_security_level: number; by_hpr: boolean }>(
    `SELECT u.id, u.tenant_id, u.username, u.is_demo, u.disabled_at IS NOT NULL AS disabled, t.min_security_level,
            coalesce(u.hpr_number = $1, false) AS by_hpr
       FROM users u JOIN tenants t ON t.id = u.tenant_id
      WHERE u.hpr_number = $1 OR u.pid_pseudonym = $2
      ORDER BY u.tenant_id`,
    [who.hprNumber, who.pidPseudonym],
  )
  // the HPR number decides when it names someone; the pseudonym only for a person it does not
  const byHpr = rows.filter((r) => r.by_hpr)
  return (byHpr.length > 0 ? byHpr : rows).map((r) => ({ userId: r.id, tenantId: r.tenant_id, username: r.username, isDemo: r.is_demo, isDisabled: r.disabled, minSecurityLevel: r.min_security_level }))
}
