import {
  endedServiceSchema, endServiceBody, errorBody, idParams, selfCarePlanBody, serviceCourseSchema, thresholdProposalsSchema, type ServiceCourse,
  type ThresholdProposals,
} from '@varde/api-contract'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { LiveEvents } from '../live-events.js'
import { accessOf, requireUser } from '../plugins/auth.js'
import { orderDisconnect } from '../revocation-order.js'

/**
 * The patient's course of service (issue 17, docs/decisions/0017): its state
 * with history and reasons, the start-up period, the self-care plan
 * (egenbehandlingsplan), and ending the service. Pauses are
 * /api/patients/:id/pauses (patient-rules.ts).
 */
export const serviceCourseRoutes: FastifyPluginAsyncZod<{ live: LiveEvents }> = async (app, { live }) => {
  app.addHook('preHandler', requireUser)

  app.get('/api/patients/:id/service', {
    config: { access: 'patient' },
    schema: {
      tags: ['service'], summary: 'The patient\'s course of service: state and its history, start-up period, self-care plan',
      params: idParams, response: { 200: serviceCourseSchema, 404: errorBody },
    },
  }, async (request): Promise<ServiceCourse> => {
    const c = await accessOf(request).serviceCourse.read(request.params.id)
    return {
      patientId: c.patientId, state: c.state, contactPhone: c.contactPhone, selfCarePlan: c.selfCarePlan,
      selfCarePlanUpdatedAt: c.selfCarePlanUpdatedAt?.toISOString() ?? null, selfCarePlanUpdatedBy: c.selfCarePlanUpdatedBy,
      enrolledAt: c.enrolledAt.toISOString(), startupEndsAt: c.startupEndsAt?.toISOString() ?? null, isStartupOver: c.isStartupOver,
      endedAt: c.endedAt?.toISOString() ?? null, canChange: c.canChange,
      history: c.history.map((h) => ({ ...h, at: h.at.toISOString() })),
    }
  })

  app.put('/api/patients/:id/self-care-plan', {
    config: { access: 'patient' },
    schema: {
      tags: ['service'], summary: 'Replace the self-care plan (egenbehandlingsplan) nurses read on the patient page',
      params: idParams, body: selfCarePlanBody, response: { 204: z.null(), 400: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (request, reply) => {
    await accessOf(request).serviceCourse.setSelfCarePlan(request.params.id, request.body.text)
    return reply.code(204).send(null)
  })

  app.get('/api/patients/:id/threshold-proposals', {
    config: { access: 'patient' },
    schema: {
      tags: ['service'], summary: 'Personal thresholds proposed from the start-up readings, each with what it would have done',
      description: 'Once the start-up period is over (platform clock): per threshold rule whose defaults the patient\'s own readings often fell outside, '
        + 'proposed limits, and the alerts the rules with them would have raised over the period, beside those the current rules raise when replayed '
        + '(the same rules engine over the stored readings) and those actually raised. Accepting one is a rule change: PUT /api/patients/:id/rules/:ruleId with its params.',
      params: idParams, response: { 200: thresholdProposalsSchema, 404: errorBody, 500: errorBody },
    },
  }, async (request): Promise<ThresholdProposals> => {
    const r = await accessOf(request).serviceCourse.proposals(request.params.id)
    const json = (a: { alertKey: string; severity: 'red' | 'yellow'; count: number; firstTriggeredAt: Date }) => ({
      alertKey: a.alertKey, severity: a.severity, count: a.count, firstTriggeredAt: a.firstTriggeredAt.toISOString(),
    })
    return {
      patientId: r.course.patientId, startupFrom: r.from.toISOString(), startupTo: r.to.toISOString(), isStartupOver: r.isStartupOver,
      raised: r.raised.map(json), current: r.current.map(json),
      proposals: r.proposals.map((p) => ({ ruleId: p.ruleId, params: { ...p.params }, basis: p.basis, proposed: p.proposed.map(json) })),
    }
  })

  app.post('/api/patients/:id/service/end', {
    config: { access: 'patient' },
    schema: {
      tags: ['service'], summary: 'End the service: gateways revoked and cut off at once, devices unpaired, open alerts resolved (`service-ended`)',
      description: 'The data is kept; the patient leaves every list. 409 `service-ended` when it has already ended. Only a nurse or clinician on the care team.',
      params: idParams, body: endServiceBody, response: { 200: endedServiceSchema, 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request) => {
    const ended = await accessOf(request).serviceCourse.end(request.params.id, request.body.reason)
    await Promise.all(ended.revokedGatewayIds.map((id) => orderDisconnect(live, request.log, id)))
    return ended
  })
}
