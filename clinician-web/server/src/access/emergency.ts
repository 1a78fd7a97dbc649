import { findPasswordHash, openEmergencyAccess, verifySecret, type EmergencyGrant } from '@varde/db'
import { ERRORS } from '../errors/api-errors.js'
import { hasRole } from './actor.js'
import { userIdOf, type AccessContext } from './context.js'

/** Who may break the glass: those who give care (not an administrator, a privacy officer, a patient or an outside GP). */
const EMERGENCY_ROLES = ['nurse', 'clinician'] as const

/**
 * Emergency access (nødrett, break the glass; issue 18/19, migration 0020):
 * a nurse or clinician without a care relationship states why, says the
 * password again (a local-password session: someone at an unlocked screen
 * cannot), and reads the patient for 4 hours on the platform clock. The
 * grant's access-log entry is written with it; a refusal gets its own. Log
 * control flags the grant and every read under it.
 */
export function emergencyAccess({ db, actor, audit, where }: AccessContext) {
  return {
    async open(patientId: string, reason: string, password: string): Promise<EmergencyGrant> {
      const refuse = async (why: string) => audit.one({
        action: 'emergency-access', resourceType: 'Patient', resourceId: patientId, patientId: null, outcome: 'denied',
        details: { ...where(), why, reason },
      })
      if (!hasRole(actor, EMERGENCY_ROLES) || actor.kind !== 'staff') {
        await refuse('role')
        throw new ERRORS.emergencyRoleRequired()
      }
      const userId = userIdOf(actor)
      if (!(await verifySecret(await findPasswordHash(db, actor.tenantId, userId), password))) {
        await refuse('password')
        throw new ERRORS.wrongPassword()
      }
      const grant = await openEmergencyAccess(db, { tenantId: actor.tenantId, userId, username: actor.username, patientId, reason })
      if (!grant) {
        await refuse('no-such-patient')
        throw new ERRORS.patientNotFound()
      }
      return grant
    },
  }
}
