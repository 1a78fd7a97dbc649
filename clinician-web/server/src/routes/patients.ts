import type { PatientSummary } from '../access/types.js'
import { VITAL_TYPE_NAMES } from '@varde/domain'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorBody, isoInstant, uuidParam } from '../input-schemas.js'
import { accessOf, requireUser } from '../plugins/auth.js'

const latestValue = z.object({ value: z.number(), unit: z.string(), measuredAt: z.string() })
const patientSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  conditions: z.array(z.enum(['copd', 'heart-failure', 'diabetes', 'hypertension'])),
  serviceState: z.enum(['active', 'paused', 'ended']),
  gateway: z.object({ id: z.string(), state: z.enum(['online', 'offline', 'unknown']), battery: z.number().nullable(), lastSeenAt: z.string().nullable() }).nullable(),
  lastMeasurementAt: z.string().nullable(),
  latest: z.record(z.string(), latestValue),
  openAlerts: z.object({ red: z.number(), yellow: z.number() }),
})

function toJson(p: PatientSummary): z.infer<typeof patientSchema> {
  return {
    id: p.id, displayName: p.displayName, conditions: p.conditions, serviceState: p.serviceState,
    gateway: p.gateway ? { id: p.gateway.id, state: p.gateway.state, battery: p.gateway.battery, lastSeenAt: p.gateway.lastSeenAt?.toISOString() ?? null } : null,
    lastMeasurementAt: p.lastMeasurementAt?.toISOString() ?? null,
    latest: Object.fromEntries(Object.entries(p.latest).map(([k, v]) => [k, { ...v, measuredAt: new Date(v.measuredAt).toISOString() }])),
    openAlerts: p.openAlerts,
  }
}

/** The patients a user gives care to; every read is written to the access log. */
export const patientRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireUser)

  app.get('/api/patients', {
    config: { access: 'patient' },
    schema: { tags: ['patients'], summary: 'Patients on the caller\'s care teams, with latest values', response: { 200: z.object({ items: z.array(patientSchema) }) } },
  }, async (request) => ({ items: (await accessOf(request).patients.list()).map(toJson) }))

  app.get('/api/patients/:id', {
    config: { access: 'patient' },
    schema: { tags: ['patients'], summary: 'One patient', params: z.object({ id: uuidParam }), response: { 200: patientSchema, 404: errorBody } },
  }, async (request) => toJson(await accessOf(request).patients.read(request.params.id)))

  app.get('/api/patients/:id/measurements', {
    config: { access: 'patient' },
    schema: {
      tags: ['patients'],
      summary: 'A patient\'s readings in a time range, oldest first',
      params: z.object({ id: uuidParam }),
      querystring: z.object({
        from: isoInstant.optional(),
        to: isoInstant.optional(),
        type: z.union([z.enum(VITAL_TYPE_NAMES), z.array(z.enum(VITAL_TYPE_NAMES))]).optional(),
        limit: z.coerce.number().int().min(1).max(20_000).default(10_000),
      }),
      response: {
        200: z.object({ items: z.array(z.object({ id: z.string(), type: z.string(), value: z.number(), unit: z.string(), measuredAt: z.string(), flags: z.array(z.string()) })) }),
        404: errorBody,
      },
    },
  }, async (request) => {
    const q = request.query
    const types = q.type === undefined ? undefined : Array.isArray(q.type) ? q.type : [q.type]
    const rows = await accessOf(request).patients.measurements(request.params.id, {
      limit: q.limit, ...(types ? { types } : {}), ...(q.from ? { from: new Date(q.from) } : {}), ...(q.to ? { to: new Date(q.to) } : {}),
    }, { action: 'read', details: { from: q.from, to: q.to } })
    return { items: rows.map((m) => ({ id: m.id, type: m.type, value: m.value, unit: m.unit, measuredAt: m.measuredAt.toISOString(), flags: m.flags })) }
  })
}
