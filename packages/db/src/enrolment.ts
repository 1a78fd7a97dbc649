import type { Condition } from './patients.js'
import type { Queryable } from './pool.js'

/**
 * Enrolment of a patient by a tenant's administrator (issue 17: henvisning →
 * vedtak → oppstart). The patient row and its access-log entry are ONE
 * statement (decision 0001). The national id is checked by the caller
 * (@varde/domain checkNationalId); here it is unique per tenant, so a second
 * enrolment is refused (`already-enrolled`) and changes nothing.
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
}

export type EnrolmentResult = { ok: true; patientId: string } | { ok: false; code: 'already-enrolled' }

export async function enrolPatient(db: Queryable, actor: EnrolmentActor, e: Enrolment): Promise<EnrolmentResult> {
  const { rows } = await db.query<{ id: string }>(
    `WITH x AS (
       INSERT INTO patients (tenant_id, national_id, display_name, birth_date, conditions)
       VALUES ($1, $4, $5, $6::date, $7::text[])
       ON CONFLICT (tenant_id, national_id) DO NOTHING
       RETURNING id),
     a AS (
       INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, resource_type, resource_id, patient_id, outcome, details)
       SELECT $1, $2::uuid, $3, 'patient.enrol', 'Patient', x.id::text, x.id, 'allowed', jsonb_build_object('conditions', $7::text[]) FROM x)
     SELECT id FROM x`,
    [actor.tenantId, actor.userId, actor.name, e.nationalId, e.displayName, e.birthDate, e.conditions],
  )
  return rows[0] ? { ok: true, patientId: rows[0].id } : { ok: false, code: 'already-enrolled' }
}
