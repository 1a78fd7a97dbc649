import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ERRORS } from '../errors/api-errors.js'
import { accessOf } from '../plugins/auth.js'
import { NATIONAL_ID_SYSTEM } from './identifiers.js'
import { kindsForCode } from './observation-codes.js'
import { deviceResource, observationResource, patientResource, searchBundle } from './resources.js'
import { deviceSchema, observationSchema, patientSchema, refusals, searchsetSchema } from './response-schemas.js'
import type { Resource } from '@medplum/fhirtypes'
import type { ObservationRow } from '../access/types.js'
import { SERVED } from './capability-statement.js'
import { deviceResourceId } from './identifiers.js'
import { baseUrl, orAnswer, sendResource } from './reply.js'
import { handlingOf } from './search-controls.js'
import { mayUse } from './client-scopes.js'
import { encodeCursor, observationQuery, revIncludingQuery } from './search-params.js'
import type { FastifyRequest } from 'fastify'

const OBSERVATION_INCLUDES = SERVED.Observation?.searchInclude ?? []
/** At most this many Observations per resource found by `_revinclude`, newest first (a patient's history is not sent in one page). */
export const REVINCLUDE_LIMIT = 100

/**
 * The searches of platform-contract.md "FHIR R4". Each is ONE access-log
 * entry, however many it finds (issue 15). By identifier, a match the caller
 * does not care for is left out, as one that does not exist; by patient, a
 * patient the caller does not care for is a 403, as one that does not exist.
 */
