import { findPasswordHash, openEmergencyAccess, verifySecret, type EmergencyGrant } from '@varde/db'
import { ERRORS } from '../errors/api-errors.js'
import { hasRole } from './actor.js'
import { userIdOf, type AccessContext } from './context.js'
import { assertRecentAuth, EMERGENCY_REAUTH_SECONDS } from './recent-auth.js'

/** Who may break the glass: those who give care (not an administrator, a privacy officer, a patient or an outside GP). */
const EMERGENCY_ROLES = ['nurse', 'clinician'] as const

/**
 * Emergency access (nødrett, break the glass; issue 18/19, migration 0020):
 * a nurse or clinician without a care relationship states why, proves again
 * who they are (someone at an unlocked screen cannot): a password session
 * says the password again; a HelseID session must come from a login at most
 * 5 minutes old (the portal sends the user through HelseID with
 * prompt=login and max_age; issue 24), and the grant's entry keeps that
 * login's auth_time. The user then reads the patient for 4 hours on the
 * platform clock. The grant's access-log entry is written with it; a refusal
 * gets its own. Log control flags the grant and every read under it.
 */
export function emergencyAccess({ db, actor, audit, where }: AccessContext) {
  return {
    /** `password`: a password session's password; a HelseID session's is not asked (it has none to say). */
    async open(patientId: string, reason: string, password: string | undefined): Promise<EmergencyGrant> {
      const refuse = async (why: string) => audit.one({
        action: 'emergency-access', resourceType: 'Patient', resourceId: patientId, patientId: null, outcome: 'denied',
        details: { ...where(), why, reason },
      })
      if (!hasRole(actor, EMERGENCY_ROLES) || actor.kind !== 'staff') {
        await refuse('role')
        throw new ERRORS.emergencyRoleRequired()
      }
      const userId = userIdOf(actor)
      const authentication = actor.authentication
      let proof: Record<string, unknown>
      if (authentication?.method === 'helseid') {
        try {
          assertRecentAuth(authentication.time, EMERGENCY_REAUTH_SECONDS)
        } catch (error) {
          await refuse('reauthentication')
          throw error
        }
        proof = { authentication: { method: 'helseid', authTime: authentication.time.toISOString() }, ...(actor.helseId ? { helseid: actor.helseId } : {}) }
      } else {
        if (password === undefined || !(await verifySecret(await findPasswordHash(db, actor.tenantId, userId), password))) {
          await refuse('password')
          throw new ERRORS.wrongPassword()
        }
        proof = { authentication: { method: 'password' } }
      }
      const grant = await openEmergencyAccess(db, { tenantId: actor.tenantId, userId, username: actor.username, patientId, reason, proof })
      if (!grant) {
        await refuse('no-such-patient')
        throw new ERRORS.patientNotFound()
      }
      return grant
    },
  }
}
