import { CARE_ROLES, endService, findPatientForUser, listRuleOverrides, loadStartupReadings, platformNow, readServiceCourse, setSelfCarePlan, type ServiceCourse, type StoredReading } from '@varde/db'
import {
  INTERNAL_TOPICS, proposeThresholds, replayAlerts, resolvePatientRules, RuleError, type ReplayedAlert, type RuleOverride, type ThresholdProposal,
} from '@varde/domain'
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
  const readConditions = async (patientId: string) => (await findPatientForUser(db, actor.tenantId, userIdOf(actor), patientId))?.conditions ?? []
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

    /**
     * Personal thresholds proposed from the start-up readings, each with its
     * what-if: the alerts the rules with it, and the current rules, raise over
     * the start-up period, replayed by the rules' own entry point
     * (@varde/domain replayAlerts). Proposed only once the period is over.
     */
    async proposals(patientId: string): Promise<{
      course: ServiceCourse; isStartupOver: boolean; from: Date; to: Date; raised: Awaited<ReturnType<typeof loadStartupReadings>>['raised']
      current: ReplayedAlert[]; proposals: (ThresholdProposal & { proposed: ReplayedAlert[] })[]
    }> {
      const userId = userIdOf(actor)
      const course = await readServiceCourse(db, { tenantId: actor.tenantId, userId, patientId })
      await audit.one({ action: 'read', resourceType: 'ThresholdProposal', resourceId: patientId, patientId: course?.patientId ?? null, outcome: course ? 'allowed' : 'denied' })
      if (!course) throw new ERRORS.patientNotFound()
      const now = await platformNow(db)
      const from = course.enrolledAt
      const to = course.startupEndsAt ?? course.enrolledAt
      const isStartupOver = to.getTime() <= now.getTime()
      const overrides: RuleOverride[] = await listRuleOverrides(db, { tenantId: actor.tenantId, userId, patientId: course.patientId })
      const conditions = (await readConditions(patientId))
      let ruleSet
      try {
        ruleSet = resolvePatientRules(conditions, overrides)
      } catch (error) {
        if (!(error instanceof RuleError)) throw error
        throw new ERRORS.invalidStoredRules(error.detail)
      }
      const { readings, raised } = await loadStartupReadings(db, { tenantId: actor.tenantId, patientId: course.patientId, from, to })
      // as the worker judged them: by stored batch (gateway/batch/measurement ids), when received
      const arrival = (r: StoredReading) => ({ batch: r.measurementId.slice(0, r.measurementId.lastIndexOf('/')), at: r.receivedAt })
      const current = replayAlerts({ ruleSet, readings, from, to, arrival })
      if (!isStartupOver) return { course, isStartupOver, from, to, raised, current, proposals: [] }
      const inPeriod = readings.filter((r) => r.measuredAt >= from && r.measuredAt < to)
      const proposals = proposeThresholds(ruleSet, inPeriod).map((p) => {
        const withIt = resolvePatientRules(conditions, [...overrides, {
          ruleId: p.ruleId, version: Number.MAX_SAFE_INTEGER, params: p.params, setBy: { id: userId }, setAt: from, reason: null,
        }])
        return { ...p, proposed: replayAlerts({ ruleSet: withIt, readings, from, to, arrival }) }
      })
      return { course, isStartupOver, from, to, raised, current, proposals }
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
