import type { Queryable } from './pool.js'

/**
 * The care team as the trust framework (felles tillitsrammeverk) describes a
 * relationship: who (a user of the tenant, or an organisation and
 * practitioner outside it), in which role and authorization, for which legal
 * entity, point of care, department and healthcare service, for what purpose,
 * from when to when, and on whose decision (migration 0013). Access follows
 * an active relationship only (care-relationship.ts).
 */
export const CARE_RELATIONS = ['home-care', 'response-centre', 'gp', 'hospital'] as const
export type CareRelation = (typeof CARE_RELATIONS)[number]
/** The municipal team keeps access when the patient objects to all sharing beyond it. */
export const MUNICIPAL_RELATIONS: readonly CareRelation[] = ['home-care', 'response-centre']
export const PURPOSES_OF_USE = ['TREAT', 'ETREAT', 'COC'] as const
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number]

export interface RelationshipMetadata {
  roleAuthorization: string | null
  legalEntity: { number: string | null; name: string | null }
  pointOfCare: string | null
  department: string | null
  healthcareService: string | null
  purposeOfUse: PurposeOfUse
}

export interface CareTeamMember {
  id: string
  patientId: string
  relation: CareRelation
  /** A user of the tenant (nurse, clinician, the GP's login), or null for a member outside it. */
  user: { id: string; displayName: string; role: string; hprNumber: string | null } | null
  organisation: { name: string | null; number: string | null; herId: string | null } | null
  practitioner: { name: string | null; hprNumber: string | null } | null
  metadata: RelationshipMetadata
  period: { start: Date; end: Date | null }
  isActive: boolean
  decision: { byUserId: string | null; byName: string | null; at: Date; reason: string | null }
  ended: { byUserId: string | null; reason: string | null } | null
  /** Where this relationship's forwarding goes. */
  recipient: { id: string; name: string } | null
}

export interface NewCareTeamMember {
  tenantId: string
  patientId: string
  relation: CareRelation
  userId?: string | null
  organisation?: { name?: string | null; number?: string | null; herId?: string | null } | null
  practitioner?: { name?: string | null; hprNumber?: string | null } | null
  metadata?: Partial<Omit<RelationshipMetadata, 'legalEntity'>> & { legalEntity?: { number?: string | null; name?: string | null } }
  startsAt?: Date
  endsAt?: Date | null
  recipientId?: string | null
  decidedByUserId: string
  reason: string
}

const ACTIVE = `(c.starts_at <= now() AND (c.ends_at IS NULL OR c.ends_at > now()))`

const MEMBER_COLUMNS = `
  c.id, c.patient_id, c.relation, c.user_id, u.display_name AS user_name, u.role AS user_role, u.hpr_number AS user_hpr,
  c.organisation_name, c.organisation_number, c.her_id, c.practitioner_name, c.hpr_number,
  c.role_authorization, c.legal_entity_number, c.legal_entity_name, c.point_of_care, c.department, c.healthcare_service,
  c.purpose_of_use, c.starts_at, c.ends_at, ${ACTIVE} AS is_active,
  c.decided_by_user_id, d.display_name AS decided_by_name, c.decided_at, c.decision_reason, c.ended_by_user_id, c.end_reason,
  c.recipient_id, r.name AS recipient_name`

const MEMBER_FROM = `
  care_team_members c
  LEFT JOIN users u ON u.id = c.user_id
  LEFT JOIN users d ON d.id = c.decided_by_user_id
  LEFT JOIN forwarding_recipients r ON r.id = c.recipient_id`

interface MemberRow {
  id: string; patient_id: string; relation: CareRelation; user_id: string | null; user_name: string | null; user_role: string | null
  user_hpr: string | null; organisation_name: string | null; organisation_number: string | null; her_id: string | null
  practitioner_name: string | null; hpr_number: string | null; role_authorization: string | null; legal_entity_number: string | null
  legal_entity_name: string | null; point_of_care: string | null; department: string | null; healthcare_service: string | null
  purpose_of_use: PurposeOfUse; starts_at: Date; ends_at: Date | null; is_active: boolean; decided_by_user_id: string | null
  decided_by_name: string | null; decided_at: Date; decision_reason: string | null; ended_by_user_id: string | null
  end_reason: string | null; recipient_id: string | null; recipient_name: string | null
}

