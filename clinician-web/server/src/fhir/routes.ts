import type { FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { apiCodeOf, codeForStatus, ERRORS, fhirIssueFor, isApiFailure } from '../errors/api-errors.js'
import { accessOf } from '../plugins/auth.js'
import {
  capabilityStatement, deviceResource, NATIONAL_ID_SYSTEM, observationResource, operationOutcome, patientResource,
  searchBundle, typesForCode, type Resource,
} from './resources.js'
import { encodeCursor, identifierQuery, observationQuery, resourceIdParams } from './search-params.js'

const FHIR_JSON = 'application/fhir+json; charset=utf-8'

const send = (reply: FastifyReply, status: number, body: Resource) => reply.code(status).type(FHIR_JSON).send(body)
/** Registered under the prefix `/fhir`. */
const baseUrl = (request: FastifyRequest) => `${request.protocol}://${request.host}/fhir`

/** A patient the caller may not see, said FHIR's way (`as`: the error FHIR answers with instead). */
async function orAnswer<T>(read: Promise<T>, as: () => Error): Promise<T> {
  try {
    return await read
  } catch (error) {
    throw error instanceof ERRORS.patientNotFound ? as() : error
  }
}

/**
 * FHIR R4 read API (platform-contract.md "FHIR R4"), registered under `/fhir`.
 * Every read goes through the access layer (access/access.ts), which checks
 * the caller's care relationship and writes the access log; without one the
 * caller never gets the data: 403 for a read of one patient's data, and for
 * a search the same empty searchset whether the identifier exists or not
 * (issue 14). Every refusal, malformed parameters included, is an
 * OperationOutcome built from the API's error registry (errors/api-errors.ts).
 */
export const fhirRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) return send(reply, 400, operationOutcome('value', error.message))
    const status = (error as { statusCode?: number }).statusCode ?? 500
    if (status >= 500) {
      request.log.error({ err: error }, 'FHIR request failed')
      return send(reply, 500, operationOutcome('exception', 'Internal error', 'fatal'))
    }
    const code = isApiFailure(error) ? apiCodeOf(error) : codeForStatus(status)
    return send(reply, status, operationOutcome(fhirIssueFor(code), (error as Error).message))
  })
  app.setNotFoundHandler(() => { throw new ERRORS.fhirNoEndpoint() })

  app.get('/metadata', { config: { access: 'none' }, schema: { hide: true } }, async (request, reply) => send(reply, 200, capabilityStatement(baseUrl(request))))

  // the protected routes are a sibling context of the public one (STYLE.md "Encapsulation is the boundary")
  await app.register(async (secured) => {
    secured.addHook('preHandler', async (request) => {
      if (!request.user) throw new ERRORS.fhirLoginRequired()
    })
    await secured.register(readRoutes)
  })
}

const readRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/Patient/:id', { config: { access: 'patient' }, schema: { hide: true, params: resourceIdParams } }, async (request, reply) => {
    const { id } = request.params
    const patient = await orAnswer(accessOf(request).patients.read(id, { api: 'fhir' }), () => new ERRORS.fhirResourceNotFound(`Patient/${id}`))
    return send(reply, 200, patientResource(patient))
  })

  app.get('/Patient', { config: { access: 'patient' }, schema: { hide: true, querystring: identifierQuery } }, async (request, reply) => {
    const { identifier } = request.query
    if (!identifier) throw new ERRORS.fhirParameterRequired('Search by identifier=urn:oid:2.16.578.1.12.4.1.4.1|<fødselsnummer>')
    const [system, value] = identifier.includes('|') ? identifier.split('|') : [NATIONAL_ID_SYSTEM, identifier]
    const patients = await accessOf(request).searches.patientsByNationalId(system === NATIONAL_ID_SYSTEM && value ? value : null)
    // a patient the caller does not care for is left out, as one that does not exist (the refusal is in the access log)
    return send(reply, 200, searchBundle(`${baseUrl(request)}/Patient?identifier=${encodeURIComponent(identifier)}`, patients.map(patientResource), baseUrl(request)))
  })

  app.get('/Device', { config: { access: 'patient' }, schema: { hide: true, querystring: identifierQuery } }, async (request, reply) => {
    const { identifier } = request.query
    if (!identifier) throw new ERRORS.fhirParameterRequired('Search by identifier=<gateway id or device id>')
    const value = identifier.includes('|') ? identifier.slice(identifier.indexOf('|') + 1) : identifier
    const devices = await accessOf(request).searches.devicesByIdentifier(value)
    // as for Patient: a device of a patient the caller does not care for is left out, as one that does not exist
    return send(reply, 200, searchBundle(`${baseUrl(request)}/Device?identifier=${encodeURIComponent(identifier)}`, devices.map(deviceResource), baseUrl(request)))
  })

  app.get('/Observation', { config: { access: 'patient' }, schema: { hide: true, querystring: observationQuery } }, async (request, reply) => {
    const q = request.query
    const patientId = q.patient ?? q.subject
    if (!patientId) throw new ERRORS.fhirParameterRequired('The patient parameter is required')
    const code = q.code
    const types = code ? typesForCode(code) : undefined
    if (types === null) throw new ERRORS.fhirNotSupported('Only LOINC codes (http://loinc.org) are supported')
    const range: { from?: Date; to?: Date } = {}
    for (const d of q.date) {
      if (d.prefix === 'ge' || d.prefix === 'gt') range.from = d.at
      else if (d.prefix === 'le' || d.prefix === 'lt') range.to = d.at
      else { range.from = d.at; range.to = d.isDay ? new Date(d.at.getTime() + 86_399_999) : d.at }
    }
    const count = q._count
    const cursor = q._cursor
    const rows = await orAnswer(accessOf(request).patients.measurements(patientId, {
      limit: count + 1, ...(types ? { types } : {}), ...range,
      ...(cursor ? { after: { measuredAt: cursor.measuredAt, id: cursor.id } } : {}),
    }, { action: 'search', details: { api: 'fhir', code, date: q.date.map((d) => d.raw) } }), () => new ERRORS.fhirNoCareRelationship())
    if (types && types.length === 0) return send(reply, 200, searchBundle(selfUrl(), [], baseUrl(request)))
    const page = rows.slice(0, count)
    const last = page.at(-1)
    const next = rows.length > count && last ? selfUrl(encodeCursor({ measuredAt: last.measuredAt, id: last.id })) : undefined
    return send(reply, 200, searchBundle(selfUrl(cursor?.raw), page.map(observationResource), baseUrl(request), next))

    function selfUrl(withCursor?: string): string {
      const params = new URLSearchParams()
      params.set('patient', patientId!)
      if (code) params.set('code', code)
      for (const d of q.date) params.append('date', d.raw)
      params.set('_count', String(count))
      if (withCursor) params.set('_cursor', withCursor)
      return `${baseUrl(request)}/Observation?${params.toString()}`
    }
  })
}
