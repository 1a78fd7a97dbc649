import { enrolBody, enrolledSchema, errorBody } from '@varde/api-contract'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { accessOf, requireUser } from '../plugins/auth.js'

/**
 * Enrolment (issue 17; henvisning → vedtak → oppstart): a tenant's
 * administrator writes a patient in from the national identity number or
 * D-number, checked by its check digits (400 `invalid-national-id`, saying
 * which check failed); a second enrolment of the same number in the tenant
 * is refused (409 `already-enrolled`) and changes nothing. The tenant's
 * response centre (its nurses and clinicians) is put on the care team, and
 * the start-up period (2–4 weeks) begins.
 */
export const adminPatientRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireUser)
  app.addHook('preHandler', async (request) => accessOf(request).enrolment.requireAdmin())

  app.post('/api/admin/patients', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Enrol a patient from the national identity number or D-number',
      body: enrolBody,
      response: { 201: enrolledSchema, 400: errorBody, 403: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const b = request.body
    const enrolled = await accessOf(request).enrolment.enrol({
      nationalId: b.nationalId.trim(), displayName: b.displayName, birthDate: b.birthDate ?? null, conditions: [...new Set(b.conditions)],
      contactPhone: b.contactPhone ?? null, startupDays: b.startupDays,
    })
    return reply.code(201).send({ id: enrolled.patientId })
  })
}
