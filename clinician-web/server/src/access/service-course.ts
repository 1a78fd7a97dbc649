import { CARE_ROLES, endService, platformNow, readServiceCourse, setSelfCarePlan, type ServiceCourse } from '@varde/db'
import { INTERNAL_TOPICS } from '@varde/domain'
import { ERRORS } from '../errors/api-errors.js'
import { dbActorOf, hasRole } from './actor.js'
import { userIdOf, type AccessContext } from './context.js'

/**
 * The patient's course of service (issue 17, docs/decisions/0017): anyone
 * who gives the patient care reads it; a nurse or clinician on the care team
 * writes the self-care plan and ends the service. Reads and refusals are
 * logged here; each write is logged by the statement that makes it
 * (packages/db service-course.ts).
 */
export function serviceCourseAccess({ db, actor, audit, where }: AccessContext) {
  const mayChange = hasRole(actor, CARE_ROLES)
  const requireCareRole = async (action: string, patientId: string) => {
    if (mayChange) return
    await audit.one({ action, resourceType: 'Patient', resourceId: patientId, outcome: 'denied', details: where() })
    throw new ERRORS.careRoleRequired()
  }
  const denied = async (action: string, patientId: string) => {
    await audit.one({ action, resourceType: 'Patient', resourceId: patientId, outcome: 'denied' })
    return new ERRORS.patientNotFound()
  }
  return {
    async read(patientId: string): Promise<ServiceCourse & { isStartupOver: boolean; canChange: boolean }> {
      const course = await readServiceCourse(db, { tenantId: actor.tenantId, userId: userIdOf(actor), patientId })
      await audit.one({ action: 'read', resourceType: 'ServiceCourse', resourceId: patientId, patientId: course?.patientId ?? null, outcome: course ? 'allowed' : 'denied' })
      if (!course) throw new ERRORS.patientNotFound()
      const now = await platformNow(db)
      return { ...course, isStartupOver: course.startupEndsAt !== null && course.startupEndsAt.getTime() <= now.getTime(), canChange: mayChange && course.state !== 'ended' }
    },

    async setSelfCarePlan(patientId: string, text: string): Promise<void> {
      await requireCareRole('patient.self-care-plan', patientId)
      if (!(await setSelfCarePlan(db, { actor: dbActorOf(actor), patientId, text }))) throw await denied('patient.self-care-plan', patientId)
    },

    /** Ends the service; the caller orders the broker to cut off the revoked gateways. */
    async end(patientId: string, reason: string): Promise<{ revokedGatewayIds: string[]; resolvedAlerts: number }> {
      await requireCareRole('patient.end-service', patientId)
      const ended = await endService(db, { actor: dbActorOf(actor), patientId, reason, alertsTopic: INTERNAL_TOPICS.alertsChanged })
      if (ended.ok) return ended
      if (ended.code === 'already-ended') throw new ERRORS.serviceEnded()
      if (ended.code === 'forbidden') throw new ERRORS.careRoleRequired()
      throw await denied('patient.end-service', patientId)
    },
  }
}
