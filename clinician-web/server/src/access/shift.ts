import {
  addHandoverNote, canAccessPatient, latestHandoverNotes, listAlerts, listAlertsResolvedSince, listCaredPatients, listHandoverNotes, listNewPatients,
  listShiftAssignments, listShiftNurses, platformNow, setShiftAssignment,
  type AlertRecord, type HandoverNote, type NewPatient, type ShiftAssignment, type UserName,
} from '@varde/db'
import { previousShift, shiftAt, shiftWindowOf, type Shift, type ShiftWindow } from '@varde/domain'
import { ASSIGN_FAILURES, ERRORS } from '../errors/api-errors.js'
import { hasRole } from './actor.js'
import { userIdOf, type AccessContext } from './context.js'

/** Who sees the shift view: the municipality's staff who give care, and the administrator (who assigns). */
const SHIFT_ROLES = ['nurse', 'clinician', 'admin'] as const
/** Who puts nurses on patients: the shift leader is a nurse (Varde has no role for it, ADR 0034), or the administrator. */
const ASSIGNER_ROLES = ['nurse', 'admin'] as const
/** Who writes a handover note: those who hand over care. */
const WRITER_ROLES = ['nurse', 'clinician'] as const

const HISTORY = 50
const RESOLVED_SHOWN = 500
const ALL_UNRESOLVED = 1000

/** Everything the shift view is made of, as the caller may see it; the route groups and shapes it. */
export interface ShiftFacts {
  now: Date
  current: ShiftWindow
  previous: ShiftWindow
  since: Date
  assignments: ShiftAssignment[]
  patients: { id: string; displayName: string }[]
  nurses: UserName[]
  canAssign: boolean
  handovers: HandoverNote[]
  unresolved: AlertRecord[]
  resolved: AlertRecord[]
  newPatients: NewPatient[]
}

export type { HandoverNote, ShiftAssignment, ShiftWindow }

/**
 * The nurse's shift (issue 20, migration 0033, docs/decisions/0034): the
 * shift view, handover notes and who is on which patient. Only patients the
 * actor gives care to; one access-log entry per call (the view: a row per
 * patient it shows, as a list does), refusals included. A caller without a
 * relationship is answered as for a patient that does not exist.
 */
export function shiftAccess({ db, actor, audit, where }: AccessContext) {
  /** The door of a patient's shift data: a relationship, and for a change one of `roles`; one log entry either way. */
  const enter = async (patientId: string, entry: { action: 'read' | 'change'; resourceType: string; details?: Record<string, unknown> }, roles?: readonly string[], refusal?: () => Error) => {
    const allowed = await canAccessPatient(db, actor.tenantId, userIdOf(actor), patientId)
    const hasTheRole = !roles || hasRole(actor, roles)
    await audit.one({
      action: entry.action, resourceType: entry.resourceType, resourceId: patientId, patientId: allowed ? patientId : null,
      outcome: allowed && hasTheRole ? 'allowed' : 'denied', details: { ...entry.details, ...(allowed && !hasTheRole ? where() : {}) },
    })
    if (!allowed) throw new ERRORS.patientNotFound()
    if (!hasTheRole) throw refusal!()
  }

  return {
    /**
     * "Since your last shift": `since` defaults to the start of the shift
     * before the one in progress (the shift that handed over), by the
     * platform clock. One log row per patient shown; one saying none when none is.
     */
    async view(sinceAsked?: Date): Promise<ShiftFacts> {
      if (!hasRole(actor, SHIFT_ROLES)) {
        await audit.one({ action: 'list', resourceType: 'Shift', resourceId: null, patientId: null, outcome: 'denied', details: where() })
        throw new ERRORS.shiftRoleRequired()
      }
      const userId = userIdOf(actor)
      const now = await platformNow(db)
      const current = shiftAt(now)
      const previous = previousShift(current)
      const since = sinceAsked ?? previous.startsAt
      const canAssign = hasRole(actor, ASSIGNER_ROLES)
      const q = { tenantId: actor.tenantId, userId, since }
      const [assignments, patients, nurses, handovers, unresolved, resolved, newPatients] = await Promise.all([
        listShiftAssignments(db, { tenantId: actor.tenantId, userId, shiftDate: current.date, shift: current.shift }),
        listCaredPatients(db, actor.tenantId, userId),
        canAssign ? listShiftNurses(db, actor.tenantId) : Promise.resolve([]),
        latestHandoverNotes(db, q),
        listAlerts(db, { tenantId: actor.tenantId, userId, statuses: ['open', 'acknowledged'], limit: ALL_UNRESOLVED }),
        listAlertsResolvedSince(db, { ...q, limit: RESOLVED_SHOWN }),
        listNewPatients(db, q),
      ])
      const shown = new Set<string>([
        ...assignments.map((a) => a.patientId), ...patients.map((p) => p.id), ...handovers.map((h) => h.patientId),
        ...unresolved.map((a) => a.patientId), ...resolved.map((a) => a.patientId), ...newPatients.map((p) => p.id),
      ])
      const entry = { action: 'list', resourceType: 'Shift', outcome: 'allowed' as const }
      if (shown.size > 0) await audit.many([...shown].map((id) => ({ ...entry, resourceId: id, patientId: id, details: { since: since.toISOString() } })))
      else await audit.one({ ...entry, resourceId: null, patientId: null, details: { since: since.toISOString(), count: 0 } })
      return { now, current, previous, since, assignments, patients, nurses, canAssign, handovers, unresolved, resolved, newPatients }
    },

    /** A patient's handover notes, newest first (the history: none is ever overwritten). */
    async handovers(patientId: string): Promise<HandoverNote[]> {
      await enter(patientId, { action: 'read', resourceType: 'HandoverNote' })
      return listHandoverNotes(db, { tenantId: actor.tenantId, patientId, limit: HISTORY })
    },

    async writeHandover(patientId: string, text: string): Promise<HandoverNote> {
      await enter(patientId, { action: 'change', resourceType: 'HandoverNote', details: { change: 'write' } }, WRITER_ROLES, () => new ERRORS.handoverWriterRequired())
      return addHandoverNote(db, { tenantId: actor.tenantId, patientId, authorUserId: userIdOf(actor), text })
    },

    /**
     * Puts a nurse on the patient for a shift (default: the one in progress),
     * or takes the patient off it (`nurseUserId` null). A shift that has
     * ended is left as it was: who was on it is part of the record.
     */
    async assign(patientId: string, a: { nurseUserId: string | null; shift?: Shift | undefined; date?: string | undefined }): Promise<ShiftAssignment | null> {
      const now = await platformNow(db)
      const window = a.shift ? shiftWindowOf(a.shift, a.date ?? shiftAt(now).date) : shiftAt(now)
      const details = { change: a.nurseUserId ? 'assign' : 'unassign', shift: window.shift, date: window.date, nurse: a.nurseUserId }
      await enter(patientId, { action: 'change', resourceType: 'ShiftAssignment', details }, ASSIGNER_ROLES, () => new ERRORS.shiftAssignerRequired())
      if (window.endsAt <= now) throw new ERRORS.shiftEnded()
      const result = await setShiftAssignment(db, {
        tenantId: actor.tenantId, patientId, shiftDate: window.date, shift: window.shift, nurseUserId: a.nurseUserId, byUserId: userIdOf(actor),
      })
      if (!result.ok) throw new ASSIGN_FAILURES[result.code]()
      return result.assignment
    },
  }
}
