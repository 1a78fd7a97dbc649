import type { Condition } from './patients.js'
import type { Queryable } from './pool.js'

/**
 * Enrolment of a patient by a tenant's administrator (issue 17: henvisning →
 * vedtak → oppstart). The patient row, its first state (`active`, the
 * decision made), its care team and its access-log entry are ONE statement
 * (decision 0001). The national id is checked by the caller (@varde/domain
 * checkNationalId); here it is unique per tenant, so a second enrolment is
 * refused (`already-enrolled`) and changes nothing.
 *
 * The care team: the municipality's response centre follows every patient it
 * enrols (DOMAIN.md), so every enabled nurse and clinician of the tenant is
 * put on the team as `response-centre`; the team is changed afterwards on the
 * patient's care-team page (issue 18).
 */
export interface EnrolmentActor {
  tenantId: string
  userId: string | null
  name: string
}

export interface Enrolment {
  nationalId: string
  displayName: string
  birthDate: string | null
  conditions: Condition[]
  contactPhone?: string | null
  /** Length of the start-up period (oppstart), 14–28 days; default 14. */
  startupDays?: number
}

export type EnrolmentResult = { ok: true; patientId: string } | { ok: false; code: 'already-enrolled' }

export async function enrolPatient(db: Queryable, actor: EnrolmentActor, e: Enrolment): Promise<EnrolmentResult> {
  const { rows } = await db.query<{ id: string }>(
    `WITH x AS (
       INSERT INTO patients (tenant_id, national_id, display_name, birth_date, conditions, contact_phone, startup_ends_at)
       VALUES ($1, $4, $5, $6::date, $7::text[], $8, varde_now() + make_interval(days => $9::int))
       ON CONFLICT (tenant_id, national_id) DO NOTHING
       RETURNING id),
     s AS (
       INSERT INTO service_state_changes (tenant_id, patient_id, from_state, to_state, reason, by_user_id, by_name)
       SELECT $1, x.id, NULL, 'active', 'enrolled', $2::uuid, $3 FROM x),
     t AS (
       INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation, decided_by_user_id, decision_reason)
       SELECT $1, x.id, u.id, 'response-centre', $2::uuid, 'enrolment: the response centre follows the patient' FROM x, users u
        WHERE u.tenant_id = $1 AND u.disabled_at IS NULL AND u.role IN ('nurse', 'clinician')),
     a AS (
       INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details)
       SELECT $1, $2::uuid, $3, 'patient.enrol', 'Patient', x.id::text, x.id, 'allowed',
              jsonb_build_object('conditions', $7::text[], 'startupDays', $9::int) FROM x)
     SELECT id FROM x`,
    [actor.tenantId, actor.userId, actor.name, e.nationalId, e.displayName, e.birthDate, e.conditions, e.contactPhone ?? null,
      e.startupDays ?? 14],
  )
  return rows[0] ? { ok: true, patientId: rows[0].id } : { ok: false, code: 'already-enrolled' }
}
