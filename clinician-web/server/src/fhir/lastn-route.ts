import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ERRORS } from '../errors/api-errors.js'
import { accessOf } from '../plugins/auth.js'
import { KINDS, kindsForCode } from './observation-codes.js'
import { observationResource, searchBundle } from './resources.js'
import { observationSchema, refusals, searchsetSchema } from './response-schemas.js'
import { baseUrl, orAnswer, sendResource } from './reply.js'
import { handlingOf } from './search-controls.js'
import { lastnQuery } from './search-params.js'

const VITAL_SIGNS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category'

/**
 * `GET /fhir/Observation/$lastn` (issue 21; R4 observation-operation-lastn):
 * the newest `max` Observations of each code for one patient, newest first
 * within a code, as a searchset Bundle. Through the access layer as one
 * audited search (care relationship checked, a patient the caller does not
 * care for is a 403, as for the search). Every Observation served is a vital
 * sign: `category=vital-signs` finds them all, another category none.
 */
export const lastnRoute: FastifyPluginAsyncZod = async (app) => {
  app.get('/Observation/$lastn', {
    config: { access: 'patient' },
    schema: { hide: true, querystring: lastnQuery, response: { 200: searchsetSchema(observationSchema), ...refusals } },
  }, async (request, reply) => {
    const q = request.query
    const patientId = q.patient ?? q.subject
    if (!patientId) throw new ERRORS.fhirParameterRequired('The patient parameter is required (or subject)')
    let kinds: readonly string[] = KINDS
    if (q.code !== undefined) {
      const named = kindsForCode(q.code, 'code')
      if (named === null) throw new ERRORS.fhirNotSupported('Only LOINC codes (http://loinc.org) are supported')
      kinds = named
    }
    if (q.category !== undefined) {
      const isVitalSigns = q.category.split(',').some((c) => c === 'vital-signs' || c === `${VITAL_SIGNS_CATEGORY}|vital-signs`)
      if (!isVitalSigns && handlingOf(request) === 'strict' && q.category.split(',').some((c) => c.includes('|') && !c.startsWith(`${VITAL_SIGNS_CATEGORY}|`)))
        throw new ERRORS.fhirNotSupported(`Only the category system ${VITAL_SIGNS_CATEGORY} is supported`)
      if (!isVitalSigns) kinds = []
    }
    const details = { code: q.code, category: q.category, max: q.max }
    const rows = await orAnswer(accessOf(request).fhir.lastN(patientId, kinds, q.max, details), () => new ERRORS.fhirNoCareRelationship())
    const params = new URLSearchParams({ patient: patientId, ...(q.code ? { code: q.code } : {}), ...(q.category ? { category: q.category } : {}), max: String(q.max) })
    return sendResource(reply, 200, searchBundle(`${baseUrl(request)}/Observation/$lastn?${params.toString()}`, rows.map(observationResource), baseUrl(request)))
  })
}
