import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ERRORS } from '../errors/api-errors.js'
import { accessOf } from '../plugins/auth.js'
import { careTeamResource } from './care-team-resource.js'
import { searchBundle } from './resources.js'
import { careTeamSchema, refusals, searchsetSchema } from './response-schemas.js'
import { baseUrl, orAnswer, sendResource } from './reply.js'
import { careTeamQuery, resourceIdParams } from './search-params.js'

/**
 * `CareTeam` (platform-contract.md "FHIR R4"): a patient's care team, one
 * resource whose id is the patient's. Search by patient: a patient the caller
 * has no active relationship with is a 403, as for Observation; a read of one
 * is a 404, as for every read. One access-log entry each (access/care-team.ts).
 */
export const careTeamRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/CareTeam', {
    config: { access: 'patient' }, schema: { hide: true, querystring: careTeamQuery, response: { 200: searchsetSchema(careTeamSchema), ...refusals } },
  }, async (request, reply) => {
    const patientId = request.query.patient ?? request.query.subject
    if (!patientId) throw new ERRORS.fhirParameterRequired('The patient parameter is required')
    const members = await orAnswer(accessOf(request).careTeam.members(patientId, { action: 'search' }), () => new ERRORS.fhirNoCareRelationship())
    const self = `${baseUrl(request)}/CareTeam?patient=${encodeURIComponent(patientId)}`
    return sendResource(reply, 200, searchBundle(self, [careTeamResource(patientId, members)], baseUrl(request)))
  })

  app.get('/CareTeam/:id', {
    config: { access: 'patient' }, schema: { hide: true, params: resourceIdParams, response: { 200: careTeamSchema, ...refusals } },
  }, async (request, reply) => {
    const { id } = request.params
    const members = await orAnswer(accessOf(request).careTeam.members(id, { action: 'read' }), () => new ERRORS.fhirResourceNotFound(`CareTeam/${id}`))
    return sendResource(reply, 200, careTeamResource(id, members))
  })
}
