import type { Queryable } from './pool.js'

/**
 * The patient's objection (reservasjon, Patient Records Act § 19, Health
 * Personnel Act § 45): against all sharing beyond the municipal team, or
 * against one recipient (an organisation receiving forwarding, or one user on
 * the team). Recorded with the date and the channel the patient used; it
 * stops forwarding at once (may_forward_to, migration 0013) and hides the
 * patient from those users (care-relationship.ts). The 'all' kind is mirrored
 * in patients.objects_to_sharing in the same statement.
 */
export const OBJECTION_CHANNELS = ['in-person', 'phone', 'letter', 'digital', 'next-of-kin'] as const
export type ObjectionChannel = (typeof OBJECTION_CHANNELS)[number]
export type ObjectionScope = 'all-beyond-municipal' | 'recipient'

export interface PatientObjection {
  id: string
  patientId: string
  scope: ObjectionScope
  recipientId: string | null
  userId: string | null
  channel: ObjectionChannel
  objectedOn: string
  note: string | null
  recordedByUserId: string
  recordedAt: Date
  withdrawn: { at: Date; byUserId: string | null; channel: ObjectionChannel } | null
}

interface ObjectionRow {
  id: string; patient_id: string; scope: ObjectionScope; recipient_id: string | null; user_id: string | null
  channel: ObjectionChannel; objected_on: string; note: string | null; recorded_by_user_id: string; recorded_at: Date
  withdrawn_at: Date | null; withdrawn_by_user_id: string | null; withdrawal_channel: ObjectionChannel | null
}

const COLUMNS = `id, patient_id, scope, recipient_id, user_id, channel, objected_on::text AS objected_on, note,
  recorded_by_user_id, recorded_at, withdrawn_at, withdrawn_by_user_id, withdrawal_channel`

function toObjection(r: ObjectionRow): PatientObjection {
  return {
    id: r.id, patientId: r.patient_id, scope: r.scope, recipientId: r.recipient_id, userId: r.user_id, channel: r.channel,
    objectedOn: r.objected_on, note: r.note, recordedByUserId: r.recorded_by_user_id, recordedAt: r.recorded_at,
    withdrawn: r.withdrawn_at ? { at: r.withdrawn_at, byUserId: r.withdrawn_by_user_id, channel: r.withdrawal_channel as ObjectionChannel } : null,
  }
}

export async function listObjections(db: Queryable, tenantId: string, patientId: string): Promise<PatientObjection[]> {
  const { rows } = await db.query<ObjectionRow>(
    `SELECT ${COLUMNS} FROM patient_objections WHERE tenant_id = $1 AND patient_id = $2 ORDER BY recorded_at DESC, id`,
    [tenantId, patientId],
  )
  return rows.map(toObjection)
}

export interface NewObjection {
  tenantId: string
  patientId: string
  scope: ObjectionScope
  recipientId?: string | null
  userId?: string | null
  channel: ObjectionChannel
  /** The day the patient objected (YYYY-MM-DD); today when not given. */
  objectedOn?: string
  note?: string | null
  recordedByUserId: string
}

/**
 * Records an objection; pending deliveries it stands against are cancelled
 * in the same statement (the worker checks again at send time as well).
 */
export async function recordObjection(db: Queryable, o: NewObjection): Promise<PatientObjection> {
  const { rows } = await db.query<ObjectionRow>(
    `WITH o AS (
       INSERT INTO patient_objections (tenant_id, patient_id, scope, recipient_id, user_id, channel, objected_on, note, recorded_by_user_id)
       VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::date, current_date), $8, $9)
       RETURNING *),
     flag AS (
       UPDATE patients SET objects_to_sharing = true
        WHERE id = $2 AND tenant_id = $1 AND $3 = 'all-beyond-municipal'),
     cancelled AS (
       UPDATE forwarding_outbox f SET status = 'cancelled', settled_at = now(), last_error = 'objection'
        WHERE f.patient_id = $2 AND f.tenant_id = $1 AND f.status = 'pending'
          AND ($3 = 'all-beyond-municipal' OR f.recipient_id = $4
               OR f.recipient_id IN (SELECT c.recipient_id FROM care_team_members c WHERE c.patient_id = $2 AND c.user_id = $5)))
     SELECT ${COLUMNS} FROM o`,
    [o.tenantId, o.patientId, o.scope, o.recipientId ?? null, o.userId ?? null, o.channel, o.objectedOn ?? null, o.note ?? null, o.recordedByUserId],
  )
  return toObjection(rows[0] as ObjectionRow)
}

/** Withdraws an objection in force; the flag clears when no 'all' objection is left. Null when none in force has this id. */
export async function withdrawObjection(
  db: Queryable, w: { tenantId: string; patientId: string; objectionId: string; byUserId: string; channel: ObjectionChannel },
): Promise<PatientObjection | null> {
  const { rows } = await db.query<ObjectionRow>(
    `WITH o AS (
       UPDATE patient_objections SET withdrawn_at = now(), withdrawn_by_user_id = $4, withdrawal_channel = $5
        WHERE tenant_id = $1 AND patient_id = $2 AND id = $3 AND withdrawn_at IS NULL
        RETURNING *),
     flag AS (
       UPDATE patients p SET objects_to_sharing = false
        WHERE p.id = $2 AND p.tenant_id = $1 AND EXISTS (SELECT 1 FROM o WHERE o.scope = 'all-beyond-municipal')
          AND NOT EXISTS (SELECT 1 FROM patient_objections x
                           WHERE x.patient_id = $2 AND x.scope = 'all-beyond-municipal' AND x.withdrawn_at IS NULL AND x.id <> $3))
     SELECT ${COLUMNS} FROM o`,
    [w.tenantId, w.patientId, w.objectionId, w.byUserId, w.channel],
  )
  return rows[0] ? toObjection(rows[0]) : null
}
