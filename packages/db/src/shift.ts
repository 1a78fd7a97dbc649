import { careRelationship, CARE_RELATIONSHIP } from './care-relationship.js'
import { isUuid } from './patients.js'
import type { Queryable } from './pool.js'

/**
 * The nurse's shift (issue 20, migration 0033, docs/decisions/0034): who is
 * on which patient per shift, the handover notes, and the patients new since
 * a time. Every read is limited to the patients the user gives care to
 * (care-relationship.ts, as `$2`); the access layer logs it.
 */

export type ShiftName = 'day' | 'evening' | 'night'
export interface UserName { id: string; displayName: string }

export interface ShiftAssignment {
  patientId: string
  patientName: string
  shiftDate: string
  shift: ShiftName
  nurse: UserName
  assignedBy: UserName
  assignedAt: Date
}

interface AssignmentRow {
  patient_id: string; patient_name: string; shift_date: string; shift: ShiftName
  user_id: string; user_name: string; by_id: string; by_name: string; assigned_at: Date
}
const toAssignment = (r: AssignmentRow): ShiftAssignment => ({
  patientId: r.patient_id, patientName: r.patient_name, shiftDate: r.shift_date, shift: r.shift,
  nurse: { id: r.user_id, displayName: r.user_name }, assignedBy: { id: r.by_id, displayName: r.by_name }, assignedAt: r.assigned_at,
})
const ASSIGNMENT_SELECT = `
  SELECT s.patient_id, p.display_name AS patient_name, s.shift_date::text AS shift_date, s.shift,
         s.user_id, n.display_name AS user_name, s.assigned_by_user_id AS by_id, b.display_name AS by_name, s.assigned_at
    FROM shift_assignments s
    JOIN patients p ON p.tenant_id = s.tenant_id AND p.id = s.patient_id
    JOIN users n ON n.id = s.user_id
    JOIN users b ON b.id = s.assigned_by_user_id`

/** The assignments of one shift, of the patients the user gives care to. */
export async function listShiftAssignments(db: Queryable, q: { tenantId: string; userId: string; shiftDate: string; shift: ShiftName }): Promise<ShiftAssignment[]> {
  const { rows } = await db.query<AssignmentRow>(
    `${ASSIGNMENT_SELECT}
      WHERE s.tenant_id = $1 AND s.shift_date = $3::date AND s.shift = $4 AND ${CARE_RELATIONSHIP}
      ORDER BY p.display_name, p.id`,
    [q.tenantId, q.userId, q.shiftDate, q.shift],
  )
  return rows.map(toAssignment)
}

export type AssignFailure = 'invalid-assignee' | 'not-a-nurse'
export type AssignResult = { ok: true; assignment: ShiftAssignment | null } | { ok: false; code: AssignFailure }

/**
 * Puts a nurse on a patient for one shift (replacing whoever was), or takes
 * the patient off the shift (`nurseUserId` null). The nurse must give the
 * patient care (else she could not open the patient she is put on) and be a
 * nurse; the caller's own access is checked by the access layer before.
 */
export async function setShiftAssignment(db: Queryable, a: {
  tenantId: string; patientId: string; shiftDate: string; shift: ShiftName; nurseUserId: string | null; byUserId: string
}): Promise<AssignResult> {
  if (a.nurseUserId === null) {
    await db.query('DELETE FROM shift_assignments WHERE tenant_id = $1 AND patient_id = $2 AND shift_date = $3::date AND shift = $4',
      [a.tenantId, a.patientId, a.shiftDate, a.shift])
    return { ok: true, assignment: null }
  }
  if (!isUuid(a.nurseUserId)) return { ok: false, code: 'invalid-assignee' }
  const { rows: who } = await db.query<{ role: string; gives_care: boolean }>(
    `SELECT u.role, EXISTS (SELECT 1 FROM patients p WHERE p.tenant_id = $1 AND p.id = $3 AND ${careRelationship('$2')}) AS gives_care
       FROM users u WHERE u.tenant_id = $1 AND u.id = $2 AND u.disabled_at IS NULL`,
    [a.tenantId, a.nurseUserId, a.patientId],
  )
  const nurse = who[0]
  if (!nurse || !nurse.gives_care) return { ok: false, code: 'invalid-assignee' }
  if (nurse.role !== 'nurse') return { ok: false, code: 'not-a-nurse' }
  const { rows } = await db.query<AssignmentRow>(
    `WITH s AS (
       INSERT INTO shift_assignments AS s (tenant_id, patient_id, shift_date, shift, user_id, assigned_by_user_id)
       VALUES ($1, $2, $3::date, $4, $5, $6)
       ON CONFLICT (tenant_id, patient_id, shift_date, shift)
         DO UPDATE SET user_id = EXCLUDED.user_id, assigned_by_user_id = EXCLUDED.assigned_by_user_id, assigned_at = now()
       RETURNING s.*)
     ${ASSIGNMENT_SELECT.replace('FROM shift_assignments s', 'FROM s')}`,
    [a.tenantId, a.patientId, a.shiftDate, a.shift, a.nurseUserId, a.byUserId],
  )
  return { ok: true, assignment: toAssignment(rows[0]!) }
}

