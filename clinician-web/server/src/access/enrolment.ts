import { enrolPatient, type Enrolment } from '@varde/db'
import { checkNationalId } from '@varde/domain'
import { ERRORS } from '../errors/api-errors.js'
import { hasRole } from './actor.js'
import type { AccessContext } from './context.js'

/**
 * Enrolling a patient (issue 17), for a tenant's administrator: the national
 * id or D-number must be valid by its check digits and name a day, and be
 * new in the tenant. The patient and its log entry are one statement
 * (packages/db enrolment.ts); every refusal is logged here.
 */
export function enrolmentAccess({ db, actor, audit, where }: AccessContext) {
  return {
    async requireAdmin(): Promise<void> {
      if (hasRole(actor, ['admin'])) return
      await audit.one({ action: 'patient.enrol', resourceType: 'Patient', resourceId: null, outcome: 'denied', details: where() })
      throw new ERRORS.enrolAdminRequired()
    },

    async enrol(e: Enrolment): Promise<{ patientId: string }> {
      const check = checkNationalId(e.nationalId)
      if (!check.isValid) throw new ERRORS.invalidNationalId(check.problem)
      const result = await enrolPatient(db, { tenantId: actor.tenantId, userId: actor.userId, name: actor.username }, e)
      if (!result.ok) {
        await audit.one({ action: 'patient.enrol', resourceType: 'Patient', resourceId: null, outcome: 'denied', details: { reason: result.code } })
        throw new ERRORS.alreadyEnrolled()
      }
      return { patientId: result.patientId }
    },
  }
}