export const searchRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/Patient', {
    config: { access: 'patient' },
    schema: { hide: true, querystring: revIncludingQuery, response: { 200: searchsetSchema(patientSchema, [observationSchema]), ...refusals } },
  }, async (request, reply) => {
    const { identifier } = request.query
    if (!identifier) throw new ERRORS.fhirParameterRequired('Search by identifier=urn:oid:2.16.578.1.12.4.1.4.1|<fødselsnummer>')
    const revIncludes = revIncludesOf(request, request.query._revinclude, 'Patient')
    const [system, value] = identifier.includes('|') ? identifier.split('|') : [NATIONAL_ID_SYSTEM, identifier]
    const access = accessOf(request)
    const patients = await access.searches.patientsByNationalId(system === NATIONAL_ID_SYSTEM && value ? value : null)
    const times = patients.length ? (await access.fhir.lastUpdated({ patients: patients.map((p) => p.id) })).patients : new Map<string, Date>()
    // _revinclude: the newest Observations of each patient found, each patient's one search (and one log entry)
    const included: Resource[] = []
    if (revIncludes.length && mayUse(request, 'Observation')) {
      for (const p of patients) included.push(...(await access.fhir.observations(p.id, { limit: REVINCLUDE_LIMIT, order: 'desc' }, { revinclude: revIncludes })).map(observationResource))
    }
    const self = `${baseUrl(request)}/Patient?identifier=${encodeURIComponent(identifier)}${revIncludes.map((r) => `&_revinclude=${r}`).join('')}`
    return sendResource(reply, 200, searchBundle(self, patients.map((p) => patientResource(p, times.get(p.id))), baseUrl(request), undefined, included))
  })

  app.get('/Device', {
    config: { access: 'patient' },
    schema: { hide: true, querystring: revIncludingQuery, response: { 200: searchsetSchema(deviceSchema, [observationSchema]), ...refusals } },
  }, async (request, reply) => {
    const { identifier } = request.query
    if (!identifier) throw new ERRORS.fhirParameterRequired('Search by identifier=<gateway id or device id>')
    const revIncludes = revIncludesOf(request, request.query._revinclude, 'Device')
    const value = identifier.includes('|') ? identifier.slice(identifier.indexOf('|') + 1) : identifier
    const access = accessOf(request)
    const devices = await access.searches.devicesByIdentifier(value)
    const times = devices.length ? (await access.fhir.lastUpdated({ gateways: devices.map((d) => d.gatewayId) })).gateways : new Map<string, Date>()
    // _revinclude=Observation:device: a BLE device's newest Observations (a gateway is no Observation's device, only its gatewayDevice)
    const included: Resource[] = []
    for (const d of revIncludes.length && mayUse(request, 'Observation') ? devices : []) {
      if (d.kind !== 'device' || d.patientId === null) continue
      const rows = await access.fhir.observations(d.patientId, { limit: REVINCLUDE_LIMIT, order: 'desc', device: { gatewayId: d.gatewayId, deviceId: d.identifier } }, { revinclude: revIncludes })
      included.push(...rows.map(observationResource))
    }
    const self = `${baseUrl(request)}/Device?identifier=${encodeURIComponent(identifier)}${revIncludes.map((r) => `&_revinclude=${r}`).join('')}`
    return sendResource(reply, 200, searchBundle(self, devices.map((d) => deviceResource(d, times.get(d.gatewayId))), baseUrl(request), undefined, included))
  })

  /** The `_revinclude` values of this type that are served; under handling=strict any other is refused. */
  function revIncludesOf(request: FastifyRequest, asked: string[], type: 'Patient' | 'Device'): string[] {
    const served = SERVED[type]?.searchRevInclude ?? []
    const unsupported = asked.filter((v) => !served.includes(v))
    if (unsupported.length && handlingOf(request) === 'strict') throw new ERRORS.fhirNotSupported(`Not supported: ${unsupported.map((v) => `_revinclude=${v}`).join(', ')} (see /fhir/metadata)`)
    return [...new Set(asked.filter((v) => served.includes(v)))]
  }

  app.get('/Observation', {
    config: { access: 'patient' },
    schema: { hide: true, querystring: observationQuery, response: { 200: searchsetSchema(observationSchema, [patientSchema, deviceSchema]), ...refusals } },
  }, async (request, reply) => {
    const q = request.query
    const isStrict = handlingOf(request) === 'strict'
    const includes = q._include.filter((v) => OBSERVATION_INCLUDES.includes(v))
    const order = q._sort === '-date' ? 'desc' : 'asc'
    const isCount = q._summary === 'count'
    const unsupported = [
      ...q._include.filter((v) => !includes.includes(v)).map((v) => `_include=${v}`),
      ...(q._sort && q._sort !== 'date' && q._sort !== '-date' ? [`_sort=${q._sort}`] : []),
      ...(q._summary && !isCount ? [`_summary=${q._summary}`] : []),
    ]
    if (unsupported.length && isStrict) throw new ERRORS.fhirNotSupported(`Not supported: ${unsupported.join(', ')} (see /fhir/metadata)`)

    let patientId = q.patient ?? q.subject
    const chained = q['patient.identifier']
    if (!patientId && chained !== undefined) {
      // the chain names a patient by national id; one the caller does not care for is as one that does not exist: no match
      const [system, value] = chained.includes('|') ? [chained.slice(0, chained.indexOf('|')), chained.slice(chained.indexOf('|') + 1)] : [NATIONAL_ID_SYSTEM, chained]
      const [patient] = await accessOf(request).searches.patientsByNationalId(system === NATIONAL_ID_SYSTEM && value ? value : null)
      if (!patient) return sendResource(reply, 200, searchBundle(selfUrl(), [], baseUrl(request)))
      patientId = patient.id
    }
    if (!patientId) throw new ERRORS.fhirParameterRequired('The patient parameter is required (or subject, or patient.identifier)')
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
    const forPatient = patientId
    const details = { code: q.code, comboCode: q['combo-code'], date: q.date.map((d) => d.raw) }
    if (isCount) {
      // _summary=count (R4 search.html §3.1.1.5.7): the total, no entries, no paging
      const total = await orAnswer(accessOf(request).fhir.countObservations(forPatient, { ...(kinds ? { kinds } : {}), ...range }, details), () => new ERRORS.fhirNoCareRelationship())
      return sendResource(reply, 200, { ...searchBundle(selfUrl(), [], baseUrl(request)), total })
    }
    const rows = await orAnswer(accessOf(request).fhir.observations(forPatient, {
      limit: count + 1, ...(kinds ? { kinds } : {}), ...range, order,
      ...(cursor ? { after: { measuredAt: cursor.measuredAt, id: cursor.id } } : {}),
    }, details), () => new ERRORS.fhirNoCareRelationship())
    const page = rows.slice(0, count)
    const last = page.at(-1)
    const next = rows.length > count && last ? selfUrl(encodeCursor({ measuredAt: last.measuredAt, id: last.id })) : undefined
    const included = await includedOf(page, includes, forPatient)
    return sendResource(reply, 200, searchBundle(selfUrl(cursor?.raw), page.map(observationResource), baseUrl(request), { nextUrl: next, isFirstPage: !cursor }, included))

    /** The resources `_include` asks for, each read through the access layer (and logged) as a read of its own. */
    async function includedOf(page: ObservationRow[], asked: string[], patient: string): Promise<Resource[]> {
      const out: Resource[] = []
      if (page.length && (asked.includes('Observation:patient') || asked.includes('Observation:subject')) && mayUse(request, 'Patient', 'r')) {
        const times = await accessOf(request).fhir.lastUpdated({ patients: [patient] })
        out.push(patientResource(await accessOf(request).patients.read(patient, { api: 'fhir' }), times.patients.get(patient)))
      }
      if (asked.includes('Observation:device') && mayUse(request, 'Device', 'r')) {
        const ids = [...new Set(page.map((m) => deviceResourceId({ kind: 'device', gatewayId: m.gatewayId, identifier: m.deviceId })))]
        for (const id of ids) {
          // a device no longer listed for the caller's patients (moved on) is left out, as a read of it would be a 404
          const device = await accessOf(request).fhir.device(id, (d) => deviceResourceId(d) === id).catch((error: unknown) => {
            if (error instanceof ERRORS.patientNotFound) return null
            throw error
          })
          if (device) out.push(deviceResource(device, (await accessOf(request).fhir.lastUpdated({ gateways: [device.gatewayId] })).gateways.get(device.gatewayId)))
        }
      }
      return out
    }

    function selfUrl(withCursor?: string): string {
      const params = new URLSearchParams()
      if (patientId) params.set('patient', patientId)
      else if (chained !== undefined) params.set('patient.identifier', chained)
      if (q.code) params.set('code', q.code)
      if (q['combo-code']) params.set('combo-code', q['combo-code'])
      for (const d of q.date) params.append('date', d.raw)
      params.set('_count', String(q._count))
      for (const i of includes) params.append('_include', i)
      if (q._sort === 'date' || q._sort === '-date') params.set('_sort', q._sort)
      if (isCount) params.set('_summary', 'count')
      for (const e of new URLSearchParams((request.raw.url ?? '').split('?')[1] ?? '').getAll('_elements')) params.append('_elements', e)
      if (withCursor) params.set('_cursor', withCursor)
      return `${baseUrl(request)}/Observation?${params.toString()}`
    }
  })
}
