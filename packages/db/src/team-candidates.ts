import type { Queryable } from './pool.js'

/** A user of the tenant who may be put on a patient's care team (the portal's "add member" list). */
export interface TeamCandidate {
  id: string
  displayName: string
  role: string
  hprNumber: string | null
  /** The outside GP's practice (users.organisation_name); null for the municipality's own staff. */
  organisationName: string | null
}

/**
 * The tenant's users who give care and so may have a relationship with a
 * patient: nurses, clinicians and outside GPs, not disabled. Not the
 * administrator, the privacy officer or a patient's own login.
 */
export async function listTeamCandidates(db: Queryable, tenantId: string): Promise<TeamCandidate[]> {
  const { rows } = await db.query<{ id: string; display_name: string; role: string; hpr_number: string | null; organisation_name: string | null }>(
    `SELECT id, display_name, role, hpr_number, organisation_name FROM users
      WHERE tenant_id = $1 AND role IN ('nurse', 'clinician', 'gp') AND disabled_at IS NULL
      ORDER BY display_name, id`,
    [tenantId],
  )
  return rows.map((r) => ({ id: r.id, displayName: r.display_name, role: r.role, hprNumber: r.hpr_number, organisationName: r.organisation_name }))
}
