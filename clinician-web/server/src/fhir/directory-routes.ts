import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ERRORS } from '../errors/api-errors.js'
import { accessOf } from '../plugins/auth.js'
import { HPR_SYSTEM, ORGANISATION_NUMBER_SYSTEM } from './care-team-resource.js'
import { organizationResource, practitionerResource } from './directory-resources.js'
import { searchBundle } from './resources.js'
import { organizationSchema, practitionerSchema, refusals, searchsetSchema } from './response-schemas.js'
import { baseUrl, sendResource } from './reply.js'
import { identifierQuery, organizationIdParams, resourceIdParams } from './search-params.js'

/** `system|value` or `value` of a token parameter, the value only when the system is the one given (or left out). */
function tokenValue(token: string, system: string): string | null {
  if (!token.includes('|')) return token
  const [s, v] = [token.slice(0, token.indexOf('|')), token.slice(token.indexOf('|') + 1)]
  return s === system || s === '' ? v : null
}

/**
 * Who gives the care (issue 22): `Practitioner` (a user of the municipality
 * or a GP, by HPR number) and `Organization` (the municipality, by its
 * organisation number), read and searched. A practitioner is readable by a
 * caller who may read a care team naming them (the care relationship, as
 * every read); one the caller may not read is a 404, as an unknown one.
 * An Organization names the municipality only (public registry numbers):
 * still behind the login, but no patient's data, so no access-log entry.
 */
export const directoryRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/Practitioner', {
    config: { access: 'patient' }, schema: { hide: true, querystring: identifierQuery, response: { 200: searchsetSchema(practitionerSchema), ...refusals } },
  }, async (request, reply) => {
    const { identifier } = request.query
    const hprNumber = identifier === undefined ? undefined : tokenValue(identifier, HPR_SYSTEM)
    const found = hprNumber === null ? [] : await accessOf(request).fhir.practitioners(hprNumber ? { hprNumber } : {}, 'search')
    const self = `${baseUrl(request)}/Practitioner${identifier === undefined ? '' : `?identifier=${encodeURIComponent(identifier)}`}`
    return sendResource(reply, 200, searchBundle(self, found.map(practitionerResource), baseUrl(request)))
  })

  app.get('/Practitioner/:id', {
    config: { access: 'patient' }, schema: { hide: true, params: resourceIdParams, response: { 200: practitionerSchema, ...refusals } },
  }, async (request, reply) => {
    const { id } = request.params
    const [found] = await accessOf(request).fhir.practitioners({ id }, 'read')
    if (!found) throw new ERRORS.fhirResourceNotFound(`Practitioner/${id}`)
    return sendResource(reply, 200, practitionerResource(found))
  })

  app.get('/Organization', {
    config: { access: 'none' }, schema: { hide: true, querystring: identifierQuery, response: { 200: searchsetSchema(organizationSchema), ...refusals } },
  }, async (request, reply) => {
    const { identifier } = request.query
    const number = identifier === undefined ? undefined : tokenValue(identifier, ORGANISATION_NUMBER_SYSTEM)
    const found = number === null ? null : await accessOf(request).fhir.organization(number ? { organisationNumber: number } : {})
    const self = `${baseUrl(request)}/Organization${identifier === undefined ? '' : `?identifier=${encodeURIComponent(identifier)}`}`
    return sendResource(reply, 200, searchBundle(self, found ? [organizationResource(found)] : [], baseUrl(request)))
  })

  app.get('/Organization/:id', {
    config: { access: 'none' }, schema: { hide: true, params: organizationIdParams, response: { 200: organizationSchema, ...refusals } },
  }, async (request, reply) => {
    const { id } = request.params
    const found = await accessOf(request).fhir.organization({ id })
    if (!found) throw new ERRORS.fhirResourceNotFound(`Organization/${id}`)
    return sendResource(reply, 200, organizationResource(found))
  })
}
