import { CONDITION_IDS } from '@varde/domain'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorBody, storableText } from '../input-schemas.js'
import { accessOf, requireUser } from '../plugins/auth.js'

const conditions = CONDITION_IDS.filter((c) => c !== 'general') as Exclude<(typeof CONDITION_IDS)[number], 'general'>[]

/**
 * Enrolment (issue 17; henvisning → vedtak → oppstart): a tenant's
 * administrator writes a patient in from the national identity number or
 * D-number, checked by its check digits (400 `invalid-national-id`, saying
 * which check failed); a second enrolment of the same number in the tenant
 * is refused (409 `already-enrolled`) and changes nothing.
 */
export const adminPatientRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireUser)
  app.addHook('preHandler', async (request) => accessOf(request).enrolment.requireAdmin())

  app.post('/api/admin/patients', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Enrol a patient from the national identity number or D-number',
      body: z.object({
        nationalId: z.string().max(20).describe('11 digits: fødselsnummer or D-number'),
        displayName: storableText(200, { trim: true, min: 1 }),
        birthDate: z.iso.date().optional(),
        conditions: z.array(z.enum(conditions)).max(conditions.length).default([]),
      }).strict(),
      response: { 201: z.object({ id: z.string() }), 400: errorBody, 403: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const b = request.body
    const enrolled = await accessOf(request).enrolment.enrol({
      nationalId: b.nationalId.trim(), displayName: b.displayName, birthDate: b.birthDate ?? null, conditions: [...new Set(b.conditions)],
    })
    return reply.code(201).send({ id: enrolled.patientId })
  })
}
