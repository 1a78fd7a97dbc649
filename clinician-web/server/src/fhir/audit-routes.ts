import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { auditEntryIdParams } from '@varde/api-contract'
import { ERRORS } from '../errors/api-errors.js'
import { accessOf } from '../plugins/auth.js'
import { auditEventResource } from './audit-event.js'
import { searchBundle } from './resources.js'
import { auditEventSchema, refusals, searchsetSchema } from './response-schemas.js'
import { baseUrl, orAnswer, sendResource } from './reply.js'
import { auditEventQuery } from './search-params.js'

/**
 * `GET /fhir/AuditEvent?patient=&date=` and `GET /fhir/AuditEvent/{id}`
 * (platform-contract.md): who accessed the patient's data, when, what and
 * why, readable by the tenant's privacy officer and by the patient themself,
 * by nobody else (403 for a search, 404 for a read). One access-log entry
 * per call. The log is written as each access happens (the batcher waits for
 * the commit), so an access is here at once, well within the contract's 5 s.
 */
export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/AuditEvent', {
    config: { access: 'log' }, schema: { hide: true, querystring: auditEventQuery, response: { 200: searchsetSchema(auditEventSchema), ...refusals } },
  }, async (request, reply) => {
    const q = request.query
    if (!q.patient) throw new ERRORS.fhirParameterRequired('The patient parameter is required')
    const range: { from?: Date; to?: Date } = {}
    for (const d of q.date) {
      if (d.prefix === 'ge' || d.prefix === 'gt') range.from = d.at
      else if (d.prefix === 'le' || d.prefix === 'lt') range.to = d.isDay && d.prefix === 'le' ? new Date(d.at.getTime() + 86_400_000) : d.at
      else { range.from = d.at; range.to = new Date(d.at.getTime() + (d.isDay ? 86_400_000 : 1)) }
    }
    const report = await orAnswer(accessOf(request).logControl.patientReport(q.patient, { ...range, limit: q._count }), () => new ERRORS.fhirAuditForbidden())
    const params = new URLSearchParams({ patient: q.patient })
    for (const d of q.date) params.append('date', d.raw)
    return sendResource(reply, 200, searchBundle(`${baseUrl(request)}/AuditEvent?${params.toString()}`, report.items.map(auditEventResource), baseUrl(request)))
  })

  app.get('/AuditEvent/:id', {
    config: { access: 'log' }, schema: { hide: true, params: auditEntryIdParams, response: { 200: auditEventSchema, ...refusals } },
  }, async (request, reply) => {
    const { id } = request.params
    try {
      return sendResource(reply, 200, auditEventResource(await accessOf(request).logControl.auditEvent(id)))
    } catch (error) {
      throw error instanceof ERRORS.auditEntryNotFound ? new ERRORS.fhirResourceNotFound(`AuditEvent/${id}`) : error
    }
  })
}