function toMember(r: MemberRow): CareTeamMember {
  const hasOrganisation = r.organisation_name !== null || r.organisation_number !== null || r.her_id !== null
  const hasPractitioner = r.practitioner_name !== null || r.hpr_number !== null
  return {
    id: r.id, patientId: r.patient_id, relation: r.relation,
    user: r.user_id ? { id: r.user_id, displayName: r.user_name ?? '', role: r.user_role ?? '', hprNumber: r.user_hpr } : null,
    organisation: hasOrganisation ? { name: r.organisation_name, number: r.organisation_number, herId: r.her_id } : null,
    practitioner: hasPractitioner ? { name: r.practitioner_name, hprNumber: r.hpr_number } : null,
    metadata: {
      roleAuthorization: r.role_authorization,
      legalEntity: { number: r.legal_entity_number, name: r.legal_entity_name },
      pointOfCare: r.point_of_care, department: r.department, healthcareService: r.healthcare_service, purposeOfUse: r.purpose_of_use,
    },
    period: { start: r.starts_at, end: r.ends_at },
    isActive: r.is_active,
    decision: { byUserId: r.decided_by_user_id, byName: r.decided_by_name, at: r.decided_at, reason: r.decision_reason },
    ended: r.ends_at ? { byUserId: r.ended_by_user_id, reason: r.end_reason } : null,
    recipient: r.recipient_id ? { id: r.recipient_id, name: r.recipient_name ?? '' } : null,
  }
}

/** The patient's care team, ended relationships included (newest first after the active ones). */
export async function listCareTeam(db: Queryable, tenantId: string, patientId: string): Promise<CareTeamMember[]> {
  const { rows } = await db.query<MemberRow>(
    `SELECT ${MEMBER_COLUMNS} FROM ${MEMBER_FROM}
      WHERE c.tenant_id = $1 AND c.patient_id = $2
      ORDER BY ${ACTIVE} DESC, c.starts_at DESC, c.id`,
    [tenantId, patientId],
  )
  return rows.map(toMember)
}

export type AddMemberFailure = 'already-member' | 'unknown-user' | 'unknown-recipient' | 'not-found'

/** Adds a relationship; a user has at most one open relationship with a patient. */
export async function addCareTeamMember(
  db: Queryable, m: NewCareTeamMember,
): Promise<{ ok: true; member: CareTeamMember } | { ok: false; code: AddMemberFailure }> {
  try {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation, organisation_name, organisation_number, her_id,
         practitioner_name, hpr_number, role_authorization, legal_entity_number, legal_entity_name, point_of_care, department,
         healthcare_service, purpose_of_use, starts_at, ends_at, recipient_id, decided_by_user_id, decision_reason, added_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, coalesce($17, now()), $18, $19, $20, $21, now())
       RETURNING id`,
      [
        m.tenantId, m.patientId, m.userId ?? null, m.relation, m.organisation?.name ?? null, m.organisation?.number ?? null,
        m.organisation?.herId ?? null, m.practitioner?.name ?? null, m.practitioner?.hprNumber ?? null,
        m.metadata?.roleAuthorization ?? null, m.metadata?.legalEntity?.number ?? null, m.metadata?.legalEntity?.name ?? null,
        m.metadata?.pointOfCare ?? null, m.metadata?.department ?? null, m.metadata?.healthcareService ?? null,
        m.metadata?.purposeOfUse ?? 'TREAT', m.startsAt ?? null, m.endsAt ?? null, m.recipientId ?? null, m.decidedByUserId, m.reason,
      ],
    )
    const id = rows[0]?.id as string
    const member = (await db.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM ${MEMBER_FROM} WHERE c.id = $1`, [id])).rows[0] as MemberRow
    return { ok: true, member: toMember(member) }
  } catch (error) {
    const e = error as { code?: string; constraint?: string }
    if (e.code === '23505') return { ok: false, code: 'already-member' }
    if (e.code === '23503') {
      if (e.constraint === 'care_team_members_recipient_fk') return { ok: false, code: 'unknown-recipient' }
      if (e.constraint?.includes('patient')) return { ok: false, code: 'not-found' }
      return { ok: false, code: 'unknown-user' }
    }
    throw error
  }
}

/**
 * Ends a relationship now: access and forwarding stop at the next statement
 * (care-relationship.ts and may_forward_to check the period every time).
 * Null when there is no open relationship of that id for the patient.
 */
export async function endCareTeamMember(
  db: Queryable, e: { tenantId: string; patientId: string; memberId: string; endedByUserId: string; reason: string },
): Promise<CareTeamMember | null> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE care_team_members SET ends_at = greatest(now(), starts_at), ended_by_user_id = $4, end_reason = $5
      WHERE tenant_id = $1 AND patient_id = $2 AND id = $3 AND (ends_at IS NULL OR ends_at > now())
      RETURNING id`,
    [e.tenantId, e.patientId, e.memberId, e.endedByUserId, e.reason],
  )
  if (!rows[0]) return null
  const member = (await db.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM ${MEMBER_FROM} WHERE c.id = $1`, [rows[0].id])).rows[0] as MemberRow
  return toMember(member)
}
