import {
  canAccessPatient, findDevicesByIdentifier, findPatientForUser, findPatientIdsByNationalId, listMeasurements, type Queryable,
} from '@varde/db'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import {
  capabilityStatement, deviceResource, NATIONAL_ID_SYSTEM, observationResource, operationOutcome, patientResource,
  searchBundle, typesForCode, type Resource,
} from './resources.js'

const FHIR_JSON = 'application/fhir+json; charset=utf-8'
const MAX_COUNT = 1000

type Query = Record<string, string | string[] | undefined>
const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])
const one = (v: string | string[] | undefined): string | undefined => all(v)[0]

/**
 * FHIR R4 read API (platform-contract.md "FHIR R4"). Every read is checked
 * against the caller's care relationship and written to the access log;
 * without one the caller gets 403, never the data.
 */
export const fhirRoutes: FastifyPluginAsync<{ db: Queryable }> = async (app, { db }) => {
  const send = (reply: FastifyReply, status: number, body: Resource) => reply.code(status).type(FHIR_JSON).send(body)
  const baseUrl = (request: FastifyRequest) => `${request.protocol}://${request.host}/fhir`

  app.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, (_req, body, done) => done(null, body))

  app.get('/fhir/metadata', { schema: { hide: true } }, async (request, reply) => send(reply, 200, capabilityStatement(baseUrl(request))))

  app.addHook('preHandler', async (request, reply) => {
    if (request.url.startsWith('/fhir/metadata')) return
    if (!request.user) return send(reply, 401, operationOutcome('login', 'Authentication required (session cookie or Bearer token)'))
  })

  app.get('/fhir/Patient/:id', { schema: { hide: true } }, async (request, reply) => {
    const u = request.user!
    const { id } = request.params as { id: string }
    const patient = await findPatientForUser(db, u.tenantId, u.userId, id)
    await request.audit({ action: 'read', resourceType: 'Patient', resourceId: id, patientId: patient?.id ?? null, outcome: patient ? 'allowed' : 'denied', details: { api: 'fhir' } })
    if (!patient) return send(reply, 404, operationOutcome('not-found', `Patient/${id} not found or not accessible`))
    return send(reply, 200, patientResource(patient))
  })

  app.get('/fhir/Patient', { schema: { hide: true } }, async (request, reply) => {
    const u = request.user!
    const identifier = one((request.query as Query).identifier)
    if (!identifier) return send(reply, 400, operationOutcome('required', 'Search by identifier=urn:oid:2.16.578.1.12.4.1.4.1|<fødselsnummer>'))
    const [system, value] = identifier.includes('|') ? identifier.split('|') : [NATIONAL_ID_SYSTEM, identifier]
    const ids = system === NATIONAL_ID_SYSTEM && value ? await findPatientIdsByNationalId(db, u.tenantId, value) : []
    const visible: Resource[] = []
    for (const id of ids) {
      const p = await findPatientForUser(db, u.tenantId, u.userId, id)
      await request.audit({ action: 'search', resourceType: 'Patient', resourceId: id, patientId: id, outcome: p ? 'allowed' : 'denied', details: { api: 'fhir' } })
      if (p) visible.push(patientResource(p))
    }
    if (ids.length > 0 && visible.length === 0) return send(reply, 403, operationOutcome('forbidden', 'No care relationship to this patient'))
    return send(reply, 200, searchBundle(`${baseUrl(request)}/Patient?identifier=${encodeURIComponent(identifier)}`, visible, baseUrl(request)))
  })

  app.get('/fhir/Device', { schema: { hide: true } }, async (request, reply) => {
    const u = request.user!
    const identifier = one((request.query as Query).identifier)
    if (!identifier) return send(reply, 400, operationOutcome('required', 'Search by identifier=<gateway id or device id>'))
    const value = identifier.includes('|') ? identifier.slice(identifier.indexOf('|') + 1) : identifier
    const devices = await findDevicesByIdentifier(db, u.tenantId, value)
    const visible: Resource[] = []
    let denied = 0
    for (const d of devices) {
      const ok = d.patientId !== null && (await canAccessPatient(db, u.tenantId, u.userId, d.patientId))
      await request.audit({ action: 'search', resourceType: 'Device', resourceId: d.identifier, patientId: d.patientId, outcome: ok ? 'allowed' : 'denied', details: { api: 'fhir' } })
      if (ok) visible.push(deviceResource(d))
      else denied++
    }
    if (denied > 0 && visible.length === 0) return send(reply, 403, operationOutcome('forbidden', 'No care relationship to the patient of this device'))
    return send(reply, 200, searchBundle(`${baseUrl(request)}/Device?identifier=${encodeURIComponent(identifier)}`, visible, baseUrl(request)))
  })

  app.get('/fhir/Observation', { schema: { hide: true } }, async (request, reply) => {
    const u = request.user!
    const q = request.query as Query
    const patientParam = one(q.patient) ?? one(q.subject)
    if (!patientParam) return send(reply, 400, operationOutcome('required', 'The patient parameter is required'))
    const patientId = patientParam.replace(/^Patient\//, '')
    const code = one(q.code)
    const types = code ? typesForCode(code) : undefined
    if (types === null) return send(reply, 400, operationOutcome('not-supported', 'Only LOINC codes (http://loinc.org) are supported'))
    const range: { from?: Date; to?: Date } = {}
    for (const d of all(q.date)) {
      const m = /^(ge|gt|le|lt|eq)?(\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?)$/.exec(d)
      const at = m ? new Date(m[2]!.length === 10 ? `${m[2]}T00:00:00Z` : m[2]!) : undefined
      if (!m || !at || Number.isNaN(at.getTime())) return send(reply, 400, operationOutcome('value', `Unsupported date parameter '${d}'`))
      const prefix = m[1] ?? 'eq'
      if (prefix === 'ge' || prefix === 'gt') range.from = at
      else if (prefix === 'le' || prefix === 'lt') range.to = at
      else { range.from = at; range.to = m[2]!.length === 10 ? new Date(at.getTime() + 86_399_999) : at }
    }
    const countRaw = Number(one(q._count) ?? 100)
    const count = Number.isFinite(countRaw) ? Math.min(Math.max(1, Math.trunc(countRaw)), MAX_COUNT) : 100
    let after: { measuredAt: Date; id: string } | undefined
    const cursor = one(q._cursor)
    if (cursor) {
      const [t, id] = Buffer.from(cursor, 'base64url').toString().split('|')
      if (!t || !id || Number.isNaN(Date.parse(t))) return send(reply, 400, operationOutcome('value', 'Invalid _cursor'))
      after = { measuredAt: new Date(t), id }
    }
    const allowed = await canAccessPatient(db, u.tenantId, u.userId, patientId)
    await request.audit({ action: 'search', resourceType: 'Observation', resourceId: patientId, patientId: allowed ? patientId : null, outcome: allowed ? 'allowed' : 'denied', details: { api: 'fhir', code, date: all(q.date) } })
    if (!allowed) return send(reply, 403, operationOutcome('forbidden', 'No care relationship to this patient'))
    if (types && types.length === 0) return send(reply, 200, searchBundle(selfUrl(), [], baseUrl(request)))
    const rows = await listMeasurements(db, {
      tenantId: u.tenantId, patientId, limit: count + 1, ...(types ? { types } : {}), ...range, ...(after ? { after } : {}),
    })
    const page = rows.slice(0, count)
    const last = page.at(-1)
    const next = rows.length > count && last
      ? selfUrl(Buffer.from(`${last.measuredAt.toISOString()}|${last.id}`).toString('base64url'))
      : undefined
    return send(reply, 200, searchBundle(selfUrl(cursor), page.map(observationResource), baseUrl(request), next))

    function selfUrl(withCursor?: string): string {
      const params = new URLSearchParams()
      params.set('patient', patientId)
      if (code) params.set('code', code)
      for (const d of all(q.date)) params.append('date', d)
      params.set('_count', String(count))
      if (withCursor) params.set('_cursor', withCursor)
      return `${baseUrl(request)}/Observation?${params.toString()}`
    }
  })
}
