import { accessiblePatientIds, findSessionUser } from '@varde/db'
import { userIdOf, type AccessContext } from './context.js'

/**
 * A live event stream (SSE): opening it is the one log entry, saying how
 * many patients it covers; what it pushes later is filtered by the set read
 * here and refreshed by `refresh` (not logged: the server's doing, not a new
 * read by the caller) every minute and at once when a care-team write
 * announces a change (routes/events.ts).
 */
export function streamAccess({ db, actor, audit }: AccessContext) {
  return {
    async open(): Promise<Set<string>> {
      const patients = await accessiblePatientIds(db, actor.tenantId, userIdOf(actor))
      await audit.one({ action: 'subscribe', resourceType: 'EventStream', outcome: 'allowed', details: { patients: patients.size } })
      return patients
    },
    refresh: (): Promise<Set<string>> => accessiblePatientIds(db, actor.tenantId, userIdOf(actor)),
    /**
     * The session the stream was opened with still holds (not ended, expired, idle longer than `idleMs`
     * or its user disabled). Asking does not keep it alive: an open page is no user's activity.
     */
    isSessionLive: async (token: string, idleMs: number): Promise<boolean> => (await findSessionUser(db, token, idleMs, false)) !== null,
  }
}
