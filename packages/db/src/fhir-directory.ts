import { CARE_RELATIONSHIP } from './care-relationship.js'
import { isUuid } from './patients.js'
import type { Queryable } from './pool.js'

/**
 * Who gives the care, as FHIR Practitioner and Organization (issue 22;
 * docs/decisions/0038), and when a served record last changed (meta.lastUpdated,
 * migration 0037). A practitioner is a user of the tenant who gives care
 * (nurse, clinician, GP), readable by a caller who may read a care team that
 * names them (or by themself): the same care relationship as every read.
 */
export interface PractitionerRecord {
  id: string
  displayName: string
  hprNumber: string | null
  role: string
  organisationName: string | null
  isActive: boolean
  updatedAt: Date
}

export interface OrganizationRecord {
  /** The tenant's id: the municipality itself. */
  id: string
  name: string
  organisationNumber: string | null
  municipalityNumber: string | null
  updatedAt: Date
}

const PRACTITIONER_ROLES = ['nurse', 'clinician', 'gp']

/** The practitioners the caller (`$2`, a user's or a client's id) may read: by id, by HPR number, or all of them. */
export async function findPractitioners(
  db: Queryable, tenantId: string, callerId: string, by: { id?: string; hprNumber?: string } = {},
): Promise<PractitionerRecord[]> {
  if (by.id !== undefined && !isUuid(by.id)) return []
  const { rows } = await db.query<{
    id: string; display_name: string; hpr_number: string | null; role: string; organisation_name: string | null; disabled_at: Date | null; updated_at: Date
  }>(
    `SELECT u.id, u.display_name, u.hpr_number, u.role, u.organisation_name, u.disabled_at, u.updated_at
       FROM users u
      WHERE u.tenant_id = $1 AND u.role = ANY($5)
        AND ($3::uuid IS NULL OR u.id = $3) AND ($4::text IS NULL OR u.hpr_number = $4)
        AND (u.id = $2 OR EXISTS (SELECT 1 FROM care_team_members m JOIN patients p ON p.id = m.patient_id AND p.tenant_id = m.tenant_id
                                  WHERE m.user_id = u.id AND m.tenant_id = $1 AND ${CARE_RELATIONSHIP}))
      ORDER BY u.display_name, u.id`,
    [tenantId, callerId, by.id ?? null, by.hprNumber ?? null, PRACTITIONER_ROLES],
  )
  return rows.map((r) => ({
    id: r.id, displayName: r.display_name, hprNumber: r.hpr_number, role: r.role, organisationName: r.organisation_name,
    isActive: r.disabled_at === null, updatedAt: r.updated_at,
  }))
}

/** The tenant as an organisation (the municipality), found by its id or organisation number; null when not this one. */
export async function findTenantOrganization(db: Queryable, tenantId: string, by: { id?: string; organisationNumber?: string } = {}): Promise<OrganizationRecord | null> {
  const { rows } = await db.query<{ id: string; name: string; organisation_number: string | null; municipality_number: string | null; updated_at: Date }>(
    `SELECT id, name, organisation_number, municipality_number, updated_at FROM tenants
      WHERE id = $1 AND ($2::text IS NULL OR id = $2) AND ($3::text IS NULL OR organisation_number = $3)`,
    [tenantId, by.id ?? null, by.organisationNumber ?? null],
  )
  const r = rows[0]
  return r ? { id: r.id, name: r.name, organisationNumber: r.organisation_number, municipalityNumber: r.municipality_number, updatedAt: r.updated_at } : null
}

/**
 * When each patient and gateway last changed in what FHIR serves of it
 * (migration 0037), for those the caller (`$2`) may see; a BLE device takes
 * the later of its first sighting and its gateway's change (its patient is
 * its gateway's).
 */
export async function lastUpdatedOf(
  db: Queryable, tenantId: string, callerId: string, of: { patients?: readonly string[]; gateways?: readonly string[] },
): Promise<{ patients: Map<string, Date>; gateways: Map<string, Date> }> {
  const patientIds = (of.patients ?? []).filter(isUuid)
  const { rows } = await db.query<{ kind: 'patient' | 'gateway'; id: string; updated_at: Date }>(
    `SELECT 'patient' AS kind, p.id::text AS id, p.updated_at FROM patients p
      WHERE p.tenant_id = $1 AND p.id = ANY($3::uuid[]) AND ${CARE_RELATIONSHIP}
     UNION ALL
     SELECT 'gateway', g.id, g.updated_at FROM gateways g JOIN patients p ON p.id = g.patient_id AND p.tenant_id = g.tenant_id
      WHERE g.tenant_id = $1 AND g.id = ANY($4::text[]) AND ${CARE_RELATIONSHIP}`,
    [tenantId, callerId, patientIds, [...(of.gateways ?? [])]],
  )
  const patients = new Map<string, Date>()
  const gateways = new Map<string, Date>()
  for (const r of rows) (r.kind === 'patient' ? patients : gateways).set(r.id, r.updated_at)
  return { patients, gateways }
}
