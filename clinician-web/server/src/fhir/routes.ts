import {
  canAccessPatient, findDevicesByIdentifier, findPatientForUser, findPatientIdsByNationalId, listMeasurements, type Queryable,
} from '@varde/db'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import {
  capabilityStatement, deviceResource, NATIONAL_ID_SYSTEM, observationResource, operationOutcome, patientResource,
  searchBundle, typesForCode, type Resource,
} from './resources.js'
import { encodeCursor, identifierQuery, observationQuery, resourceIdParams } from './search-params.js'

const FHIR_JSON = 'application/fhir+json; charset=utf-8'

const send = (reply: FastifyReply, status: number, body: Resource) => reply.code(status).type(FHIR_JSON).send(body)
/** Registered under the prefix `/fhir`. */
const baseUrl = (request: FastifyRequest) => `${request.protocol}://${request.host}/fhir`

/**
 * FHIR R4 read API (platform-contract.md "FHIR R4"), registered under `/fhir`.
 * Every read is checked against the caller's care relationship and written
 * to the access log; without one the caller never gets the data: 403 for a
 * read of one patient's data, and for a search the same empty searchset
 * whether the identifier exists or not (issue 14). Every refusal, malformed
 * parameters included, is an OperationOutcome.
 */
export const fhirRoutes: FastifyPluginAsyncZod<{ db: Queryable }> = async (app, { db }) => {
  app.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) return send(reply, 400, operationOutcome('value', error.message))
    const status = (error as { statusCode?: number }).statusCode ?? 500
    if (status >= 500) {
      request.log.error({ err: error }, 'FHIR request failed')
      return send(reply, 500, operationOutcome('exception', 'Internal error', 'fatal'))
    }
    return send(reply, status, operationOutcome(status === 404 ? 'not-found' : status === 429 ? 'throttled' : 'invalid', (error as Error).message))
  })
  app.setNotFoundHandler((_request, reply) => send(reply, 404, operationOutcome('not-supported', 'No such FHIR endpoint (see /fhir/metadata)')))

  app.get('/metadata', { schema: { hide: true } }, async (request, reply) => send(reply, 200, capabilityStatement(baseUrl(request))))

  await app.register(async (secured) => {
    secured.addHook('preHandler', async (request, reply) => {
      if (!request.user) return send(reply, 401, operationOutcome('login', 'Authentication required (session cookie or Bearer token)'))
    })
    await secured.register(readRoutes, { db })
  })
}

const readRoutes: FastifyPluginAsyncZod<{ db: Queryable }> = async (app, { db }) => {
  app.get('/Patient/:id', { schema: { hide: true, params: resourceIdParams } }, async (request, reply) => {
    const u = request.user!
    const { id } = request.params
    const patient = await findPatientForUser(db, u.tenantId, u.userId, id)
    await request.audit({ action: 'read', resourceType: 'Patient', resourceId: id, patientId: patient?.id ?? null, outcome: patient ? 'allowed' : 'denied', details: { api: 'fhir' } })
    if (!patient) return send(reply, 404, operationOutcome('not-found', `Patient/${id} not found or not accessible`))
    return send(reply, 200, patientResource(patient))
  })

  app.get('/Patient', { schema: { hide: true, querystring: identifierQuery } }, async (request, reply) => {
    const u = request.user!
    const { identifier } = request.query
    if (!identifier) return send(reply, 400, operationOutcome('required', 'Search by identifier=urn:oid:2.16.578.1.12.4.1.4.1|<fødselsnummer>'))
    const [system, value] = identifier.includes('|') ? identifier.split('|') : [NATIONAL_ID_SYSTEM, identifier]
    const ids = system === NATIONAL_ID_SYSTEM && value ? await findPatientIdsByNationalId(db, u.tenantId, value) : []
    const visible: Resource[] = []
    for (const id of ids) {
      const p = await findPatientForUser(db, u.tenantId, u.userId, id)
      await request.audit({ action: 'search', resourceType: 'Patient', resourceId: id, patientId: id, outcome: p ? 'allowed' : 'denied', details: { api: 'fhir' } })
      if (p) visible.push(patientResource(p))
    }
    // a patient the caller does not care for is left out, as one that does not exist (the refusal is in the access log)
    return send(reply, 200, searchBundle(`${baseUrl(request)}/Patient?identifier=${encodeURIComponent(identifier)}`, visible, baseUrl(request)))
  })

  app.get('/Device', { schema: { hide: true, querystring: identifierQuery } }, async (request, reply) => {
    const u = request.user!
    const { identifier } = request.query
    if (!identifier) return send(reply, 400, operationOutcome('required', 'Search by identifier=<gateway id or device id>'))
    const value = identifier.includes('|') ? identifier.slice(identifier.indexOf('|') + 1) : identifier
    const devices = await findDevicesByIdentifier(db, u.tenantId, value)
    const visible: Resource[] = []
    for (const d of devices) {
      const ok = d.patientId !== null && (await canAccessPatient(db, u.tenantId, u.userId, d.patientId))
      await request.audit({ action: 'search', resourceType: 'Device', resourceId: d.identifier, patientId: d.patientId, outcome: ok ? 'allowed' : 'denied', details: { api: 'fhir' } })
      if (ok) visible.push(deviceResource(d))
    }
    // as for Patient: a device of a patient the caller does not care for is left out, as one that does not exist
    return send(reply, 200, searchBundle(`${baseUrl(request)}/Device?identifier=${encodeURIComponent(identifier)}`, visible, baseUrl(request)))
  })

  app.get('/Observation', { schema: { hide: true, querystring: observationQuery } }, async (request, reply) => {
    const u = request.user!
    const q = request.query
    const patientId = q.patient ?? q.subject
    if (!patientId) return send(reply, 400, operationOutcome('required', 'The patient parameter is required'))
    const code = q.code
    const types = code ? typesForCode(code) : undefined
    if (types === null) return send(reply, 400, operationOutcome('not-supported', 'Only LOINC codes (http://loinc.org) are supported'))
    const range: { from?: Date; to?: Date } = {}
    for (const d of q.date) {
      if (d.prefix === 'ge' || d.prefix === 'gt') range.from = d.at
      else if (d.prefix === 'le' || d.prefix === 'lt') range.to = d.at
      else { range.from = d.at; range.to = d.isDay ? new Date(d.at.getTime() + 86_399_999) : d.at }
    }
    const count = q._count
    const cursor = q._cursor
    const allowed = await canAccessPatient(db, u.tenantId, u.userId, patientId)
    await request.audit({ action: 'search', resourceType: 'Observation', resourceId: patientId, patientId: allowed ? patientId : null, outcome: allowed ? 'allowed' : 'denied', details: { api: 'fhir', code, date: q.date.map((d) => d.raw) } })
    if (!allowed) return send(reply, 403, operationOutcome('forbidden', 'No care relationship to this patient'))
    if (types && types.length === 0) return send(reply, 200, searchBundle(selfUrl(), [], baseUrl(request)))
    const rows = await listMeasurements(db, {
      tenantId: u.tenantId, patientId, limit: count + 1, ...(types ? { types } : {}), ...range,
      ...(cursor ? { after: { measuredAt: cursor.measuredAt, id: cursor.id } } : {}),
    })
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