export interface HandoverNote {
  id: string
  patientId: string
  patientName: string
  text: string
  writtenAt: Date
  author: UserName
}
interface NoteRow { id: string; patient_id: string; patient_name: string; text: string; written_at: Date; author_id: string; author_name: string }
const toNote = (r: NoteRow): HandoverNote => ({
  id: r.id, patientId: r.patient_id, patientName: r.patient_name, text: r.text, writtenAt: r.written_at, author: { id: r.author_id, displayName: r.author_name },
})
const NOTE_SELECT = `
  SELECT h.id, h.patient_id, p.display_name AS patient_name, h.text, h.written_at, h.author_user_id AS author_id, u.display_name AS author_name
    FROM handover_notes h
    JOIN patients p ON p.tenant_id = h.tenant_id AND p.id = h.patient_id
    JOIN users u ON u.id = h.author_user_id`

/** A new note; the earlier ones stay as they were (the table takes no update). */
export async function addHandoverNote(db: Queryable, n: { tenantId: string; patientId: string; authorUserId: string; text: string }): Promise<HandoverNote> {
  const { rows } = await db.query<NoteRow>(
    `WITH h AS (INSERT INTO handover_notes (tenant_id, patient_id, author_user_id, text) VALUES ($1, $2, $3, $4) RETURNING *)
     ${NOTE_SELECT.replace('FROM handover_notes h', 'FROM h')}`,
    [n.tenantId, n.patientId, n.authorUserId, n.text],
  )
  return toNote(rows[0]!)
}

/** A patient's notes, newest first (the access layer has checked the patient). */
export async function listHandoverNotes(db: Queryable, q: { tenantId: string; patientId: string; limit: number }): Promise<HandoverNote[]> {
  const { rows } = await db.query<NoteRow>(
    `${NOTE_SELECT} WHERE h.tenant_id = $1 AND h.patient_id = $2 ORDER BY h.written_at DESC, h.id LIMIT $3`,
    [q.tenantId, q.patientId, q.limit],
  )
  return rows.map(toNote)
}

/** The latest note of each patient the user gives care to, written since a time; newest first. */
export async function latestHandoverNotes(db: Queryable, q: { tenantId: string; userId: string; since: Date }): Promise<HandoverNote[]> {
  const { rows } = await db.query<NoteRow>(
    `SELECT * FROM (
       SELECT DISTINCT ON (h.patient_id) h.id, h.patient_id, p.display_name AS patient_name, h.text, h.written_at,
              h.author_user_id AS author_id, u.display_name AS author_name
         FROM handover_notes h
         JOIN patients p ON p.tenant_id = h.tenant_id AND p.id = h.patient_id
         JOIN users u ON u.id = h.author_user_id
        WHERE h.tenant_id = $1 AND h.written_at >= $3 AND ${CARE_RELATIONSHIP}
        ORDER BY h.patient_id, h.written_at DESC, h.id) latest
      ORDER BY written_at DESC, id`,
    [q.tenantId, q.userId, q.since],
  )
  return rows.map(toNote)
}

export interface NewPatient { id: string; displayName: string; createdAt: Date }

/**
 * Patients the user gives care to that were enrolled since a time (platform
 * clock, migration 0014) and have no reading from before it: a patient whose
 * history was loaded with the enrolment (the demo's, a move from another
 * system) has been followed before and is not new to the shift.
 */
export async function listNewPatients(db: Queryable, q: { tenantId: string; userId: string; since: Date }): Promise<NewPatient[]> {
  const { rows } = await db.query<{ id: string; display_name: string; created_at: Date }>(
    `SELECT p.id, p.display_name, p.created_at FROM patients p
      WHERE p.tenant_id = $1 AND p.created_at >= $3 AND p.service_state <> 'ended' AND ${CARE_RELATIONSHIP}
        AND NOT EXISTS (SELECT 1 FROM measurements m WHERE m.patient_id = p.id AND m.measured_at < $3)
      ORDER BY p.created_at DESC, p.id LIMIT 200`,
    [q.tenantId, q.userId, q.since],
  )
  return rows.map((r) => ({ id: r.id, displayName: r.display_name, createdAt: r.created_at }))
}

/** The tenant's nurses (names only), whom a patient may be assigned to. */
export async function listShiftNurses(db: Queryable, tenantId: string): Promise<UserName[]> {
  const { rows } = await db.query<{ id: string; display_name: string }>(
    `SELECT id, display_name FROM users WHERE tenant_id = $1 AND role = 'nurse' AND disabled_at IS NULL ORDER BY display_name, id`, [tenantId])
  return rows.map((r) => ({ id: r.id, displayName: r.display_name }))
}

/** The patients the user gives care to whose service has not ended (names only), for the shift's "not on anyone's list". */
export async function listCaredPatients(db: Queryable, tenantId: string, userId: string): Promise<{ id: string; displayName: string }[]> {
  const { rows } = await db.query<{ id: string; display_name: string }>(
    `SELECT p.id, p.display_name FROM patients p
      WHERE p.tenant_id = $1 AND p.service_state <> 'ended' AND ${CARE_RELATIONSHIP}
      ORDER BY p.display_name, p.id LIMIT 1000`,
    [tenantId, userId],
  )
  return rows.map((r) => ({ id: r.id, displayName: r.display_name }))
}
