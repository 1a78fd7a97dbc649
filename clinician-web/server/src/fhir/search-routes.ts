import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ERRORS } from '../errors/api-errors.js'
import { accessOf } from '../plugins/auth.js'
import { NATIONAL_ID_SYSTEM } from './identifiers.js'
import { kindsForCode } from './observation-codes.js'
import { deviceResource, observationResource, patientResource, searchBundle } from './resources.js'
import { deviceSchema, observationSchema, patientSchema, refusals, searchsetSchema } from './response-schemas.js'
import { baseUrl, orAnswer, sendResource } from './reply.js'
import { encodeCursor, identifierQuery, observationQuery } from './search-params.js'

/**
 * The searches of platform-contract.md "FHIR R4". Each is ONE access-log
 * entry, however many it finds (issue 15). By identifier, a match the caller
 * does not care for is left out, as one that does not exist; by patient, a
 * patient the caller does not care for is a 403, as one that does not exist.
 */
export const searchRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/Patient', {
    config: { access: 'patient' }, schema: { hide: true, querystring: identifierQuery, response: { 200: searchsetSchema(patientSchema), ...refusals } },
  }, async (request, reply) => {
    const { identifier } = request.query
    if (!identifier) throw new ERRORS.fhirParameterRequired('Search by identifier=urn:oid:2.16.578.1.12.4.1.4.1|<fødselsnummer>')
    const [system, value] = identifier.includes('|') ? identifier.split('|') : [NATIONAL_ID_SYSTEM, identifier]
    const patients = await accessOf(request).searches.patientsByNationalId(system === NATIONAL_ID_SYSTEM && value ? value : null)
    return sendResource(reply, 200, searchBundle(`${baseUrl(request)}/Patient?identifier=${encodeURIComponent(identifier)}`, patients.map(patientResource), baseUrl(request)))
  })

  app.get('/Device', {
    config: { access: 'patient' }, schema: { hide: true, querystring: identifierQuery, response: { 200: searchsetSchema(deviceSchema), ...refusals } },
  }, async (request, reply) => {
    const { identifier } = request.query
    if (!identifier) throw new ERRORS.fhirParameterRequired('Search by identifier=<gateway id or device id>')
    const value = identifier.includes('|') ? identifier.slice(identifier.indexOf('|') + 1) : identifier
    const devices = await accessOf(request).searches.devicesByIdentifier(value)
    return sendResource(reply, 200, searchBundle(`${baseUrl(request)}/Device?identifier=${encodeURIComponent(identifier)}`, devices.map(deviceResource), baseUrl(request)))
  })

  app.get('/Observation', {
    config: { access: 'patient' }, schema: { hide: true, querystring: observationQuery, response: { 200: searchsetSchema(observationSchema), ...refusals } },
  }, async (request, reply) => {
    const q = request.query
    const patientId = q.patient ?? q.subject
    if (!patientId) throw new ERRORS.fhirParameterRequired('The patient parameter is required')
    // code and combo-code together: the Observations both name
    let kinds: string[] | undefined
    for (const [param, value] of [['code', q.code], ['combo-code', q['combo-code']]] as const) {
      if (value === undefined) continue
      const named = kindsForCode(value, param)
      if (named === null) throw new ERRORS.fhirNotSupported('Only LOINC codes (http://loinc.org) are supported')
      kinds = kinds ? kinds.filter((k) => named.includes(k)) : named
    }
    const range: { from?: Date; to?: Date } = {}
    for (const d of q.date) {
      if (d.prefix === 'ge' || d.prefix === 'gt') range.from = d.at
      else if (d.prefix === 'le' || d.prefix === 'lt') range.to = d.at
      else { range.from = d.at; range.to = d.isDay ? new Date(d.at.getTime() + 86_399_999) : d.at }
    }
    const count = q._count
    const cursor = q._cursor
    const rows = await orAnswer(accessOf(request).fhir.observations(patientId, {
      limit: count + 1, ...(kinds ? { kinds } : {}), ...range,
      ...(cursor ? { after: { measuredAt: cursor.measuredAt, id: cursor.id } } : {}),
    }, { code: q.code, comboCode: q['combo-code'], date: q.date.map((d) => d.raw) }), () => new ERRORS.fhirNoCareRelationship())
    const page = rows.slice(0, count)
    const last = page.at(-1)
    const next = rows.length > count && last ? selfUrl(encodeCursor({ measuredAt: last.measuredAt, id: last.id })) : undefined
    return sendResource(reply, 200, searchBundle(selfUrl(cursor?.raw), page.map(observationResource), baseUrl(request), { nextUrl: next, isFirstPage: !cursor }))

    function selfUrl(withCursor?: string): string {
      const params = new URLSearchParams()
      params.set('patient', patientId!)
      if (q.code) params.set('code', q.code)
      if (q['combo-code']) params.set('combo-code', q['combo-code'])
      for (const d of q.date) params.append('date', d.raw)
      params.set('_count', String(count))
      if (withCursor) params.set('_cursor', withCursor)
      return `${baseUrl(request)}/Observation?${params.toString()}`
    }
  })
}
