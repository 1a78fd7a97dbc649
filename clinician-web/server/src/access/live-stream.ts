import { accessiblePatientIds, findSessionUser, readOwnPatient } from '@varde/db'
import { hasRole } from './actor.js'
import { userIdOf, type AccessContext } from './context.js'

/**
 * A live event stream (SSE): opening it is the one log entry, saying how
 * many patients it covers; what it pushes later is filtered by the set read
 * here and refreshed by `refresh` (not logged: the server's doing, not a new
 * read by the caller) every minute and at once when a care-team write
 * announces a change (routes/events.ts).
 */
/** What one stream pushed of one patient in a span. */
export interface PushCount { measurements: number; alerts: number; from: Date; to: Date }

export function streamAccess({ db, actor, audit }: AccessContext) {
  /**
   * Whose events the stream carries: the patients of the caller's care
   * relationships, and for a patient user her own patient alone (issue 25,
   * docs/decisions/0039: she is on no care team, docs/decisions/0031), taken
   * from her session's user, never from the request.
   */
  const visible = async (): Promise<Set<string>> => {
    if (!hasRole(actor, ['patient'])) return accessiblePatientIds(db, actor.tenantId, userIdOf(actor))
    const own = actor.userId ? await readOwnPatient(db, actor.tenantId, actor.userId) : null
    return new Set(own ? [own.id] : [])
  }
  return {
    async open(): Promise<Set<string>> {
      const patients = await visible()
      await audit.one({ action: 'subscribe', resourceType: 'EventStream', outcome: 'allowed', details: { patients: patients.size } })
      return patients
    },
    /**
     * What the stream pushed since the last call, one entry per patient with the counts and the time span
     * (issue 19: what was pushed to whom). Summed by the stream rather than a row per push, which would
     * log the server's doing at the rate readings arrive.
     */
    pushed: async (pushes: ReadonlyMap<string, PushCount>): Promise<void> => {
      if (pushes.size === 0) return
      await audit.many([...pushes].map(([patientId, c]) => ({
        action: 'push', resourceType: 'EventStream', patientId, outcome: 'allowed' as const,
        details: { measurements: c.measurements, alerts: c.alerts, from: c.from.toISOString(), to: c.to.toISOString() },
      })))
    },
    refresh: visible,
    /**
     * The session the stream was opened with still holds (not ended, expired, idle longer than `idleMs`
     * or its user disabled). Asking does not keep it alive: an open page is no user's activity.
     */
    isSessionLive: async (token: string, idleMs: number): Promise<boolean> => (await findSessionUser(db, token, idleMs, false)) !== null,
  }
}
