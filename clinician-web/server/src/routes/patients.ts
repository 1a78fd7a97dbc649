import type { RowFacts } from '../access/row-facts.js'
import type { PatientSummary } from '../access/types.js'
import { errorBody, idParams, measurementListSchema, measurementQuerySchema, patientListSchema, patientSchema, trendQuerySchema, trendSchema, type Patient } from '@varde/api-contract'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { accessOf, requireUser } from '../plugins/auth.js'

function toJson(p: PatientSummary, facts?: RowFacts): Patient {
  return {
    ...(facts?.adherence ? { adherence: facts.adherence } : {}),
    id: p.id, displayName: p.displayName, birthDate: p.birthDate, conditions: p.conditions, serviceState: p.serviceState,
    gateway: p.gateway ? { id: p.gateway.id, state: p.gateway.state, battery: p.gateway.battery, lastSeenAt: p.gateway.lastSeenAt?.toISOString() ?? null } : null,
    lastMeasurementAt: p.lastMeasurementAt?.toISOString() ?? null,
    latest: Object.fromEntries(Object.entries(p.latest).map(([k, v]) => [k, {
      ...v, measuredAt: new Date(v.measuredAt).toISOString(), ...(facts ? { severity: facts.colours[k] ?? null } : {}),
    }])),
    openAlerts: p.openAlerts,
    worstOpen: p.worstOpen ? { ...p.worstOpen, since: p.worstOpen.since.toISOString() } : null,
    lastContactAt: p.lastContactAt?.toISOString() ?? null,
    emergencyAccessUntil: p.emergencyAccessUntil?.toISOString() ?? null,
  }
}

/** The patients a user gives care to; every read is written to the access log. */
export const patientRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireUser)

  app.get('/api/patients', {
    config: { access: 'patient' },
    schema: { tags: ['patients'], summary: 'Patients on the caller\'s care teams, with latest values', response: { 200: patientListSchema } },
  }, async (request) => {
    const access = accessOf(request).patients
    const patients = await access.list()
    const facts = await access.rowFacts(patients)
    return { items: patients.map((p) => toJson(p, facts.get(p.id))) }
  })

  app.get('/api/patients/:id', {
    config: { access: 'patient' },
    schema: { tags: ['patients'], summary: 'One patient', params: idParams, response: { 200: patientSchema, 404: errorBody } },
  }, async (request) => {
    const access = accessOf(request).patients
    const patient = await access.read(request.params.id)
    return toJson(patient, (await access.rowFacts([patient])).get(patient.id))
  })

  app.get('/api/patients/:id/measurements', {
    config: { access: 'patient' },
    schema: {
      tags: ['patients'],
      summary: 'A patient\'s readings in a time range, oldest first',
      params: idParams,
      querystring: measurementQuerySchema,
      response: { 200: measurementListSchema, 404: errorBody },
    },
  }, async (request) => {
    const q = request.query
    const types = q.type === undefined ? undefined : Array.isArray(q.type) ? q.type : [q.type]
    const rows = await accessOf(request).patients.measurements(request.params.id, {
      limit: q.limit, ...(types ? { types } : {}), ...(q.from ? { from: new Date(q.from) } : {}), ...(q.to ? { to: new Date(q.to) } : {}),
    }, { action: 'read', details: { from: q.from, to: q.to } })
    return { items: rows.map((m) => ({ id: m.id, type: m.type, value: m.value, unit: m.unit, measuredAt: m.measuredAt.toISOString(), flags: m.flags })) }
  })

  app.get('/api/patients/:id/trends', {
    config: { access: 'patient' },
    schema: {
      tags: ['patients'],
      summary: 'One vital over a range (24 h … 5 years) in at most ~1,000 points, each with its min/max envelope',
      description: 'The raw readings when the range has at most 1,000, else buckets of 5 min, 1 h, 1 d or a whole multiple, from the rollups '
        + '(migration 0028, docs/decisions/0029-trend-rollups.md) and, for days with readings not yet rolled up, from the readings themselves.',
      params: idParams,
      querystring: trendQuerySchema,
      response: { 200: trendSchema, 400: errorBody, 404: errorBody },
    },
  }, async (request) => {
    const q = request.query
    const trend = await accessOf(request).patients.trend(request.params.id, { type: q.vital, from: new Date(q.from), to: new Date(q.to) })
    return {
      vital: q.vital, resolution: trend.resolution, from: trend.from.toISOString(), to: trend.to.toISOString(),
      points: trend.points.map((p) => ({ at: p.at.toISOString(), n: p.n, min: p.min, max: p.max, mean: p.mean, ...(p.flags ? { flags: p.flags } : {}) })),
      bins: trend.bins,
    }
  })
}
